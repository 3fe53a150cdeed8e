package baseline

import (
	"context"
	"fmt"
	"sync"
)

// Measure is a distance between sequences defined through an alignment, in
// the unified view of Su & Wu (ICML 2019): an alignment matrix T (n × m)
// between the elements of the two sequences is inferred from the ground
// cost C_ij = ‖a_i − b_j‖², and the distance is ⟨T, C⟩. [DTW] and [OPW]
// implement it.
type Measure interface {
	// Distance returns the distance of a and b, using w as scratch space
	// (nil: allocate).
	Distance(a, b Seq, w *Work) float64
	// Align writes the alignment matrix of a and b into t (a.T × b.T,
	// row-major) and returns ⟨T, C⟩ and the value of the alignment's
	// regulariser at T (0 for DTW).
	Align(t []float64, a, b Seq, w *Work) (cost, reg float64)
}

// Work is the scratch space of one goroutine's distance computations. The
// zero value is ready to use; a Work must not be used by two goroutines at
// once.
type Work struct {
	dtw, acc []float64 // DTW rows and accumulated matrix
	bt       []float64 // the column sequence in the SIMD kernel's layout

	// OPW: cost, log-kernel, scaled kernel, potentials, scalings, sums.
	cost, logK, k  []float64
	plan           []float64 // the transposed plan of Align
	f, g, u, v     []float64
	kv, ktu        []float64
	rlo, rhi       []int     // nonzero columns of each row of K̃
	prior          []float64 // log P + λ1·E/λ2 for priorN × priorM
	priorN, priorM int
	priorOPW       OPW
	sel            []float64 // OPW.MedianScale's selection
}

// Matrix returns the distances of every query to every reference under m,
// row-major: element i·len(r) + j is m.Distance(q[i], r[j]).
//
// threads ≤ 1 computes everything on the calling goroutine (as a
// single-threaded WebAssembly worker needs); more spreads the queries over
// that many goroutines (0 is not "all cores" here: pass
// runtime.GOMAXPROCS(0) for that). progress, if not nil, is called on the
// calling goroutine with the number of pairs done and the total, at least
// after every query row when threads ≤ 1 and every few rows otherwise, and
// with done = total at the end. When ctx is cancelled, Matrix stops within a
// row per goroutine and returns ctx's error (and no matrix).
//
// Matrix panics if a sequence is malformed or the dimensions differ.
func Matrix(ctx context.Context, m Measure, q, r []Seq, threads int, progress func(done, total int)) ([]float64, error) {
	nq, nr := len(q), len(r)
	total := nq * nr
	d := make([]float64, total)
	for i := range q {
		q[i].check("Matrix query")
	}
	for j := range r {
		r[j].check("Matrix reference")
		if len(q) > 0 && r[j].D != q[0].D {
			panic(fmt.Sprintf("baseline: Matrix: reference %d has dimension %d, queries %d", j, r[j].D, q[0].D))
		}
	}
	for i := range q {
		if q[i].D != q[0].D {
			panic(fmt.Sprintf("baseline: Matrix: query %d has dimension %d, query 0 %d", i, q[i].D, q[0].D))
		}
	}
	row := func(w *Work, i int) {
		out := d[i*nr : (i+1)*nr]
		for j := range out {
			out[j] = m.Distance(q[i], r[j], w)
		}
	}
	if threads <= 1 || nq <= 1 {
		var w Work
		for i := 0; i < nq; i++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			row(&w, i)
			if progress != nil {
				progress((i+1)*nr, total)
			}
		}
		if progress != nil && nq == 0 {
			progress(0, 0)
		}
		return d, nil
	}
	// Workers take rows from a shared counter and report each row done.
	threads = min(threads, nq)
	next := make(chan int)
	done := make(chan struct{}, threads)
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w Work
			for i := range next {
				row(&w, i)
				done <- struct{}{}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := 0; i < nq; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	rows := 0
	for range done {
		rows++
		if progress != nil {
			progress(rows*nr, total)
		}
	}
	if err := ctx.Err(); err != nil && rows < nq {
		return nil, err
	}
	return d, nil
}
