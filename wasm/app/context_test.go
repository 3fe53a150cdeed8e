package app

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
)

// TestCompareContext compares a pair with the networks of docs/results
// and checks each distance's context against the sample's distances
// computed one pair at a time (model's Trace, as compare does), and that
// the sample is cached for the next pair.
func TestCompareContext(t *testing.T) {
	a, _ := newApp(t)
	for _, k := range []string{"sgru", "cgru"} {
		text, err := os.ReadFile("../../docs/results/" + k + ".json")
		if err != nil {
			t.Fatal(err)
		}
		call(t, a, "model.load", nil, nil, File{k + ".json", text})
	}
	pair := map[string]any{"a": WindowRef{"test", 3}, "b": WindowRef{"test", 100}}
	var res CompareResult
	start := time.Now()
	call(t, a, "compare", pair, &res)
	first := time.Since(start)
	ds := a.data.split.Test
	same, diff := contextPairs(ds)
	if len(same) != 6*contextPairsPerClass || len(diff) != len(same) {
		t.Fatalf("%d same-activity and %d different-activity pairs, want %d each", len(same), len(diff), 6*contextPairsPerClass)
	}
	for _, p := range same {
		if ds.Labels[p.A] != ds.Labels[p.B] || p.A == p.B {
			t.Fatalf("same-activity pair %v: labels %d, %d", p, ds.Labels[p.A], ds.Labels[p.B])
		}
	}
	for _, p := range diff {
		if ds.Labels[p.A] == ds.Labels[p.B] {
			t.Fatalf("different-activity pair %v: labels %d, %d", p, ds.Labels[p.A], ds.Labels[p.B])
		}
	}
	e := &model.CPU[float64]{Threads: 1}
	for _, tr := range res.Traces {
		c := tr.Context
		if c == nil {
			t.Fatalf("%s: no context", tr.Kind)
		}
		net := a.runs[tr.Kind].model64()
		dist := func(p data.Pair) float64 {
			return e.Trace(net, to64(ds.Window(p.A), nil), to64(ds.Window(p.B), nil)).Distance
		}
		var below, above int
		var meanSame, meanDiff float64
		for _, p := range same {
			d := dist(p)
			meanSame += d / float64(len(same))
			if d < tr.Distance {
				below++
			}
		}
		for _, p := range diff {
			d := dist(p)
			meanDiff += d / float64(len(diff))
			if d > tr.Distance {
				above++
			}
		}
		t.Logf("%s: distance %.4g; %+v; mean same %.4g, different %.4g", tr.Kind, tr.Distance, *c, meanSame, meanDiff)
		if c.Split != "test" || c.NSame != len(same) || c.NDiff != len(diff) ||
			math.Abs(c.SameBelow-float64(below)/float64(len(same))) > 1e-12 || math.Abs(c.DiffAbove-float64(above)/float64(len(diff))) > 1e-12 {
			t.Errorf("%s: context %+v; one pair at a time: %d of %d same-activity pairs closer, %d of %d different-activity pairs farther",
				tr.Kind, *c, below, len(same), above, len(diff))
		}
		// Trained networks put different activities farther apart.
		if !(c.MedianSame < c.MedianDiff) {
			t.Errorf("%s: median same-activity distance %.4g, different %.4g", tr.Kind, c.MedianSame, c.MedianDiff)
		}
	}
	// The next pair with the same networks reuses the samples: this
	// test's networks' own entries of the package's cache (other tests
	// fill it too), the same after the call.
	samples := func() []*contextSample {
		var out []*contextSample
		for _, k := range kinds {
			r := a.runs[k]
			out = append(out, contexts.get(a.data.id+"\x00test\x00"+netKey(r.model64(), r.norm)))
		}
		return out
	}
	before := samples()
	start = time.Now()
	call(t, a, "compare", map[string]any{"a": WindowRef{"test", 5}, "b": WindowRef{"test", 6}}, &res)
	again := time.Since(start)
	t.Logf("compare with the samples' distances: %v; again: %v", first, again)
	after := samples()
	for i, k := range kinds {
		if before[i] == nil || after[i] != before[i] || res.Traces[i].Context == nil {
			t.Errorf("%s: sample cached %p after the first pair, %p after the next, context %v; want the same sample", k, before[i], after[i], res.Traces[i].Context)
		}
	}
}
