package baseline

import "fmt"

// Seq is a sequence of T vectors of dimension D, stored row-major: vector t
// is X[t*D : (t+1)*D]. Sequences compared with each other must share D; their
// lengths may differ.
type Seq struct {
	T, D int
	X    []float64
}

// NewSeq returns a zero sequence of t vectors of dimension d.
func NewSeq(t, d int) Seq { return Seq{T: t, D: d, X: make([]float64, t*d)} }

// FromFloat32 returns n sequences of t vectors of dimension d from x, flat
// as [n][t][d] (the layout of data.Dataset.X and model.Seqs), converted to
// float64. It panics if len(x) != n·t·d.
func FromFloat32(x []float32, n, t, d int) []Seq {
	if len(x) != n*t*d || n < 0 || t < 0 || d < 0 {
		panic(fmt.Sprintf("baseline: FromFloat32 of %d values as %d×%d×%d", len(x), n, t, d))
	}
	all := make([]float64, len(x))
	for i, v := range x {
		all[i] = float64(v)
	}
	out := make([]Seq, n)
	for i := range out {
		out[i] = Seq{T: t, D: d, X: all[i*t*d : (i+1)*t*d : (i+1)*t*d]}
	}
	return out
}

// At returns vector t of s (not a copy).
func (s Seq) At(t int) []float64 { return s.X[t*s.D : (t+1)*s.D : (t+1)*s.D] }

// check panics unless s is well formed and non-empty.
func (s Seq) check(what string) {
	if s.T < 1 || s.D < 1 || len(s.X) != s.T*s.D {
		panic(fmt.Sprintf("baseline: %s: sequence of %d×%d with %d values", what, s.T, s.D, len(s.X)))
	}
}

// checkPair panics unless a and b are well formed, non-empty and of the same
// dimension.
func checkPair(what string, a, b Seq) {
	a.check(what)
	b.check(what)
	if a.D != b.D {
		panic(fmt.Sprintf("baseline: %s of sequences of dimension %d and %d", what, a.D, b.D))
	}
}

// checkAlign is checkPair for a Measure's Align, which also panics if t
// cannot hold the a.T × b.T plan.
func checkAlign(what string, t []float64, a, b Seq) {
	checkPair(what, a, b)
	if len(t) != a.T*b.T {
		panic(fmt.Sprintf("baseline: %s.Align into %d values for %d×%d", what, len(t), a.T, b.T))
	}
}

// sqDist returns ‖x − y‖² over len(x) components (len(y) ≥ len(x)). The
// squares are summed in a fixed order: component k goes to partial sum
// k mod 4, in component order, and the result is (s0 + s1) + (s2 + s3),
// each square rounded (no fused multiply-add). Every ground cost of the
// package is computed in this order, by the portable loops and by the SIMD
// kernels alike, so that distances are bit for bit the same in every build
// (native, SIMD, WebAssembly).
func sqDist(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(x); k += 4 {
		e0, e1, e2, e3 := x[k]-y[k], x[k+1]-y[k+1], x[k+2]-y[k+2], x[k+3]-y[k+3]
		// float64(…) rounds the product: the conversion forbids fusion.
		s0 += float64(e0 * e0)
		s1 += float64(e1 * e1)
		s2 += float64(e2 * e2)
		s3 += float64(e3 * e3)
	}
	if k < len(x) {
		e := x[k] - y[k]
		s0 += float64(e * e)
	}
	if k+1 < len(x) {
		e := x[k+1] - y[k+1]
		s1 += float64(e * e)
	}
	if k+2 < len(x) {
		e := x[k+2] - y[k+2]
		s2 += float64(e * e)
	}
	return (s0 + s1) + (s2 + s3)
}

// costMatrix writes the squared Euclidean distances of every vector of a to
// every vector of b into c (a.T × b.T, row-major) and returns it, reusing c's
// storage when large enough. w provides the SIMD layout of b.
func costMatrix(c []float64, a, b Seq, w *Work) []float64 {
	m := b.T
	c = grow(c, a.T*m)
	mb := w.prepareCosts(b)
	for i := 0; i < a.T; i++ {
		w.costRange(c[i*m:(i+1)*m], a.At(i), b, 0, m-1, mb)
	}
	return c
}

// prepareCosts readies w to compute costs against the columns b (the
// blocked layout of the SIMD kernel, when there is one) and returns the
// number of whole blocks of four columns the kernel will do.
func (w *Work) prepareCosts(b Seq) int {
	if simdCostBlocks == nil {
		return 0
	}
	mb := b.T / 4
	w.bt = blockLayout(w.bt, b, mb)
	return mb
}

// costRange writes ‖ai − b_j‖² for the columns j in [lo, hi] into dst[j]
// (dst indexed by column, len ≥ b.T; other entries may be overwritten up
// to the enclosing blocks of four): whole blocks by the SIMD kernel from
// w.bt (mb blocks, see prepareCosts), the rest by the portable loop.
func (w *Work) costRange(dst, ai []float64, b Seq, lo, hi, mb int) {
	d := b.D
	if jb0, jb1 := lo/4, min(hi/4+1, mb); jb0 < jb1 {
		simdCostBlocks(dst, ai, w.bt, jb0, jb1)
		if rest := 4 * jb1; rest <= hi {
			costRow(dst[rest:hi+1], ai, b.X[rest*d:], d)
		}
		return
	}
	costRow(dst[lo:hi+1], ai, b.X[lo*d:], d)
}

// grow returns s resliced to n elements, reallocated if its capacity is too
// small; the contents are unspecified.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
