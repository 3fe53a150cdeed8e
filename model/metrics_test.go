package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEvaluate checks Evaluate on small cases worked out by hand; the
// derivation of each expected MAP is in the comments. AP of one query is
// the mean, over its relevant references, of the precision at their rank.
func TestEvaluate(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name           string
		nClasses       int
		qLabels        []int
		rLabels        []int
		d              [][]float64 // [query][ref]
		pred           []int
		acc, f1, mAP   float64
		prec, rec, f1s []float64
		confusion      [][]int
	}{
		{
			name: "perfect", nClasses: 2, qLabels: []int{0, 1}, rLabels: []int{0, 0, 1, 1},
			// Both queries rank their two references first: AP = (1/1 + 2/2)/2 = 1.
			d:    [][]float64{{0.1, 0.2, 0.9, 0.8}, {0.9, 0.8, 0.1, 0.2}},
			pred: []int{0, 1}, acc: 1, f1: 1, mAP: 1,
			prec: []float64{1, 1}, rec: []float64{1, 1}, f1s: []float64{1, 1},
			confusion: [][]int{{1, 0}, {0, 1}},
		},
		{
			name: "worst", nClasses: 2, qLabels: []int{0, 1}, rLabels: []int{0, 0, 1, 1},
			// Query 0 ranks r2, r3, r1, r0: relevant at ranks 3 and 4,
			// AP = (1/3 + 2/4)/2 = 5/12; query 1 ranks r0, r1, r3, r2: the same.
			d:    [][]float64{{0.9, 0.8, 0.1, 0.2}, {0.1, 0.2, 0.9, 0.8}},
			pred: []int{1, 0}, acc: 0, f1: 0, mAP: 5.0 / 12,
			prec: []float64{0, 0}, rec: []float64{0, 0}, f1s: []float64{0, 0},
			confusion: [][]int{{0, 1}, {1, 0}},
		},
		{
			name: "tie goes to the smaller index (wrong class)", nClasses: 2, qLabels: []int{0}, rLabels: []int{1, 0, 0},
			// r0 and r1 tie; r0 comes first and is predicted. Ranking r0, r1,
			// r2: relevant at 2 and 3, AP = (1/2 + 2/3)/2 = 7/12.
			d:    [][]float64{{0.5, 0.5, 0.7}},
			pred: []int{1}, acc: 0, f1: 0, mAP: 7.0 / 12,
			// Class 1 has no query but is predicted: it counts in the macro F1.
			prec: []float64{0, 0}, rec: []float64{0, 0}, f1s: []float64{0, 0},
			confusion: [][]int{{0, 1}, {0, 0}},
		},
		{
			name: "tie goes to the smaller index (right class)", nClasses: 2, qLabels: []int{0}, rLabels: []int{0, 1, 0},
			// Ranking r0, r1, r2: relevant at 1 and 3, AP = (1 + 2/3)/2 = 5/6.
			d:    [][]float64{{0.5, 0.5, 0.5}},
			pred: []int{0}, acc: 1, f1: 1, mAP: 5.0 / 6,
			// Class 1: no query, never predicted: left out of the macro F1.
			prec: []float64{1, 0}, rec: []float64{1, 0}, f1s: []float64{1, 0},
			confusion: [][]int{{1, 0}, {0, 0}},
		},
		{
			name: "NaN ranks last", nClasses: 2, qLabels: []int{0}, rLabels: []int{0, 1},
			// Ranking r1, r0: relevant at 2, AP = 1/2.
			d:    [][]float64{{nan, 0.3}},
			pred: []int{1}, acc: 0, f1: 0, mAP: 0.5,
			prec: []float64{0, 0}, rec: []float64{0, 0}, f1s: []float64{0, 0},
			confusion: [][]int{{0, 1}, {0, 0}},
		},
		{
			name: "class absent from the references", nClasses: 3, qLabels: []int{0, 1, 2}, rLabels: []int{0, 0, 1, 1},
			// q0 ranks r0, r1, r2, r3: AP 1. q1 ranks r2, r0, r1, r3: relevant at
			// 1 and 4, AP = (1 + 2/4)/2 = 3/4. q2's class has no reference: AP 0,
			// counted. MAP = (1 + 3/4 + 0)/3 = 7/12.
			d:    [][]float64{{0.1, 0.5, 0.6, 0.7}, {0.4, 0.5, 0.2, 0.9}, {0.3, 0.1, 0.2, 0.4}},
			pred: []int{0, 1, 0}, acc: 2.0 / 3, mAP: 7.0 / 12,
			// Class 0: predicted twice, once right: P 1/2, R 1, F1 2/3. Class 1:
			// P 1, R 1. Class 2: never predicted, P 0, R 0, F1 0, counted (it
			// has a query). Macro F1 = (2/3 + 1 + 0)/3 = 5/9.
			f1:   5.0 / 9,
			prec: []float64{0.5, 1, 0}, rec: []float64{1, 1, 0}, f1s: []float64{2.0 / 3, 1, 0},
			confusion: [][]int{{1, 0, 0}, {0, 1, 0}, {1, 0, 0}},
		},
		{
			name: "classes absent from the queries", nClasses: 4, qLabels: []int{0, 0}, rLabels: []int{0, 1},
			// q0 ranks r0 first: AP 1. q1 ranks r1, r0: AP 1/2. MAP 3/4.
			d:    [][]float64{{0.1, 0.2}, {0.3, 0.2}},
			pred: []int{0, 1}, acc: 0.5, mAP: 0.75,
			// Class 0: P 1, R 1/2, F1 2/3. Class 1: no query, predicted once:
			// F1 0, counted. Classes 2 and 3: nowhere, left out. Macro F1 =
			// (2/3 + 0)/2 = 1/3.
			f1:   1.0 / 3,
			prec: []float64{1, 0, 0, 0}, rec: []float64{0.5, 0, 0, 0}, f1s: []float64{2.0 / 3, 0, 0, 0},
			confusion: [][]int{{1, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
		},
		{
			name: "one reference per class", nClasses: 3, qLabels: []int{0, 1, 2, 0}, rLabels: []int{2, 0, 1},
			// q0: nearest r1 (class 0), rank 1: AP 1. q1: ranks r0, r2, r1; its
			// reference r2 at 2: AP 1/2. q2: ranks r2, r0, r1; r0 at 2: AP 1/2.
			// q3: ranks r2, r0, r1; r1 at 3: AP 1/3. MAP = (1 + 1/2 + 1/2 + 1/3)/4 = 7/12.
			d:    [][]float64{{0.3, 0.1, 0.2}, {0.1, 0.3, 0.2}, {0.2, 0.3, 0.1}, {0.5, 0.6, 0.4}},
			pred: []int{0, 2, 1, 1}, acc: 0.25, mAP: 7.0 / 12,
			// Class 0: P 1/1, R 1/2, F1 2/3; classes 1 and 2: F1 0. Macro 2/9.
			f1:   2.0 / 9,
			prec: []float64{1, 0, 0}, rec: []float64{0.5, 0, 0}, f1s: []float64{2.0 / 3, 0, 0},
			confusion: [][]int{{1, 1, 0}, {0, 0, 1}, {0, 1, 0}},
		},
	}
	const tol = 1e-12
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol }
	for _, c := range cases {
		nq, nr := len(c.qLabels), len(c.rLabels)
		d := slices.Concat(c.d...)
		ev := Evaluate(d, nq, nr, c.qLabels, c.rLabels, c.nClasses)
		if ev.NQueries != nq || ev.NRefs != nr {
			t.Errorf("%s: sizes %d×%d, want %d×%d", c.name, ev.NQueries, ev.NRefs, nq, nr)
		}
		if !slices.Equal(ev.Pred, c.pred) {
			t.Errorf("%s: pred %v, want %v", c.name, ev.Pred, c.pred)
		}
		if !near(ev.Accuracy, c.acc) || !near(ev.MacroF1, c.f1) || !near(ev.MAP, c.mAP) {
			t.Errorf("%s: accuracy %.6f macro F1 %.6f MAP %.6f, want %.6f %.6f %.6f",
				c.name, ev.Accuracy, ev.MacroF1, ev.MAP, c.acc, c.f1, c.mAP)
		}
		for k := range c.prec {
			if !near(ev.Precision[k], c.prec[k]) || !near(ev.Recall[k], c.rec[k]) || !near(ev.F1[k], c.f1s[k]) {
				t.Errorf("%s: class %d P/R/F1 %.4f %.4f %.4f, want %.4f %.4f %.4f", c.name, k,
					ev.Precision[k], ev.Recall[k], ev.F1[k], c.prec[k], c.rec[k], c.f1s[k])
			}
		}
		for k := range c.confusion {
			if !slices.Equal(ev.Confusion[k], c.confusion[k]) {
				t.Errorf("%s: confusion row %d %v, want %v", c.name, k, ev.Confusion[k], c.confusion[k])
			}
			support := 0
			for _, v := range c.confusion[k] {
				support += v
			}
			if ev.Support[k] != support {
				t.Errorf("%s: support of class %d %d, want %d", c.name, k, ev.Support[k], support)
			}
		}
	}
}

// TestEvaluateMAPBruteForce compares MAP with a direct computation (every
// prefix of the ranking) on random distances with many ties.
func TestEvaluateMAPBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const nq, nr, nc = 23, 41, 4
	d := make([]float64, nq*nr)
	for i := range d {
		d[i] = float64(rng.IntN(6)) // many ties
	}
	ql, rl := make([]int, nq), make([]int, nr)
	for i := range ql {
		ql[i] = rng.IntN(nc)
	}
	for j := range rl {
		rl[j] = rng.IntN(nc - 1) // class nc−1 has no reference
	}
	ev := Evaluate(d, nq, nr, ql, rl, nc)
	var want float64
	for i := 0; i < nq; i++ {
		// Stable sort by distance keeps index order among ties.
		order := make([]int, nr)
		for j := range order {
			order[j] = j
		}
		row := d[i*nr : (i+1)*nr]
		slices.SortStableFunc(order, func(a, b int) int {
			if row[a] < row[b] {
				return -1
			}
			if row[a] > row[b] {
				return 1
			}
			return 0
		})
		var ap float64
		R := 0
		for k := range order {
			if rl[order[k]] != ql[i] {
				continue
			}
			R++
			rel := 0
			for _, j := range order[:k+1] {
				if rl[j] == ql[i] {
					rel++
				}
			}
			ap += float64(rel) / float64(k+1)
		}
		if R > 0 {
			want += ap / float64(R)
		}
		if ev.Pred[i] != rl[order[0]] {
			t.Errorf("query %d: pred %d, want %d", i, ev.Pred[i], rl[order[0]])
		}
	}
	want /= nq
	if math.Abs(ev.MAP-want) > 1e-12 {
		t.Errorf("MAP %.15f, want %.15f", ev.MAP, want)
	}
}

func TestEvaluatePanics(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"short distances", func() { Evaluate(make([]float64, 5), 2, 3, []int{0, 0}, []int{0, 0, 0}, 1) }},
		{"query labels", func() { Evaluate(make([]float64, 6), 2, 3, []int{0}, []int{0, 0, 0}, 1) }},
		{"label out of range", func() { Evaluate(make([]float64, 6), 2, 3, []int{0, 2}, []int{0, 0, 0}, 2) }},
		{"no references", func() { Evaluate(nil, 2, 0, []int{0, 0}, nil, 1) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

// TestDistanceMatrix compares DistanceMatrix with Distances of each pair
// alone, for both kinds, with chunks forced small so that several are used.
func TestDistanceMatrix(t *testing.T) {
	defer func(s, c, p int) { sgruChunkPairs, cgruChunkPairs, cgruChunkPerSeq = s, c, p }(sgruChunkPairs, cgruChunkPairs, cgruChunkPerSeq)
	sgruChunkPairs, cgruChunkPairs, cgruChunkPerSeq = 50, 0, 4
	rng := rand.New(rand.NewPCG(11, 12))
	const I, H, T, nq, nr = 3, 5, 4, 13, 17 // CGRU chunk 4·30 = 120 pairs of 221: two chunks
	for _, kind := range []Kind{SGRU, CGRU} {
		for _, nqq := range []int{1, nq, 3 * nq} {
			net := randNet(kind, I, H, 0.8, 0, rng)
			q, r := randSeqs(nqq, T, I, rng), randSeqs(nr, T, I, rng)
			e := &CPU[float64]{Threads: 3}
			var calls []int
			got := DistanceMatrix(e, net, q, r, func(done, total int) {
				if total != nqq*nr {
					t.Errorf("%s: progress total %d, want %d", kind, total, nqq*nr)
				}
				calls = append(calls, done)
			})
			if len(calls) == 0 || calls[len(calls)-1] != nqq*nr || !slices.IsSorted(calls) {
				t.Errorf("%s %d queries: progress calls %v", kind, nqq, calls)
			}
			if nqq > 1 && len(calls) < 2 {
				t.Errorf("%s %d queries: %d chunks, want several", kind, nqq, len(calls))
			}
			one := &CPU[float64]{Threads: 1}
			for i := 0; i < nqq; i++ {
				for j := 0; j < nr; j++ {
					x := Seqs[float64]{N: 2, T: T, I: I, X: slices.Concat(q.Seq(i), r.Seq(j))}
					want := one.Distances(net, x, []Pair{{0, 1}})[0]
					if g := got[i*nr+j]; math.Abs(g-want) > 1e-12*math.Max(1, want) {
						t.Fatalf("%s: d(q%d, r%d) = %.15g, alone %.15g", kind, i, j, g, want)
					}
				}
			}
		}
	}
}
