package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// newRand returns the generator used for a seed throughout the package: PCG
// seeded with (seed, stream), so that folds, batches and subsets drawn from
// the same seed are independent of each other.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Streams of newRand, one per use.
const (
	streamFolds   = 0x666f6c6473     // "folds"
	streamSampler = 0x62617463680000 // "batch"
	streamSubset  = 0x737562736574   // "subset"
)

// subjectsOf returns the distinct subjects of d, ascending.
func subjectsOf(d *Dataset) []int {
	s := slices.Clone(d.Subjects)
	slices.Sort(s)
	return slices.Compact(s)
}

// Fold is one fold of a cross-validation: the subjects held out, and the
// indices (ascending, into the dataset given to Folds) of the windows to
// train on and to validate on.
type Fold struct {
	ValSubjects []int
	Train, Val  []int
}

// Folds splits train by subject into k folds of leave-subjects-out cross-
// validation: the subjects are shuffled with seed and cut into k groups whose
// sizes differ by at most one; fold f validates on group f and trains on the
// rest. With the 21 training subjects of UCI HAR and k = 7 this is the
// paper's 7-fold leave-3-users-out validation. With fewer than k subjects
// there is one fold per subject. The result depends only on the subjects
// present and the seed. Folds panics if k < 1.
func Folds(train *Dataset, k int, seed uint64) []Fold {
	if k < 1 {
		panic(fmt.Sprintf("data: Folds with k = %d", k))
	}
	subj := subjectsOf(train)
	if k > len(subj) {
		k = len(subj)
	}
	rng := newRand(seed, streamFolds)
	rng.Shuffle(len(subj), func(i, j int) { subj[i], subj[j] = subj[j], subj[i] })
	group := map[int]int{}
	folds := make([]Fold, k)
	for f := range folds {
		g := subj[f*len(subj)/k : (f+1)*len(subj)/k]
		folds[f].ValSubjects = slices.Sorted(slices.Values(g))
		for _, s := range g {
			group[s] = f
		}
	}
	for i, s := range train.Subjects {
		g := group[s]
		for f := range folds {
			if f == g {
				folds[f].Val = append(folds[f].Val, i)
			} else {
				folds[f].Train = append(folds[f].Train, i)
			}
		}
	}
	return folds
}

// Sampler draws class-balanced batches: each batch holds perClass windows of
// every class present (6 per class × 6 classes = 36 for UCI HAR).
type Sampler struct {
	perClass int
	byClass  [][]int // window indices of each class present
	rng      *rand.Rand
}

// NewSampler returns a sampler over the windows of d. Classes without
// windows are left out of the batches. The sequence of epochs depends only
// on d's labels, perClass and seed. It panics if perClass < 1.
func NewSampler(d *Dataset, perClass int, seed uint64) *Sampler {
	if perClass < 1 {
		panic(fmt.Sprintf("data: NewSampler with perClass = %d", perClass))
	}
	by := make([][]int, len(d.ClassNames))
	for i, l := range d.Labels {
		by[l] = append(by[l], i)
	}
	s := &Sampler{perClass: perClass, rng: newRand(seed, streamSampler)}
	for _, c := range by {
		if len(c) > 0 {
			s.byClass = append(s.byClass, c)
		}
	}
	return s
}

// BatchesPerEpoch returns the number of batches Epoch returns: the largest
// class divided by perClass, rounded up.
func (s *Sampler) BatchesPerEpoch() int {
	m := 0
	for _, c := range s.byClass {
		m = max(m, len(c))
	}
	return (m + s.perClass - 1) / s.perClass
}

// Epoch returns the batches of the next epoch, each a list of window
// indices, perClass per class, classes in label order. Every window appears
// at least once per epoch: each class is drawn as a random permutation of its
// windows, and a class shorter than the epoch needs is padded with windows
// of the same class drawn from further permutations (so a window of a short
// class appears once or twice, never more often than the padding requires;
// a class with fewer than perClass windows repeats inside a batch). Calls
// return different epochs; the sequence is deterministic for the seed.
func (s *Sampler) Epoch() [][]int {
	nb := s.BatchesPerEpoch()
	if nb == 0 {
		return nil
	}
	need := nb * s.perClass
	seqs := make([][]int, len(s.byClass))
	for c, idx := range s.byClass {
		seq := make([]int, 0, need+len(idx))
		for len(seq) < need {
			p := s.rng.Perm(len(idx))
			for _, k := range p {
				seq = append(seq, idx[k])
			}
		}
		seqs[c] = seq[:need]
	}
	batches := make([][]int, nb)
	for b := range batches {
		batch := make([]int, 0, s.perClass*len(seqs))
		for _, seq := range seqs {
			batch = append(batch, seq[b*s.perClass:(b+1)*s.perClass]...)
		}
		batches[b] = batch
	}
	return batches
}

// BalancedSubset returns the indices (ascending) of up to perClass windows
// of each class of d, spread over the subjects: for each class, the subjects
// are visited in an order shuffled with seed, taking one random window of
// the subject at each visit, round after round, until perClass are taken or
// the class is exhausted. It serves to pick the embedded subset and the
// per-class reference sets of the CGRU's evaluation. It panics if
// perClass < 0.
func BalancedSubset(d *Dataset, perClass int, seed uint64) []int {
	if perClass < 0 {
		panic(fmt.Sprintf("data: BalancedSubset with perClass = %d", perClass))
	}
	rng := newRand(seed, streamSubset)
	var out []int
	for c := range d.ClassNames {
		bySubj := map[int][]int{}
		for i, l := range d.Labels {
			if l == c {
				bySubj[d.Subjects[i]] = append(bySubj[d.Subjects[i]], i)
			}
		}
		subj := make([]int, 0, len(bySubj))
		for s := range bySubj {
			subj = append(subj, s)
		}
		slices.Sort(subj)
		rng.Shuffle(len(subj), func(i, j int) { subj[i], subj[j] = subj[j], subj[i] })
		pools := make([][]int, len(subj))
		for k, s := range subj {
			p := bySubj[s]
			rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			pools[k] = p
		}
		taken := 0
		for round := 0; taken < perClass; round++ {
			any := false
			for _, p := range pools {
				if round < len(p) && taken < perClass {
					out = append(out, p[round])
					taken++
					any = true
				}
			}
			if !any {
				break
			}
		}
	}
	slices.Sort(out)
	return out
}
