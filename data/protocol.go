package data

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cgru/cgru/internal/words"
)

// The pieces of the training and evaluation protocol (DESIGN.md §4) that
// the command-line tool and the web page share, so that the same settings
// draw the same windows in both.

// epochStream spreads the epochs of a run over the sampler's seeds.
const epochStream = 0x9e3779b97f4a7c15

// EpochBatches returns the class-balanced batches (perClass windows of each
// class, as index lists into d) of epoch (1-based) of a training run with
// seed: the first epoch of a Sampler seeded with seed ^ epoch·0x9e3779b97f4a7c15.
// They depend only on d's labels, perClass, seed and epoch, so a resumed
// run draws the same batches as an uninterrupted one. It panics if
// perClass < 1.
func EpochBatches(d *Dataset, perClass int, seed uint64, epoch int) [][]int {
	return NewSampler(d, perClass, seed^(uint64(epoch)*epochStream)).Epoch()
}

// TrainVal is the data of one training run: the windows to train on and,
// with validation, the validation queries and references.
type TrainVal struct {
	Train *Dataset
	// Queries and Refs are nil without validation. Refs come from Train.
	Queries, Refs *Dataset
	// ValSubjects are the subjects held out for validation (ascending).
	ValSubjects []int
	// Folds is the number of folds the subjects made (Folds: fewer than
	// asked when there are fewer subjects); 0 without validation.
	Folds int
}

// NoValidation is the advice of SplitTrainVal's errors to train without
// validation, in the command line's words: a caller with a different way
// to say it (the page's form) replaces it.
const NoValidation = "train without validation (fold 0)"

// Normalize applies n in place to every dataset of tv: the training
// windows and, with validation, the queries and the references (a run
// trains and validates on normalised windows). It panics as n.Apply does.
func (tv *TrainVal) Normalize(n *Normalizer) {
	for _, d := range []*Dataset{tv.Train, tv.Queries, tv.Refs} {
		if d != nil {
			n.Apply(d)
		}
	}
}

// SplitTrainVal picks the windows of a training run from train (the
// training split), as cgru train does:
//
//   - fold 0: every window is trained on, without validation;
//   - fold k (1 … nfolds): fold k of Folds(train, nfolds, seed) is held
//     out; its windows are the validation queries (queriesPerClass of each
//     class, by BalancedSubset with seed, or all when 0) and the references
//     are refsPerClass windows of each class of the remaining training
//     windows (BalancedSubset with seed; all when 0).
//
// Every returned dataset is a copy. It returns an error, and no data, when
// the run would have nothing to train or validate on: a training split
// with fewer than 2 windows (no pair to learn from), a fold number beyond
// the folds that the subjects make, or a fold that holds every training
// subject (one subject, or nfolds 1) or leaves fewer than 2 training
// windows. It panics if nfolds < 1, fold < 0 or a per-class count is
// negative.
func SplitTrainVal(train *Dataset, nfolds, fold, refsPerClass, queriesPerClass int, seed uint64) (*TrainVal, error) {
	if nfolds < 1 || fold < 0 || refsPerClass < 0 || queriesPerClass < 0 {
		panic(fmt.Sprintf("data: SplitTrainVal with %d folds, fold %d, %d references and %d queries per class",
			nfolds, fold, refsPerClass, queriesPerClass))
	}
	switch n := train.Len(); {
	case n == 0:
		return nil, fmt.Errorf("the training split has no windows: nothing to train on")
	case n == 1:
		return nil, fmt.Errorf("the training split has 1 window: training needs at least 2 (a pair)")
	}
	if fold == 0 {
		return &TrainVal{Train: train.Clone()}, nil
	}
	subj := len(subjectsOf(train))
	fs := Folds(train, nfolds, seed)
	if fold > len(fs) {
		return nil, fmt.Errorf("fold %d: the training split has %s, so %s: choose a fold from 1 to %d, or 0 (no validation)",
			fold, words.Count(subj, "subject"), words.Count(len(fs), "fold"), len(fs))
	}
	f := fs[fold-1]
	switch {
	case len(f.Train) == 0:
		more := "more subjects"
		if subj > 1 {
			more = "2 folds or more"
		}
		return nil, fmt.Errorf("fold %d holds every training subject (%s), leaving no window to train on: %s, or with %s",
			fold, words.Count(subj, "subject"), NoValidation, more)
	case len(f.Train) == 1:
		return nil, fmt.Errorf("fold %d leaves 1 training window outside its subjects %v: training needs at least 2; %s, or with more windows", fold, f.ValSubjects, NoValidation)
	case len(f.Val) == 0:
		return nil, fmt.Errorf("fold %d has no validation window: %s", fold, NoValidation)
	}
	tv := &TrainVal{Train: train.Subset(f.Train), ValSubjects: f.ValSubjects, Folds: len(fs)}
	val := train.Subset(f.Val)
	tv.Queries = val
	if queriesPerClass > 0 {
		tv.Queries = val.Subset(BalancedSubset(val, queriesPerClass, seed))
	}
	tv.Refs = tv.Train.Subset(RefIndices(tv.Train, refsPerClass, seed))
	return tv, nil
}

// RefIndices returns the windows of train (indices, ascending) that a 1-NN
// evaluation takes as its references: perClass of each class
// (BalancedSubset with seed), or all of them when perClass is 0. The
// validation of a training run, cgru eval, cgru baseline and the page's
// evaluation all take them so, so that one seed gives one reference set.
// It panics if perClass < 0.
func RefIndices(train *Dataset, perClass int, seed uint64) []int {
	if perClass > 0 {
		return BalancedSubset(train, perClass, seed)
	}
	if perClass < 0 {
		panic(fmt.Sprintf("data: RefIndices of %d windows per class", perClass))
	}
	idx := make([]int, train.Len())
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// RefsPerClassUsed returns the number of references per class that
// RefIndices(train, perClass, seed) amounts to: 0 (every training window,
// whatever the seed) when perClass is 0 or no class of train has more than
// perClass windows, else perClass. Evaluations record it, so that a report
// says "all" where every window was taken.
func RefsPerClassUsed(train *Dataset, perClass int) int {
	for _, n := range train.ClassCounts() {
		if n > perClass {
			return perClass
		}
	}
	return 0
}

// DescribeRefs names the reference set that RefIndices(train, perClass,
// seed) picks, as the evaluations print it beside every figure: "refs: all
// 432 training windows", "refs: 20 per class, 120 windows", "refs: all 72
// per class (fewer than the 1000 asked), 432 windows", or, when some
// classes have fewer than perClass windows, "refs: 50 per class (SITTING:
// all 30, LAYING: none), 280 windows".
func DescribeRefs(train *Dataset, perClass int) string {
	counts := train.ClassCounts()
	if perClass == 0 {
		return fmt.Sprintf("refs: all %d training windows", train.Len())
	}
	total, short := 0, []string{}
	equal := true
	for c, n := range counts {
		total += min(n, perClass)
		equal = equal && n == counts[0]
		switch {
		case n == 0:
			short = append(short, train.ClassNames[c]+": none")
		case n < perClass:
			short = append(short, fmt.Sprintf("%s: all %d", train.ClassNames[c], n))
		}
	}
	switch {
	case len(short) == 0:
		return fmt.Sprintf("refs: %d per class, %d windows", perClass, total)
	case RefsPerClassUsed(train, perClass) == 0 && equal:
		return fmt.Sprintf("refs: all %d per class (fewer than the %d asked), %d windows", counts[0], perClass, total)
	case RefsPerClassUsed(train, perClass) == 0:
		return fmt.Sprintf("refs: all %d training windows (no class has more than the %d per class asked)", total, perClass)
	}
	return fmt.Sprintf("refs: %d per class (%s), %d windows", perClass, strings.Join(short, ", "), total)
}

// Pair names two windows of a dataset by index.
type Pair struct{ A, B int }

// streamPairs is the stream of SamplePairs' generator ("pairs").
const streamPairs = 0x7061697273

// SamplePairs draws, for every class c, perClass positive pairs (two
// different windows of class c, with replacement across draws) and perClass
// negative pairs (a window of class c and one of another class), from
// labels (0 … nClasses−1) with the given seed: the pairs of the noise
// experiment (the paper's Figure 3). A class with fewer than two windows
// gives no positive pair; a class without windows, or when no other class
// has windows, gives no negative pair. The pairs depend only on labels,
// nClasses, perClass and seed. It panics if a label is outside
// [0, nClasses).
func SamplePairs(labels []int, nClasses, perClass int, seed uint64) (pos, neg []Pair) {
	rng := rand.New(rand.NewPCG(seed, streamPairs))
	byClass := make([][]int, nClasses)
	for i, l := range labels {
		if l < 0 || l >= nClasses {
			panic(fmt.Sprintf("data: SamplePairs: label %d of window %d outside [0,%d)", l, i, nClasses))
		}
		byClass[l] = append(byClass[l], i)
	}
	for c, in := range byClass {
		if len(in) >= 2 {
			for k := 0; k < perClass; k++ {
				a := rng.IntN(len(in))
				b := rng.IntN(len(in) - 1)
				if b >= a {
					b++
				}
				pos = append(pos, Pair{A: in[a], B: in[b]})
			}
		}
		out := len(labels) - len(in)
		if len(in) == 0 || out == 0 {
			continue
		}
		for k := 0; k < perClass; k++ {
			a := in[rng.IntN(len(in))]
			// The j-th window (in index order) of the other classes.
			j := rng.IntN(out)
			b := 0
			for i, l := range labels {
				if l == c {
					continue
				}
				if j == 0 {
					b = i
					break
				}
				j--
			}
			neg = append(neg, Pair{A: a, B: b})
		}
	}
	return pos, neg
}
