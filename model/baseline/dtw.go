package baseline

import (
	"math"
	"slices"
)

// DTW is dynamic time warping (Sakoe & Chiba, 1978) with the squared
// Euclidean local cost c(i, j) = ‖a_i − b_j‖². For sequences a (length n)
// and b (length m) the accumulated cost is
//
//	D(i, j) = c(i, j) + min(D(i−1, j−1), D(i−1, j), D(i, j−1)),  D(−1, −1) = 0,
//
// (D = +∞ outside the grid and outside the band), and the distance is
// D(n−1, m−1): the sum of the local costs along the cheapest warping path,
// not normalised by its length. Steps are (1,1), (1,0) and (0,1), so every
// element of both sequences is matched at least once. The distance is
// symmetric and 0 for identical sequences.
//
// As an alignment (the T of Su & Wu's unified view, see [Measure]) the DTW
// alignment matrix is the 0/1 indicator of the optimal path, and ⟨T, C⟩ is
// the distance.
type DTW struct {
	// Band is the half-width w of a Sakoe–Chiba band around the straight
	// line from (0, 0) to (n−1, m−1), measured along the shorter sequence:
	// cell (i, j) is allowed when |j·(n−1) − i·(m−1)| ≤ w·max(n−1, m−1),
	// which for n = m is |i − j| ≤ w. When the lengths differ, w is raised to
	// at least 1 so that a path always exists. A negative Band means no
	// constraint (the default of the CLI); Band 0 with equal lengths sums
	// c(i, i), the squared Euclidean distance of the whole sequences.
	Band int
}

// Step is one cell (I, J) of a warping path: element I of the first
// sequence matched with element J of the second.
type Step struct{ I, J int }

// bandRange returns the columns [lo, hi] of row i of an n×m grid inside the
// band of half-width w (w < 0: all columns).
func bandRange(i, n, m, w int) (lo, hi int) {
	if w < 0 || n == 1 {
		return 0, m - 1
	}
	if n != m && w < 1 {
		w = 1
	}
	W := w * max(n-1, m-1)
	num := i * (m - 1)
	lo = max(0, -floorDiv(W-num, n-1)) // ceil((num−W)/(n−1))
	hi = min(m-1, floorDiv(num+W, n-1))
	return lo, hi
}

// floorDiv returns ⌊a/b⌋ for b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// Distance returns the DTW distance of a and b. w is scratch space reused
// across calls (nil: allocate); a Work must not be shared between
// goroutines. Distance panics if a or b is empty or malformed or their
// dimensions differ.
func (c DTW) Distance(a, b Seq, w *Work) float64 {
	checkPair("DTW", a, b)
	if w == nil {
		w = new(Work)
	}
	n, m, d := a.T, b.T, a.D
	// Two rows of D, shifted by one column: row[j+1] holds D(i, j) and
	// row[0] is the +∞ (or, before row 0, the 0) border.
	w.dtw = grow(w.dtw, 3*(m+1))
	prev, cur, cost := w.dtw[:m+1], w.dtw[m+1:2*(m+1)], w.dtw[2*(m+1):]
	mb := w.prepareCosts(b)
	inf := math.Inf(1)
	for j := range prev {
		prev[j], cur[j] = inf, inf
	}
	prev[0] = 0
	lo2 := -1 // first column written in cur (two rows back), -1: none
	loPrev := -1
	for i := 0; i < n; i++ {
		lo, hi := bandRange(i, n, m, c.Band)
		// Columns of cur left of the band still hold row i−2: clear them
		// (cur[lo] is D(i, lo−1), the left neighbour of the first cell).
		for j := max(lo2, 0); j <= lo; j++ {
			cur[j] = inf
		}
		cur[0] = inf
		w.costRange(cost, a.X[i*d:(i+1)*d], b, lo, hi, mb)
		left := cur[lo] // D(i, lo−1) = +∞, then kept in a register
		p, out := prev[lo:hi+2], cur[lo+1:hi+2]
		for j, c := range cost[lo : hi+1] {
			v := p[j] // D(i−1, j−1)
			if u := p[j+1]; u < v {
				v = u // D(i−1, j)
			}
			if left < v {
				v = left // D(i, j−1)
			}
			left = c + v
			out[j] = left
		}
		lo2, loPrev = loPrev, lo
		prev, cur = cur, prev
	}
	return prev[m]
}

// costRow writes ‖ai − b_j‖² for consecutive vectors b_j of dimension d
// (b flat, starting at the first) into dst, one per element of dst, in the
// order of sqDist.
func costRow(dst, ai, b []float64, d int) {
	if d == 9 {
		// The UCI HAR case, unrolled.
		a0, a1, a2, a3, a4, a5, a6, a7, a8 := ai[0], ai[1], ai[2], ai[3], ai[4], ai[5], ai[6], ai[7], ai[8]
		for j := range dst {
			bj := b[j*9 : j*9+9 : j*9+9]
			e0, e1, e2 := a0-bj[0], a1-bj[1], a2-bj[2]
			e3, e4, e5 := a3-bj[3], a4-bj[4], a5-bj[5]
			e6, e7, e8 := a6-bj[6], a7-bj[7], a8-bj[8]
			// The order of sqDist; float64(…) forbids fused multiply-adds.
			s0 := float64(e0*e0) + float64(e4*e4) + float64(e8*e8)
			s1 := float64(e1*e1) + float64(e5*e5)
			s2 := float64(e2*e2) + float64(e6*e6)
			s3 := float64(e3*e3) + float64(e7*e7)
			dst[j] = (s0 + s1) + (s2 + s3)
		}
		return
	}
	for j := range dst {
		dst[j] = sqDist(ai, b[j*d:])
	}
}

// simdCostBlocks, when not nil, is a SIMD kernel computing the costs of
// whole blocks of four columns: ‖ai − b_j‖² for the columns of blocks
// jb0 … jb1−1 into dst[4·jb0 : 4·jb1], from b in the layout of
// blockLayout, with the same sums as sqDist. The SIMD build sets it on CPUs
// that have the instructions.
var simdCostBlocks func(dst, ai, blk []float64, jb0, jb1 int)

// blockLayout returns the first 4·mb vectors of b in blocks of four: the
// component k of the four vectors of block jb are at
// blk[(jb·D + k)·4 : (jb·D + k)·4 + 4]. It reuses buf when large enough.
func blockLayout(buf []float64, b Seq, mb int) []float64 {
	d := b.D
	blk := grow(buf, mb*4*d)
	for jb := 0; jb < mb; jb++ {
		for lane := 0; lane < 4; lane++ {
			x := b.X[(jb*4+lane)*d : (jb*4+lane+1)*d]
			for k, v := range x {
				blk[(jb*d+k)*4+lane] = v
			}
		}
	}
	return blk
}

// Path returns the DTW distance of a and b and an optimal warping path from
// (0, 0) to (a.T−1, b.T−1). Among equally cheap predecessors the backtrack
// prefers the diagonal step, then (i−1, j), then (i, j−1). It panics like
// Distance.
func (c DTW) Path(a, b Seq) (float64, []Step) {
	checkPair("DTW", a, b)
	acc := c.accumulate(a, b, nil)
	return acc[len(acc)-1], backtrack(acc, a.T, b.T)
}

// Align writes the 0/1 matrix of an optimal warping path of a and b into t
// (a.T × b.T, row-major) and returns the DTW distance, ⟨T, C⟩, and the
// regulariser 0 (DTW has none), so that DTW is a [Measure]. It panics like
// Distance, or if len(t) != a.T·b.T.
func (c DTW) Align(t []float64, a, b Seq, w *Work) (cost, reg float64) {
	checkAlign("DTW", t, a, b)
	if w == nil {
		w = new(Work)
	}
	w.acc = c.accumulate(a, b, w.acc)
	clear(t)
	for _, s := range backtrack(w.acc, a.T, b.T) {
		t[s.I*b.T+s.J] = 1
	}
	return w.acc[len(w.acc)-1], 0
}

// accumulate returns the accumulated cost matrix with a border row and
// column: acc[(i+1)(m+1) + j+1] = D(i, j), acc[0] = 0, +∞ on the rest of
// the border and outside the band. It reuses buf when large enough.
func (c DTW) accumulate(a, b Seq, buf []float64) []float64 {
	n, m, d := a.T, b.T, a.D
	w := m + 1
	acc := grow(buf, (n+1)*w)
	inf := math.Inf(1)
	for k := range acc {
		acc[k] = inf
	}
	acc[0] = 0
	cost := make([]float64, m)
	for i := 0; i < n; i++ {
		lo, hi := bandRange(i, n, m, c.Band)
		costRow(cost[lo:hi+1], a.X[i*d:(i+1)*d], b.X[lo*d:], d)
		prev, cur := acc[i*w:(i+1)*w], acc[(i+1)*w:(i+2)*w]
		for j := lo; j <= hi; j++ {
			cur[j+1] = cost[j] + min(prev[j], prev[j+1], cur[j])
		}
	}
	return acc
}

// backtrack returns the warping path ending at (n−1, m−1) of an
// accumulated cost matrix from accumulate, from (0, 0) on.
func backtrack(acc []float64, n, m int) []Step {
	w := m + 1
	path := make([]Step, 0, n+m)
	i, j := n-1, m-1
	for {
		path = append(path, Step{i, j})
		if i == 0 && j == 0 {
			break
		}
		diag, up, left := acc[i*w+j], acc[i*w+j+1], acc[(i+1)*w+j]
		switch {
		case i > 0 && j > 0 && diag <= up && diag <= left:
			i, j = i-1, j-1
		case i > 0 && (j == 0 || up <= left):
			i--
		default:
			j--
		}
	}
	slices.Reverse(path)
	return path
}
