package model

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Eval holds the retrieval and classification figures of a set of query
// sequences against a set of reference sequences (DESIGN.md §4): 1-NN
// classification, its confusion matrix and per-class scores, and the
// full-ranking mean average precision.
type Eval struct {
	// ClassNames names the classes, if the caller sets it; Evaluate leaves
	// it nil.
	ClassNames []string `json:"class_names,omitempty"`
	NQueries   int      `json:"n_queries"`
	NRefs      int      `json:"n_refs"`

	Accuracy float64 `json:"accuracy"` // fraction of queries whose nearest reference has their class
	MacroF1  float64 `json:"macro_f1"` // mean F1 over the classes counted (see Evaluate)
	MAP      float64 `json:"map"`      // mean over queries of the average precision of the full ranking

	Confusion [][]int   `json:"confusion"` // [true class][predicted class] query counts
	Precision []float64 `json:"precision"` // [class]; 0 for a class never predicted
	Recall    []float64 `json:"recall"`    // [class]; 0 for a class without queries
	F1        []float64 `json:"f1"`        // [class]; 0 when precision + recall = 0
	Support   []int     `json:"support"`   // [class] number of queries of the class
	Pred      []int     `json:"pred"`      // [query] predicted class (label of the nearest reference)
}

// rankKey orders distances for ranking: NaN sorts as +Inf, after every
// finite distance.
func rankKey(d float64) float64 {
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	return d
}

// Evaluate scores nq queries against nr references from their distances d,
// row-major [nq][nr] (d[i*nr+j] is the distance of query i to reference j),
// and the labels of both (0 … nClasses−1).
//
// Conventions:
//
//   - Ties. References are ranked by distance ascending; among equal
//     distances the reference with the smaller index comes first. So the
//     1-NN prediction is the label of the nearest reference with the
//     smallest index, and the ranking used by MAP is the same order. A NaN
//     distance ranks as +Inf (last).
//   - Per-class scores. Precision of a class never predicted is 0; recall of
//     a class without queries is 0; F1 is 0 when precision + recall = 0.
//   - Macro F1 is the mean F1 over the classes that have queries or
//     predictions (as scikit-learn's f1_score with average="macro" over the
//     labels present). A class absent from the queries and never predicted
//     is left out; a class absent from the queries but predicted counts, with
//     F1 0.
//   - MAP uses the full ranking: for query i, AP_i = (1/R) Σ_k P@rank_k over
//     its R relevant references (those of its class), where P@r is the
//     fraction of relevant references among the first r. A query whose class
//     has no reference has AP 0 and is counted in the mean, as the 1-NN
//     accuracy counts it as an error: both figures are over all queries.
//
// With nq = 0 all figures are 0. The ranking work is spread over GOMAXPROCS
// goroutines. Evaluate panics if len(d) != nq·nr, nr < 1 (with nq > 0), the
// label slices are not of length nq and nr, or a label is outside
// [0, nClasses).
func Evaluate(d []float64, nq, nr int, qLabels, rLabels []int, nClasses int) *Eval {
	if nq < 0 || nr < 0 || len(d) != nq*nr || len(qLabels) != nq || len(rLabels) != nr || nClasses < 1 || (nq > 0 && nr < 1) {
		panic(fmt.Sprintf("model: Evaluate with %d distances, %d queries (%d labels), %d references (%d labels), %d classes",
			len(d), nq, len(qLabels), nr, len(rLabels), nClasses))
	}
	for _, ls := range [][]int{qLabels, rLabels} {
		for i, l := range ls {
			if l < 0 || l >= nClasses {
				panic(fmt.Sprintf("model: Evaluate: label %d of item %d outside [0,%d)", l, i, nClasses))
			}
		}
	}
	ev := &Eval{
		NQueries:  nq,
		NRefs:     nr,
		Confusion: make([][]int, nClasses),
		Precision: make([]float64, nClasses),
		Recall:    make([]float64, nClasses),
		F1:        make([]float64, nClasses),
		Support:   make([]int, nClasses),
		Pred:      make([]int, nq),
	}
	for c := range ev.Confusion {
		ev.Confusion[c] = make([]int, nClasses)
	}
	refsOf := make([]int, nClasses) // references per class
	for _, l := range rLabels {
		refsOf[l]++
	}

	// 1-NN.
	correct := 0
	for i := 0; i < nq; i++ {
		row := d[i*nr : (i+1)*nr]
		best, bk := 0, rankKey(row[0])
		for j := 1; j < nr; j++ {
			if k := rankKey(row[j]); k < bk {
				best, bk = j, k
			}
		}
		p := rLabels[best]
		ev.Pred[i] = p
		ev.Confusion[qLabels[i]][p]++
		ev.Support[qLabels[i]]++
		if p == qLabels[i] {
			correct++
		}
	}
	if nq == 0 {
		return ev
	}
	ev.Accuracy = float64(correct) / float64(nq)

	// Per-class scores and macro F1.
	counted := 0
	for c := 0; c < nClasses; c++ {
		tp, predicted := ev.Confusion[c][c], 0
		for t := 0; t < nClasses; t++ {
			predicted += ev.Confusion[t][c]
		}
		if predicted > 0 {
			ev.Precision[c] = float64(tp) / float64(predicted)
		}
		if ev.Support[c] > 0 {
			ev.Recall[c] = float64(tp) / float64(ev.Support[c])
		}
		if s := ev.Precision[c] + ev.Recall[c]; s > 0 {
			ev.F1[c] = 2 * ev.Precision[c] * ev.Recall[c] / s
		}
		if predicted > 0 || ev.Support[c] > 0 {
			ev.MacroF1 += ev.F1[c]
			counted++
		}
	}
	ev.MacroF1 /= float64(counted) // counted ≥ 1: every query has a class

	// MAP over the full ranking, queries spread over goroutines.
	ap := make([]float64, nq)
	nw := min(runtime.GOMAXPROCS(0), nq)
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := make([]int32, nr)
			for i := w; i < nq; i += nw {
				ap[i] = averagePrecision(d[i*nr:(i+1)*nr], rLabels, qLabels[i], refsOf[qLabels[i]], order)
			}
		}()
	}
	wg.Wait()
	for _, a := range ap {
		ev.MAP += a
	}
	ev.MAP /= float64(nq)
	return ev
}

// averagePrecision returns the average precision of retrieving the R
// references of class c from one query's distances row (ranked ascending,
// ties by index; see Evaluate), using order (len(row)) as scratch. It is 0
// when R = 0.
func averagePrecision(row []float64, labels []int, c, R int, order []int32) float64 {
	if R == 0 {
		return 0
	}
	for j := range order {
		order[j] = int32(j)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ka, kb := rankKey(row[a]), rankKey(row[b])
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return int(a - b)
	})
	var sum float64
	hits := 0
	for r, j := range order {
		if labels[j] == c {
			hits++
			sum += float64(hits) / float64(r+1)
			if hits == R {
				break
			}
		}
	}
	return sum / float64(R)
}

// Chunk sizes of DistanceMatrix, in pairs (variables so that tests can
// force several chunks).
var (
	sgruChunkPairs  = 1 << 20
	cgruChunkPairs  = 20000
	cgruChunkPerSeq = 16 // a CGRU chunk has at least this many pairs per sequence
)

// DistanceMatrix returns the distances of every query of q to every
// reference of r, row-major [q.N][r.N]: element i·r.N + j is d(q_i, r_j)
// under net, as Distances computes it. For the SGRU each sequence runs once
// and the matrix is filled from the final states; for the CGRU every
// (query, reference) pair is a coupled run, done in chunks of pairs so that
// memory stays bounded. progress, if not nil, is called on the caller's
// goroutine after each chunk with the number of (query, reference) pairs
// done so far and the total q.N·r.N; its last call has done = total.
// It panics if q and r do not match net or differ in length T.
func DistanceMatrix[F Float](e *CPU[F], net *Net[F], q, r Seqs[F], progress func(done, total int)) []float64 {
	q.check(net.Input)
	r.check(net.Input)
	if q.T != r.T {
		panic(fmt.Sprintf("model: DistanceMatrix of queries of length %d and references of length %d", q.T, r.T))
	}
	nq, nr := q.N, r.N
	total := nq * nr
	d := make([]float64, total)
	if total == 0 {
		if progress != nil {
			progress(0, 0)
		}
		return d
	}
	if net.Kind == SGRU {
		e.prepare(net, q)
		hq := e.finalStates(q, nil)
		e.prepare(net, r)
		hr := e.finalStates(r, nil)
		Hp, H := e.w.Hp, e.w.H
		// Rows of queries in chunks, each chunk spread over the workers.
		rowsPer := max(1, sgruChunkPairs/nr)
		for first := 0; first < nq; first += rowsPer {
			n := min(rowsPer, nq-first)
			e.parallel(n, func(_ *worker[F], b int) {
				i := first + b
				hi := hq[i*Hp:]
				out := d[i*nr : (i+1)*nr]
				for j := range out {
					out[j] = dist(hi, hr[j*Hp:], H)
				}
			})
			if progress != nil {
				progress((first+n)*nr, total)
			}
		}
		return d
	}
	// CGRU: pairs (i, nq+j) of the concatenated batch, in chunks. A chunk is
	// large against the batch so that the input projection, which Distances
	// redoes on every call, stays a small share of the work.
	x := Seqs[F]{N: nq + nr, T: q.T, I: q.I, X: make([]F, 0, len(q.X)+len(r.X))}
	x.X = append(append(x.X, q.X...), r.X...)
	chunk := max(cgruChunkPairs, cgruChunkPerSeq*x.N)
	pairs := make([]Pair, 0, min(chunk, total))
	for start := 0; start < total; start += chunk {
		end := min(start+chunk, total)
		pairs = pairs[:0]
		for k := start; k < end; k++ {
			pairs = append(pairs, Pair{int32(k / nr), int32(nq + k%nr)})
		}
		copy(d[start:end], e.Distances(net, x, pairs))
		if progress != nil {
			progress(end, total)
		}
	}
	return d
}
