package model

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// blockRows is the number of rows that step together: 16 pairs (32 rows)
// for the CGRU, 32 sequences for the SGRU.
const blockRows = 32

// CPU is the pure-Go engine. It spreads the pairs (CGRU) or sequences
// (SGRU) of a batch over Threads goroutines; with one thread (as in
// js/wasm, where GOMAXPROCS is 1) everything runs on the caller's
// goroutine. Working memory is kept between calls of the same shape. A CPU
// must not be used by several goroutines at once; the zero value is ready
// to use.
type CPU[F Float] struct {
	// Threads is the number of worker goroutines; 0 means GOMAXPROCS.
	Threads int

	w       *weights[F]
	workers []*worker[F]
	gi, tp  []F
	total   *gradAcc[F]
}

// worker is the private memory of one goroutine.
type worker[F Float] struct {
	sc   *scratch[F]
	g    *gradAcc[F]
	dgi  []F
	h    []F // [R][Hp] final states of a block
	seq  []int32
	used bool // the worker took a block in the current backward pass
}

func (e *CPU[F]) threads() int {
	if e.Threads > 0 {
		return e.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// prepare sizes the engine's memory for net and a batch of n sequences of
// T steps, and loads net's weights.
func (e *CPU[F]) prepare(net *Net[F], x Seqs[F]) {
	x.check(net.Input)
	w := e.w
	if w == nil || w.I != net.Input || w.H != net.Hidden || w.coupled != (net.Kind == CGRU) {
		w = newWeights[F](net.Kind, net.Input, net.Hidden)
		e.w, e.workers, e.total = w, nil, nil
	}
	w.load(net)
	nw := e.threads()
	for len(e.workers) < nw {
		e.workers = append(e.workers, &worker[F]{
			sc: newScratch(w, blockRows), h: make([]F, blockRows*w.Hp), seq: make([]int32, blockRows),
		})
	}
	e.workers = e.workers[:nw]
	e.gi = grow(e.gi, x.N*x.T*w.G)
	w.project(e.gi, x)
}

func grow[F Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

// parallel calls fn(worker, block) for every block in [0, n), spread over
// the engine's workers. The assignment is static (worker w takes blocks w,
// w+W, w+2W, …), so that the sums each worker accumulates, and therefore
// the results, are the same from run to run for a given number of threads.
func (e *CPU[F]) parallel(n int, fn func(wk *worker[F], b int)) {
	nw := len(e.workers)
	if nw == 1 || n <= 1 {
		for b := 0; b < n; b++ {
			fn(e.workers[0], b)
		}
		return
	}
	var wg sync.WaitGroup
	for w, wk := range e.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := w; b < n; b += nw {
				fn(wk, b)
			}
		}()
	}
	wg.Wait()
}

// pairBlock fills wk.seq with the rows of CGRU block b of pairs and
// returns them: a[p] in rows 0…P−1, b[p] in rows P…2P−1.
func pairBlock(wk []int32, pairs []Pair, b int) (rows []int32, first, P int) {
	per := blockRows / 2
	first = b * per
	P = min(per, len(pairs)-first)
	rows = wk[:2*P]
	for p := 0; p < P; p++ {
		rows[p] = pairs[first+p].A
		rows[p+P] = pairs[first+p].B
	}
	return rows, first, P
}

// dist returns ‖a − b‖₂ over the first h entries, in float64.
func dist[F Float](a, b []F, h int) float64 {
	var s float64
	for k := 0; k < h; k++ {
		d := float64(a[k]) - float64(b[k])
		s += d * d
	}
	return math.Sqrt(s)
}

// Distances returns d(x_a, x_b) for every pair of sequences of x: for the
// CGRU each pair is a coupled run, for the SGRU each sequence that appears
// runs once. It panics if x does not match net or a pair is out of range.
func (e *CPU[F]) Distances(net *Net[F], x Seqs[F], pairs []Pair) []float64 {
	e.prepare(net, x)
	for _, p := range pairs {
		if p.A < 0 || int(p.A) >= x.N || p.B < 0 || int(p.B) >= x.N {
			panic(fmt.Sprintf("model: pair (%d,%d) out of range of %d sequences", p.A, p.B, x.N))
		}
	}
	w := e.w
	Hp := w.Hp
	d := make([]float64, len(pairs))
	if w.coupled {
		nb := (len(pairs) + blockRows/2 - 1) / (blockRows / 2)
		e.parallel(nb, func(wk *worker[F], b int) {
			rows, first, P := pairBlock(wk.seq, pairs, b)
			w.forward(x.T, e.gi, rows, wk.h, nil, wk.sc, nil)
			for p := 0; p < P; p++ {
				d[first+p] = dist(wk.h[p*Hp:], wk.h[(p+P)*Hp:], w.H)
			}
		})
		return d
	}
	hs := e.finalStates(x, nil)
	for i, p := range pairs {
		d[i] = dist(hs[int(p.A)*Hp:], hs[int(p.B)*Hp:], w.H)
	}
	return d
}

// seqBlocks splits n sequences into nb blocks of per rows (the last may be
// shorter): at most blockRows each, and at least as many blocks as workers
// so that all of them have work.
func (e *CPU[F]) seqBlocks(n int) (nb, per int) {
	nb = max((n+blockRows-1)/blockRows, min(len(e.workers), n), 1)
	per = (n + nb - 1) / nb
	return (n + per - 1) / per, per
}

// finalStates runs every sequence of x alone (SGRU) and returns h_T
// [N][Hp]. With tp not nil, the tapes of the blocks go there.
func (e *CPU[F]) finalStates(x Seqs[F], tp []F) []F {
	w := e.w
	Hp := w.Hp
	hs := make([]F, x.N*Hp)
	nb, per := e.seqBlocks(x.N)
	e.parallel(nb, func(wk *worker[F], b int) {
		first := b * per
		R := min(per, x.N-first)
		rows := wk.seq[:R]
		for r := range rows {
			rows[r] = int32(first + r)
		}
		var t *tape[F]
		if tp != nil {
			size := w.tapeSize(x.T, blockRows)
			tt := w.tapeAt(tp[b*size:(b+1)*size], x.T, R)
			t = &tt
		}
		w.forward(x.T, e.gi, rows, hs[first*Hp:(first+R)*Hp], t, wk.sc, nil)
	})
	return hs
}

// LossGrad computes the loss of the batch x with the given labels over all
// its pairs i<j, and sets grad (len(net.Params), layout of net) to the
// gradient of that loss alone with respect to net's parameters (no weight
// decay, no coupling penalty). It returns the loss and the distances of
// the pairs in row-major order. It panics if shapes do not match.
func (e *CPU[F]) LossGrad(net *Net[F], x Seqs[F], labels []int, loss Loss, grad []F) (float64, []float64) {
	if len(labels) != x.N || len(grad) != len(net.Params) {
		panic(fmt.Sprintf("model: LossGrad with %d labels for %d sequences, %d gradients for %d parameters",
			len(labels), x.N, len(grad), len(net.Params)))
	}
	e.prepare(net, x)
	w := e.w
	Hp, G, T := w.Hp, w.G, x.T
	pairs := AllPairs(x.N)
	d := make([]float64, len(pairs))
	gd := make([]float64, len(pairs))
	tsize := w.tapeSize(T, blockRows)
	for _, wk := range e.workers {
		if wk.g == nil {
			wk.g = newGradAcc(w)
		}
		wk.g.zero()
		wk.dgi = grow(wk.dgi, x.N*T*G)
		clear(wk.dgi)
		wk.used = false
	}
	if w.coupled {
		per := blockRows / 2
		nb := (len(pairs) + per - 1) / per
		e.tp = grow(e.tp, nb*tsize)
		hT := make([]F, len(pairs)*2*Hp) // final states, pair p: [h_T | h'_T]
		e.parallel(nb, func(wk *worker[F], b int) {
			rows, first, P := pairBlock(wk.seq, pairs, b)
			tp := w.tapeAt(e.tp[b*tsize:(b+1)*tsize], T, 2*P)
			w.forward(T, e.gi, rows, wk.h, &tp, wk.sc, nil)
			for p := 0; p < P; p++ {
				q := first + p
				copy(hT[q*2*Hp:], wk.h[p*Hp:(p+1)*Hp])
				copy(hT[q*2*Hp+Hp:], wk.h[(p+P)*Hp:(p+P+1)*Hp])
				d[q] = dist(wk.h[p*Hp:], wk.h[(p+P)*Hp:], w.H)
			}
		})
		lv := loss.Eval(d, labels, gd)
		e.parallel(nb, func(wk *worker[F], b int) {
			wk.used = true
			rows, first, P := pairBlock(wk.seq, pairs, b)
			tp := w.tapeAt(e.tp[b*tsize:(b+1)*tsize], T, 2*P)
			dh := wk.h[:2*P*Hp]
			for p := 0; p < P; p++ {
				q := first + p
				h1, h2 := hT[q*2*Hp:q*2*Hp+Hp], hT[q*2*Hp+Hp:(q+1)*2*Hp]
				distGrad(dh[p*Hp:(p+1)*Hp], dh[(p+P)*Hp:(p+P+1)*Hp], h1, h2, d[q], gd[q])
			}
			w.backward(T, rows, dh, &tp, wk.g, wk.dgi, wk.sc)
		})
		e.reduce(x, grad, net)
		return lv, d
	}
	// SGRU: each sequence once; dL/dh_T of a sequence sums over its pairs.
	nb, per := e.seqBlocks(x.N)
	e.tp = grow(e.tp, nb*tsize)
	hs := e.finalStates(x, e.tp)
	for q, p := range pairs {
		d[q] = dist(hs[int(p.A)*Hp:], hs[int(p.B)*Hp:], w.H)
	}
	lv := loss.Eval(d, labels, gd)
	dhT := make([]F, x.N*Hp)
	tmp1, tmp2 := make([]F, Hp), make([]F, Hp)
	for q, p := range pairs {
		a, b := int(p.A)*Hp, int(p.B)*Hp
		distGrad(tmp1, tmp2, hs[a:a+Hp], hs[b:b+Hp], d[q], gd[q])
		for k := 0; k < Hp; k++ {
			dhT[a+k] += tmp1[k]
			dhT[b+k] += tmp2[k]
		}
	}
	e.parallel(nb, func(wk *worker[F], b int) {
		wk.used = true
		first := b * per
		R := min(per, x.N-first)
		rows := wk.seq[:R]
		for r := range rows {
			rows[r] = int32(first + r)
		}
		tp := w.tapeAt(e.tp[b*tsize:(b+1)*tsize], T, R)
		dh := wk.h[:R*Hp]
		copy(dh, dhT[first*Hp:(first+R)*Hp])
		w.backward(T, rows, dh, &tp, wk.g, wk.dgi, wk.sc)
	})
	e.reduce(x, grad, net)
	return lv, d
}

// distGrad sets d1 = g·(h1 − h2)/d and d2 = −d1: the gradient of g·d with
// d = ‖h1 − h2‖ (0 when d = 0).
func distGrad[F Float](d1, d2, h1, h2 []F, d, g float64) {
	if d == 0 || g == 0 {
		clear(d1)
		clear(d2)
		return
	}
	s := g / d
	for k := range d1 {
		v := F(s * (float64(h1[k]) - float64(h2[k])))
		d1[k], d2[k] = v, -v
	}
}

// reduce sums the workers' gradients, adds the input projection's
// gradients (W_ih, b_ih) and writes the flat gradient.
func (e *CPU[F]) reduce(x Seqs[F], grad []F, net *Net[F]) {
	w := e.w
	if e.total == nil {
		e.total = newGradAcc(w)
	}
	tot := e.total
	tot.zero()
	var dgi []F
	for _, wk := range e.workers {
		if !wk.used {
			continue
		}
		wk.g.addTo(tot)
		if dgi == nil {
			dgi = wk.dgi
			continue
		}
		for i, v := range wk.dgi {
			dgi[i] += v
		}
	}
	G := w.G
	if dgi != nil {
		colSumAdd(tot.bih, x.N*x.T, G, dgi, G)
		// The r and z parts of db_hh equal those of db_ih (gru.go).
		for j := 0; j < 2*w.Hp; j++ {
			tot.bhh[j] += tot.bih[j]
		}
		for n := 0; n < x.N; n++ {
			gemmTN(x.I, G, x.T, x.Seq(n), x.I, dgi[n*x.T*G:], G, tot.wihT, G)
		}
	}
	clear(grad)
	tot.store(w, net.Layout(), grad)
}

// Trajectory is the run of one pair, step by step: both hidden states and,
// for the CGRU, the coupling gate.
type Trajectory struct {
	T, H   int
	H1, H2 [][]float64 // [T][H] h_t and h'_t (t = 1…T)
	C      [][]float64 // [T][H] c_t (CGRU), nil for the SGRU
	// Distance is ‖h_T − h'_T‖₂.
	Distance float64
}

// SyncError returns ‖h_t − h'_t‖₂ for every step.
func (tr *Trajectory) SyncError() []float64 {
	e := make([]float64, tr.T)
	for t := range e {
		var s float64
		for k := 0; k < tr.H; k++ {
			d := tr.H1[t][k] - tr.H2[t][k]
			s += d * d
		}
		e[t] = math.Sqrt(s)
	}
	return e
}

// MeanGate returns the mean of c_t over the hidden units for every step
// (nil for the SGRU).
func (tr *Trajectory) MeanGate() []float64 {
	if tr.C == nil {
		return nil
	}
	m := make([]float64, tr.T)
	for t, c := range tr.C {
		for _, v := range c {
			m[t] += v
		}
		m[t] /= float64(tr.H)
	}
	return m
}

// Trace runs the pair (a, b) of sequences [T][I] (equal T for the CGRU;
// for the SGRU the shorter one is padded by repeating its last state in
// the trajectory) and records every step. It panics if the sequences do
// not match net.
func (e *CPU[F]) Trace(net *Net[F], a, b []F) *Trajectory {
	I := net.Input
	if len(a)%I != 0 || len(b)%I != 0 || len(a) == 0 || len(b) == 0 {
		panic(fmt.Sprintf("model: Trace sequences of %d and %d values for input size %d", len(a), len(b), I))
	}
	Ta, Tb := len(a)/I, len(b)/I
	if net.Kind == CGRU && Ta != Tb {
		panic(fmt.Sprintf("model: CGRU pair of lengths %d and %d", Ta, Tb))
	}
	T := max(Ta, Tb)
	H := net.Hidden
	tr := &Trajectory{T: T, H: H, H1: make([][]float64, T), H2: make([][]float64, T)}
	save := func(dst [][]float64, t int, h []F) {
		row := make([]float64, H)
		for k := range row {
			row[k] = float64(h[k])
		}
		dst[t] = row
	}
	if net.Kind == CGRU {
		tr.C = make([][]float64, T)
		x := Seqs[F]{N: 2, T: T, I: I, X: append(append([]F(nil), a...), b...)}
		e.prepare(net, x)
		wk, Hp := e.workers[0], e.w.Hp
		e.w.forward(T, e.gi, []int32{0, 1}, wk.h, nil, wk.sc, func(t int, h, c []F) {
			save(tr.H1, t, h[:Hp])
			save(tr.H2, t, h[Hp:])
			save(tr.C, t, c)
		})
	} else {
		for i, s := range [][]F{a, b} {
			dst := tr.H1
			if i == 1 {
				dst = tr.H2
			}
			x := Seqs[F]{N: 1, T: len(s) / I, I: I, X: s}
			e.prepare(net, x)
			wk := e.workers[0]
			e.w.forward(x.T, e.gi, []int32{0}, wk.h, nil, wk.sc, func(t int, h, _ []F) { save(dst, t, h) })
			for t := x.T; t < T; t++ {
				dst[t] = dst[x.T-1]
			}
		}
	}
	last1, last2 := tr.H1[T-1], tr.H2[T-1]
	tr.Distance = dist(last1, last2, H)
	return tr
}
