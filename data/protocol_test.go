package data

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestEpochBatches(t *testing.T) {
	d := Embedded().Train
	b1 := EpochBatches(d, 6, 1, 1)
	if len(b1) != 12 {
		t.Fatalf("%d batches, want 12 (72 windows per class / 6)", len(b1))
	}
	seen := make([]int, d.Len())
	for k, b := range b1 {
		if len(b) != 36 {
			t.Fatalf("batch %d: %d windows, want 36", k, len(b))
		}
		counts := make([]int, len(d.ClassNames))
		for _, i := range b {
			counts[d.Labels[i]]++
			seen[i]++
		}
		for c, n := range counts {
			if n != 6 {
				t.Errorf("batch %d: %d windows of class %d, want 6", k, n, c)
			}
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("window %d appears %d times in epoch 1, want once", i, n)
		}
	}
	if again := EpochBatches(d, 6, 1, 1); !slices.EqualFunc(b1, again, slices.Equal) {
		t.Errorf("epoch 1 drawn twice differs")
	}
	if b2 := EpochBatches(d, 6, 1, 2); slices.EqualFunc(b1, b2, slices.Equal) {
		t.Errorf("epochs 1 and 2 draw the same batches")
	}
	if b := EpochBatches(d, 6, 2, 1); slices.EqualFunc(b1, b, slices.Equal) {
		t.Errorf("seeds 1 and 2 draw the same batches")
	}
}

func TestSplitTrainVal(t *testing.T) {
	d := Embedded().Train
	all, err := SplitTrainVal(d, 7, 0, 10, 0, 1)
	if err != nil || all.Queries != nil || all.Refs != nil || all.Train.Len() != d.Len() {
		t.Fatalf("fold 0: %+v, %v; want every window, no validation", all, err)
	}
	all.Train.X[0]++
	if all.Train.X[0] == d.X[0] {
		t.Errorf("fold 0: the training windows are not a copy")
	}
	folds := Folds(d, 7, 1)
	for fold := 1; fold <= 7; fold++ {
		tv, err := SplitTrainVal(d, 7, fold, 10, 5, 1)
		if err != nil {
			t.Fatal(err)
		}
		f := folds[fold-1]
		if !slices.Equal(tv.ValSubjects, f.ValSubjects) {
			t.Errorf("fold %d: validation subjects %v, want %v", fold, tv.ValSubjects, f.ValSubjects)
		}
		if tv.Train.Len() != len(f.Train) {
			t.Errorf("fold %d: %d training windows, want %d", fold, tv.Train.Len(), len(f.Train))
		}
		for i, s := range tv.Train.Subjects {
			if slices.Contains(f.ValSubjects, s) {
				t.Errorf("fold %d: training window %s of held-out subject %d", fold, tv.Train.IDs[i], s)
			}
		}
		for _, s := range tv.Queries.Subjects {
			if !slices.Contains(f.ValSubjects, s) {
				t.Errorf("fold %d: validation query of subject %d", fold, s)
			}
		}
		for c, n := range tv.Refs.ClassCounts() {
			if n != 10 {
				t.Errorf("fold %d: %d references of class %d, want 10", fold, n, c)
			}
		}
		for c, n := range tv.Queries.ClassCounts() {
			if n != 5 {
				t.Errorf("fold %d: %d queries of class %d, want 5", fold, n, c)
			}
		}
		for _, id := range tv.Refs.IDs {
			if !slices.Contains(tv.Train.IDs, id) {
				t.Errorf("fold %d: reference %s is not a training window", fold, id)
			}
		}
	}
	tv, err := SplitTrainVal(d, 7, 2, 0, 0, 1)
	if err != nil || tv.Refs.Len() != tv.Train.Len() || tv.Queries.Len() != len(folds[1].Val) {
		t.Errorf("fold 2 with all references and queries: %d refs of %d, %d queries of %d (%v)",
			tv.Refs.Len(), tv.Train.Len(), tv.Queries.Len(), len(folds[1].Val), err)
	}
	if _, err := SplitTrainVal(d, 30, 25, 0, 0, 1); err == nil {
		t.Errorf("fold 25 of data with 21 subjects: no error")
	}
}

func TestSamplePairs(t *testing.T) {
	labels := []int{0, 0, 0, 1, 1, 2, 3, 3} // class 2: one window (no positive pair); class 4: none
	pos, neg := SamplePairs(labels, 5, 7, 1)
	if len(pos) != 3*7 || len(neg) != 4*7 {
		t.Fatalf("%d positive and %d negative pairs, want 21 and 28", len(pos), len(neg))
	}
	for _, p := range pos {
		if p.A == p.B || labels[p.A] != labels[p.B] {
			t.Errorf("positive pair %v: labels %d %d", p, labels[p.A], labels[p.B])
		}
	}
	for _, p := range neg {
		if labels[p.A] == labels[p.B] {
			t.Errorf("negative pair %v: labels %d %d", p, labels[p.A], labels[p.B])
		}
	}
	pos2, neg2 := SamplePairs(labels, 5, 7, 1)
	if !slices.Equal(pos, pos2) || !slices.Equal(neg, neg2) {
		t.Errorf("same seed, different pairs")
	}
	pos3, _ := SamplePairs(labels, 5, 7, 2)
	if slices.Equal(pos, pos3) {
		t.Errorf("seeds 1 and 2 draw the same pairs")
	}
	// Golden: the first pairs for seed 1 (cgru noise's pairs before the
	// function moved here; changing them changes every noise figure).
	if got, want := pos[:3], []Pair{{0, 2}, {1, 2}, {1, 0}}; !slices.Equal(got, want) {
		t.Errorf("first positive pairs %v, want %v", got, want)
	}
	if got, want := neg[:3], []Pair{{0, 3}, {2, 5}, {0, 4}}; !slices.Equal(got, want) {
		t.Errorf("first negative pairs %v, want %v", got, want)
	}
}

// TestTrainValNormalize: the training windows, the queries and the
// references are each what Normalizer.Apply makes of them; without
// validation only the training windows are touched.
func TestTrainValNormalize(t *testing.T) {
	train := Embedded().Train
	tv, err := SplitTrainVal(train, 7, 1, 2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := FitNormalizer(tv.Train)
	want := []*Dataset{tv.Train.Clone(), tv.Queries.Clone(), tv.Refs.Clone()}
	for _, d := range want {
		n.Apply(d)
	}
	tv.Normalize(n)
	for k, d := range []*Dataset{tv.Train, tv.Queries, tv.Refs} {
		if !slices.Equal(d.X, want[k].X) {
			t.Errorf("dataset %d (train, queries, refs) is not normalised as Normalizer.Apply does", k)
		}
	}
	all, _ := SplitTrainVal(train, 7, 0, 0, 0, 1)
	before := all.Train.X[0]
	all.Normalize(n)
	if all.Train.X[0] == before || all.Queries != nil || all.Refs != nil {
		t.Errorf("fold 0: first value %v (was %v), queries %v, refs %v", all.Train.X[0], before, all.Queries, all.Refs)
	}
}

func TestRefIndices(t *testing.T) {
	train := Embedded().Train
	if got, want := RefIndices(train, 3, 7), BalancedSubset(train, 3, 7); !slices.Equal(got, want) || len(got) != 18 {
		t.Errorf("3 per class: %v, want BalancedSubset's %v", got, want)
	}
	all := RefIndices(train, 0, 7)
	if len(all) != train.Len() || all[0] != 0 || all[len(all)-1] != train.Len()-1 {
		t.Errorf("0 per class: %d indices from %d to %d, want all %d", len(all), all[0], all[len(all)-1], train.Len())
	}
	defer func() {
		if recover() == nil {
			t.Error("RefIndices(−1) did not panic")
		}
	}()
	RefIndices(train, -1, 7)
}

// tinySet is a dataset of one-channel windows of length 2 with the given
// labels (classes "a", "b", "c") and subjects.
func tinySet(labels, subjects []int) *Dataset {
	d := &Dataset{Name: "tiny", Channels: []string{"x"}, T: 2, ClassNames: []string{"a", "b", "c"},
		X: make([]float32, 2*len(labels)), Labels: labels, Subjects: subjects}
	for i := range labels {
		d.IDs = append(d.IDs, fmt.Sprint("w", i))
		d.X[2*i], d.X[2*i+1] = float32(i), float32(labels[i])
	}
	return d
}

// TestSplitTrainValTooSmall: data that leaves a run nothing to train or
// validate on is refused with a message saying why and what to do, never
// handed on (cgru train and the page crashed on a fold of a one-subject
// CSV: model.Evaluate panicked on 0 references).
func TestSplitTrainValTooSmall(t *testing.T) {
	for _, c := range []struct {
		name         string
		labels, subj []int
		nfolds, fold int
		want         string // "" for no error
		train, val   int
	}{
		{"one subject, fold 1", []int{0, 0, 1, 1}, []int{5, 5, 5, 5}, 7, 1,
			"fold 1 holds every training subject (1 subject), leaving no window to train on: train without validation (fold 0), or with more subjects", 0, 0},
		{"one subject, fold 0", []int{0, 0, 1, 1}, []int{5, 5, 5, 5}, 7, 0, "", 4, 0},
		{"one fold of 3 subjects", []int{0, 1, 0, 1}, []int{1, 2, 3, 3}, 1, 1,
			"fold 1 holds every training subject (3 subjects), leaving no window to train on: train without validation (fold 0), or with 2 folds or more", 0, 0},
		{"fold beyond the subjects", []int{0, 1, 0}, []int{1, 2, 2}, 7, 3,
			"fold 3: the training split has 2 subjects, so 2 folds: choose a fold from 1 to 2, or 0 (no validation)", 0, 0},
		{"no windows", nil, nil, 7, 0, "the training split has no windows: nothing to train on", 0, 0},
		{"no windows, fold 1", nil, nil, 7, 1, "the training split has no windows: nothing to train on", 0, 0},
		{"one window", []int{0}, []int{1}, 7, 0, "the training split has 1 window: training needs at least 2 (a pair)", 0, 0},
		// Subjects 1 and 2 fall into different folds of 2; whichever fold
		// holds subject 2 (three windows) leaves subject 1's one window.
		{"fold leaving one window", []int{0, 1, 0, 1}, []int{1, 2, 2, 2}, 2, -1,
			"leaves 1 training window outside its subjects [2]: training needs at least 2", 0, 0},
		// One window per class, a subject each: every fold trains on 2.
		{"one window per class", []int{0, 1, 2}, []int{1, 2, 3}, 3, 1, "", 2, 1},
		// Class c only in one subject: the fold holding it trains without c.
		{"class with no training window", []int{0, 1, 0, 1, 2}, []int{1, 1, 2, 2, 3}, 3, -2, "", 4, 1},
	} {
		fold := c.fold
		if fold < 0 { // the fold that holds subject 2 (-1) or 3 (-2)
			s := map[int]int{-1: 2, -2: 3}[fold]
			for k, f := range Folds(tinySet(c.labels, c.subj), c.nfolds, 1) {
				if slices.Contains(f.ValSubjects, s) {
					fold = k + 1
				}
			}
		}
		tv, err := SplitTrainVal(tinySet(c.labels, c.subj), c.nfolds, fold, 0, 0, 1)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		case c.want != "" && tv != nil:
			t.Errorf("%s: data returned with the error", c.name)
		case c.want == "":
			if tv.Train.Len() != c.train {
				t.Errorf("%s: %d training windows, want %d", c.name, tv.Train.Len(), c.train)
			}
			if c.val > 0 && (tv.Queries.Len() != c.val || tv.Refs.Len() != tv.Train.Len()) {
				t.Errorf("%s: %d queries and %d refs, want %d and %d", c.name, tv.Queries.Len(), tv.Refs.Len(), c.val, tv.Train.Len())
			}
		}
	}
}

func TestDescribeRefs(t *testing.T) {
	emb := Embedded().Train // 72 windows of each of 6 classes
	// Classes a: 3 windows, b: 1, c: none.
	small := tinySet([]int{0, 0, 0, 1}, []int{1, 2, 3, 1})
	for _, c := range []struct {
		train    *Dataset
		perClass int
		want     string
		used     int
	}{
		{emb, 0, "refs: all 432 training windows", 0},
		{emb, 20, "refs: 20 per class, 120 windows", 20},
		{emb, 72, "refs: 72 per class, 432 windows", 0},
		{emb, 1000, "refs: all 72 per class (fewer than the 1000 asked), 432 windows", 0},
		{small, 1, "refs: 1 per class (c: none), 2 windows", 1},
		{small, 2, "refs: 2 per class (b: all 1, c: none), 3 windows", 2},
		{small, 3, "refs: all 4 training windows (no class has more than the 3 per class asked)", 0},
	} {
		if got := DescribeRefs(c.train, c.perClass); got != c.want {
			t.Errorf("%s, %d per class: %q, want %q", c.train.Name, c.perClass, got, c.want)
		}
		if got := RefsPerClassUsed(c.train, c.perClass); got != c.used {
			t.Errorf("%s, %d per class: %d used, want %d", c.train.Name, c.perClass, got, c.used)
		}
		// What they describe is what RefIndices takes.
		idx := RefIndices(c.train, c.perClass, 1)
		if all := RefIndices(c.train, c.used, 1); c.used == 0 && !slices.Equal(idx, all) {
			t.Errorf("%s, %d per class: %d references, not all %d", c.train.Name, c.perClass, len(idx), len(all))
		}
	}
}
