package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// forceGate sets the coupling to W_hc = 0 and b_hc = bias, so that
// c = σ(bias) exactly at every step.
func forceGate(n *Net[float64], bias float64) {
	clear(n.Param("weight_hc"))
	for i := range n.Param("bias_hc") {
		n.Param("bias_hc")[i] = bias
	}
}

// sgruOf returns the SGRU with the GRU parameters of a CGRU.
func sgruOf(c *Net[float64]) *Net[float64] {
	s := NewNet[float64](SGRU, c.Input, c.Hidden)
	copy(s.Params, c.Params[:len(s.Params)])
	return s
}

// TestGateZeroIsGRU: with c forced to 0 each branch of the CGRU is exactly
// a GRU, so distances equal the SGRU's bit for bit and the gradients of
// the shared parameters agree (summation order differs) while those of
// the coupling vanish.
func TestGateZeroIsGRU(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, T := range []int{1, 4, 9} {
		c := randNet(CGRU, 3, 6, 0.8, 0, rng)
		forceGate(c, -1000) // σ(−1000) = 0 in float64
		s := sgruOf(c)
		x := randSeqs(5, T, 3, rng)
		labels := []int{0, 1, 0, 1, 2}
		var ec, es CPU[float64]
		gc, gs := make([]float64, len(c.Params)), make([]float64, len(s.Params))
		lc, dc := ec.LossGrad(c, x, labels, DefaultStructural, gc)
		ls, ds := es.LossGrad(s, x, labels, DefaultStructural, gs)
		for i := range dc {
			if dc[i] != ds[i] {
				t.Errorf("T=%d pair %d: CGRU(c=0) distance %.17g, SGRU %.17g", T, i, dc[i], ds[i])
			}
		}
		if lc != ls {
			t.Errorf("T=%d: loss CGRU(c=0) %.17g, SGRU %.17g", T, lc, ls)
		}
		for i, v := range gs {
			if relErr(gc[i], v, 1e-12) > 1e-10 {
				t.Errorf("T=%d param %d: gradient CGRU(c=0) %.17g, SGRU %.17g", T, i, gc[i], v)
			}
		}
		for i, v := range gc[len(gs):] {
			if v != 0 {
				t.Errorf("T=%d coupling param %d: gradient %g, want 0", T, i, v)
			}
		}
	}
}

// TestGateHalf: with c forced to 0.5 the coupled new states of the two
// branches are equal at every step. The states h_t = (1−z)ñ + z·h_{t−1}
// still differ through the update gates z ≠ z' (DESIGN.md §2), so the
// distance is 0 for every pair only when z is the same in both branches:
// here forced to 0 by b_hz → −∞, which makes h_t = ñ_t.
func TestGateHalf(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	c := randNet(CGRU, 2, 5, 0.8, 0, rng)
	forceGate(c, 0) // c = σ(0) = 0.5
	a, b := randSeqs(1, 6, 2, rng).X, randSeqs(1, 6, 2, rng).X
	var e CPU[float64]
	tr := e.Trace(c, a, b)
	for t2, g := range tr.MeanGate() {
		if g != 0.5 {
			t.Fatalf("step %d: mean gate %g, want 0.5", t2, g)
		}
	}
	if tr.Distance == 0 {
		t.Errorf("c=0.5 with free update gates: distance 0, want > 0 (z ≠ z')")
	}
	bih, bhh := c.Param("bias_ih"), c.Param("bias_hh")
	for k := 0; k < c.Hidden; k++ {
		bih[c.Hidden+k], bhh[c.Hidden+k] = -1000, 0 // z = σ(−1000 + …) = 0
	}
	clear(c.Param("weight_ih")[c.Hidden*c.Input : 2*c.Hidden*c.Input])
	clear(c.Param("weight_hh")[c.Hidden*c.Hidden : 2*c.Hidden*c.Hidden])
	for i := 0; i < 5; i++ {
		a, b := randSeqs(1, 7, 2, rng).X, randSeqs(1, 7, 2, rng).X
		tr := e.Trace(c, a, b)
		for s, err := range tr.SyncError() {
			if err != 0 {
				t.Fatalf("pair %d step %d: ‖h−h'‖ = %g with c = 0.5 and z = 0, want 0", i, s, err)
			}
		}
	}
}

// TestSelfPair: a pair of a sequence with itself has distance exactly 0,
// and distances are symmetric, for both models.
func TestSelfPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, kind := range []Kind{SGRU, CGRU} {
		n := randNet(kind, 3, 7, 1, 0, rng)
		x := randSeqs(4, 11, 3, rng)
		var e CPU[float64]
		d := e.Distances(n, x, []Pair{{0, 0}, {3, 3}, {1, 2}, {2, 1}})
		if d[0] != 0 || d[1] != 0 {
			t.Errorf("%s: self distances %g %g, want 0", kind, d[0], d[1])
		}
		if d[2] != d[3] || d[2] == 0 {
			t.Errorf("%s: d(1,2) = %.17g, d(2,1) = %.17g, want equal and > 0", kind, d[2], d[3])
		}
	}
}

// TestThreadsAndTypes: the result does not depend on the number of
// threads (beyond summation order), and float32 agrees with float64.
func TestThreadsAndTypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, kind := range []Kind{SGRU, CGRU} {
		n := randNet(kind, 9, 20, 0.3, 0, rng)
		x := randSeqs(40, 30, 9, rng) // 780 pairs: many blocks
		labels := make([]int, x.N)
		for i := range labels {
			labels[i] = i % 6
		}
		ref := make([]float64, len(n.Params))
		e1 := CPU[float64]{Threads: 1}
		l1, d1 := e1.LossGrad(n, x, labels, Contrastive{Margin: 1}, ref)
		got := make([]float64, len(n.Params))
		e3 := CPU[float64]{Threads: 3}
		l3, d3 := e3.LossGrad(n, x, labels, Contrastive{Margin: 1}, got)
		if relErr(l1, l3, 0) > 1e-12 {
			t.Errorf("%s: loss 1 thread %.17g, 3 threads %.17g", kind, l1, l3)
		}
		for i := range d1 {
			if d1[i] != d3[i] {
				t.Fatalf("%s pair %d: distance 1 thread %.17g, 3 threads %.17g", kind, i, d1[i], d3[i])
			}
		}
		var scale float64
		for _, v := range ref {
			scale = math.Max(scale, math.Abs(v))
		}
		for i := range ref {
			if relErr(ref[i], got[i], 1e-6*scale) > 1e-10 {
				t.Errorf("%s param %d: gradient 1 thread %.17g, 3 threads %.17g", kind, i, ref[i], got[i])
			}
		}
		// float32 engine (SIMD kernels where built) against float64.
		n32 := Convert[float32](n)
		x32 := Seqs[float32]{N: x.N, T: x.T, I: x.I, X: make([]float32, len(x.X))}
		for i, v := range x.X {
			x32.X[i] = float32(v)
		}
		g32 := make([]float32, len(n.Params))
		var e32 CPU[float32]
		l32, d32 := e32.LossGrad(n32, x32, labels, Contrastive{Margin: 1}, g32)
		if relErr(l32, l1, 0) > 1e-5 {
			t.Errorf("%s: float32 loss %.9g, float64 %.9g", kind, l32, l1)
		}
		for i := range d1 {
			if relErr(d32[i], d1[i], 1e-3) > 1e-4 {
				t.Fatalf("%s pair %d: float32 distance %.9g, float64 %.9g", kind, i, d32[i], d1[i])
			}
		}
		for i := range ref {
			if relErr(float64(g32[i]), ref[i], 1e-3*scale) > 1e-3 {
				t.Errorf("%s param %d: float32 gradient %.9g, float64 %.9g", kind, i, g32[i], ref[i])
			}
		}
	}
}
