package app

import (
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
)

// A distance alone says little: the SGRU's and the CGRU's distances are on
// scales of their own (a CGRU's synchronised runs end closer together than
// any SGRU's summaries). The Compare panel therefore puts each distance
// beside the distances the same network gives a fixed sample of the
// split's pairs: same-activity pairs and different-activity pairs.

// contextPairsPerClass is the number of same-activity and of
// different-activity pairs drawn for each activity: 10 × 6 activities of
// UCI HAR make 60 pairs of each, about 0.3 s of CGRU runs in a browser.
const contextPairsPerClass = 10

// DistanceContext places a distance among a network's distances of a fixed
// sample of pairs of the same split (drawn with a fixed seed, so that
// every comparison on that split is measured against the same pairs).
type DistanceContext struct {
	Split string `json:"split"`
	// NSame and NDiff are the sample's same-activity and different-activity
	// pairs.
	NSame int `json:"n_same"`
	NDiff int `json:"n_diff"`
	// SameBelow is the fraction of the same-activity pairs closer than the
	// distance; DiffAbove the fraction of the different-activity pairs
	// farther than it ("closer than 90 % of different-activity pairs").
	SameBelow float64 `json:"same_below"`
	DiffAbove float64 `json:"diff_above"`
	// MedianSame and MedianDiff are the sample's medians.
	MedianSame float64 `json:"median_same"`
	MedianDiff float64 `json:"median_diff"`
}

// contextSample is a network's sorted distances of the sample pairs.
type contextSample struct {
	same, diff []float64
}

// contextCache keeps the samples of the networks last compared, keyed by
// the data, the split and a hash of the network and its normalisation:
// comparing another pair with the same networks costs nothing more.
type contextCache struct {
	mu sync.Mutex
	m  map[string]*contextSample
}

func (c *contextCache) get(key string) *contextSample {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *contextCache) put(key string, s *contextSample) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 8 {
		c.m = map[string]*contextSample{} // networks change as they train: keep the last few
	}
	c.m[key] = s
}

var contexts contextCache

// netKey identifies a network (its kind and parameters) and its
// normalisation.
func netKey(net *model.Net[float64], norm *data.Normalizer) string {
	k := string(net.Kind) + ":" + paramsHash(net.Params)
	if norm != nil {
		k += ":" + paramsHash(slices.Concat(norm.Mean, norm.Std))
	}
	return k
}

// contextPairs draws the sample's pairs of ds: for each activity with two
// windows or more, contextPairsPerClass pairs of two of its windows and as
// many of one of its windows with a window of another activity.
func contextPairs(ds *data.Dataset) (same, diff []data.Pair) {
	rng := rand.New(rand.NewPCG(1, 0x636f6e74)) // "cont"
	byClass := make([][]int, len(ds.ClassNames))
	for i, l := range ds.Labels {
		byClass[l] = append(byClass[l], i)
	}
	for c, w := range byClass {
		if len(w) < 2 || len(w) == ds.Len() {
			continue
		}
		for k := 0; k < contextPairsPerClass; k++ {
			i := rng.IntN(len(w))
			j := rng.IntN(len(w) - 1)
			if j >= i {
				j++
			}
			same = append(same, data.Pair{A: w[i], B: w[j]})
			var o int
			for {
				o = rng.IntN(ds.Len())
				if ds.Labels[o] != c {
					break
				}
			}
			diff = append(diff, data.Pair{A: w[rng.IntN(len(w))], B: o})
		}
	}
	return same, diff
}

// distanceContext returns the context of distance d for net on split
// (float64 on the CPU, as opCompare computes d), from the cache or
// computed now; nil when the split has no pairs of both kinds.
func distanceContext(dataID, split string, ds *data.Dataset, net *model.Net[float64], norm *data.Normalizer, d float64) *DistanceContext {
	key := dataID + "\x00" + split + "\x00" + netKey(net, norm)
	s := contexts.get(key)
	if s == nil {
		same, diff := contextPairs(ds)
		if len(same) == 0 || len(diff) == 0 {
			return nil
		}
		// The windows the pairs use, in float64, normalised as the network
		// wants.
		order, pairs := harness.GatherPairs(slices.Concat(same, diff))
		x := model.NewSeqs[float64](len(order), ds.T, len(ds.Channels))
		for k, w := range order {
			copy(x.Seq(k), to64(ds.Window(w), norm))
		}
		e := &model.CPU[float64]{Threads: 1}
		all := e.Distances(net, x, pairs)
		s = &contextSample{same: all[:len(same)], diff: all[len(same):]}
		slices.Sort(s.same)
		slices.Sort(s.diff)
		contexts.put(key, s)
	}
	below := func(xs []float64) float64 {
		n, _ := slices.BinarySearch(xs, d) // xs[:n] < d
		return float64(n) / float64(len(xs))
	}
	above := func(xs []float64) float64 {
		n := len(xs)
		for n > 0 && xs[n-1] > d {
			n--
		}
		return float64(len(xs)-n) / float64(len(xs))
	}
	return &DistanceContext{Split: split, NSame: len(s.same), NDiff: len(s.diff), SameBelow: below(s.same), DiffAbove: above(s.diff),
		MedianSame: harness.Median(s.same), MedianDiff: harness.Median(s.diff)}
}
