package baseline

import (
	"math"
	"math/rand/v2"
	"testing"
)

// seq1 makes a sequence of scalars.
func seq1(x ...float64) Seq { return Seq{T: len(x), D: 1, X: x} }

// seqN makes a sequence of d-dimensional vectors from flat values.
func seqN(d int, x ...float64) Seq { return Seq{T: len(x) / d, D: d, X: x} }

func randSeq(rng *rand.Rand, t, d int) Seq {
	s := NewSeq(t, d)
	for i := range s.X {
		s.X[i] = rng.NormFloat64()
	}
	return s
}

func TestDTWHandCases(t *testing.T) {
	// Expected values worked out by hand from the recurrence (see the
	// comments); paths by the documented tie rule (diagonal, up, left).
	cases := []struct {
		name string
		a, b Seq
		band int
		want float64
		path []Step
	}{
		// c = [[0 4] [1 1] [4 0]]; D = [[0 4] [1 1] [5 1]].
		{"unequal 3×2", seq1(0, 1, 2), seq1(0, 2), -1, 1, []Step{{0, 0}, {1, 0}, {2, 1}}},
		// c = [[0 0 25] [25 25 0]]; D = [[0 0 25] [25 25 0]].
		{"2-D 2×3", seqN(2, 0, 0, 3, 4), seqN(2, 0, 0, 0, 0, 3, 4), -1, 0, []Step{{0, 0}, {0, 1}, {1, 2}}},
		// Rows 0–2 cost 0 only at column 0, row 3 costs 0 at columns 1–3.
		{"free", seq1(0, 0, 0, 5), seq1(0, 5, 5, 5), -1, 0, []Step{{0, 0}, {1, 0}, {2, 0}, {3, 1}, {3, 2}, {3, 3}}},
		// Band 0: the diagonal, 0 + 25 + 25 + 0.
		{"band 0", seq1(0, 0, 0, 5), seq1(0, 5, 5, 5), 0, 50, []Step{{0, 0}, {1, 1}, {2, 2}, {3, 3}}},
		// Band 1: row 2 may only use columns 1–3, all costing 25.
		{"band 1", seq1(0, 0, 0, 5), seq1(0, 5, 5, 5), 1, 25, []Step{{0, 0}, {1, 0}, {2, 1}, {3, 2}, {3, 3}}},
		// Band 2 reaches (2, 0) and (3, 1): free again.
		{"band 2", seq1(0, 0, 0, 5), seq1(0, 5, 5, 5), 2, 0, []Step{{0, 0}, {1, 0}, {2, 0}, {3, 1}, {3, 2}, {3, 3}}},
		// One element against three: every pair is matched, 1 + 0 + 4.
		{"1×3", seq1(1), seq1(0, 1, 3), -1, 5, []Step{{0, 0}, {0, 1}, {0, 2}}},
	}
	for _, c := range cases {
		dtw := DTW{Band: c.band}
		if got := dtw.Distance(c.a, c.b, nil); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: Distance = %g, want %g", c.name, got, c.want)
		}
		got, path := dtw.Path(c.a, c.b)
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: Path distance = %g, want %g", c.name, got, c.want)
		}
		if len(path) != len(c.path) {
			t.Errorf("%s: path %v, want %v", c.name, path, c.path)
			continue
		}
		for k := range path {
			if path[k] != c.path[k] {
				t.Errorf("%s: path %v, want %v", c.name, path, c.path)
				break
			}
		}
		tm := make([]float64, c.a.T*c.b.T)
		cost, reg := dtw.Align(tm, c.a, c.b, nil)
		if math.Abs(cost-c.want) > 1e-12 || reg != 0 {
			t.Errorf("%s: Align = %g, %g; want %g, 0", c.name, cost, reg, c.want)
		}
		ones := 0
		for _, v := range tm {
			if v == 1 {
				ones++
			} else if v != 0 {
				t.Errorf("%s: alignment value %g", c.name, v)
			}
		}
		if ones != len(c.path) {
			t.Errorf("%s: %d cells in the alignment matrix, path has %d", c.name, ones, len(c.path))
		}
	}
}

// inBand is the band of the DTW doc comment, written directly.
func inBand(i, j, n, m, w int) bool {
	if w < 0 {
		return true
	}
	if n != m && w < 1 {
		w = 1
	}
	return abs(j*(n-1)-i*(m-1)) <= w*max(n-1, m-1)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// bruteDTW enumerates every warping path inside the band.
func bruteDTW(a, b Seq, w int) float64 {
	n, m := a.T, b.T
	var walk func(i, j int) float64
	walk = func(i, j int) float64 {
		if !inBand(i, j, n, m, w) {
			return math.Inf(1)
		}
		c := sqDist(a.At(i), b.At(j))
		if i == n-1 && j == m-1 {
			return c
		}
		best := math.Inf(1)
		if i+1 < n && j+1 < m {
			best = min(best, walk(i+1, j+1))
		}
		if i+1 < n {
			best = min(best, walk(i+1, j))
		}
		if j+1 < m {
			best = min(best, walk(i, j+1))
		}
		return c + best
	}
	return walk(0, 0)
}

func TestDTWBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var w Work // reused across sizes and bands on purpose
	for trial := 0; trial < 300; trial++ {
		n, m, d := 1+rng.IntN(6), 1+rng.IntN(6), 1+rng.IntN(3)
		band := rng.IntN(5) - 1
		a, b := randSeq(rng, n, d), randSeq(rng, m, d)
		want := bruteDTW(a, b, band)
		dtw := DTW{Band: band}
		got := dtw.Distance(a, b, &w)
		if math.IsInf(want, 1) || math.Abs(got-want) > 1e-12*max(1, want) {
			t.Fatalf("%d×%d band %d: Distance = %g, brute force %g", n, m, band, got, want)
		}
		pd, path := dtw.Path(a, b)
		if math.Abs(pd-want) > 1e-12*max(1, want) {
			t.Fatalf("%d×%d band %d: Path distance = %g, brute force %g", n, m, band, pd, want)
		}
		// The path is a warping path inside the band and costs the distance.
		var sum float64
		for k, s := range path {
			if !inBand(s.I, s.J, n, m, band) {
				t.Fatalf("%d×%d band %d: path %v leaves the band at %v", n, m, band, path, s)
			}
			if k > 0 {
				di, dj := s.I-path[k-1].I, s.J-path[k-1].J
				if di < 0 || dj < 0 || di > 1 || dj > 1 || di+dj == 0 {
					t.Fatalf("%d×%d: bad step in path %v", n, m, path)
				}
			}
			sum += sqDist(a.At(s.I), b.At(s.J))
		}
		if path[0] != (Step{0, 0}) || path[len(path)-1] != (Step{n - 1, m - 1}) || math.Abs(sum-want) > 1e-12*max(1, want) {
			t.Fatalf("%d×%d band %d: path %v costs %g, want %g from (0,0) to the end", n, m, band, path, sum, want)
		}
	}
}

func TestDTWSymmetryAndSelf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var w Work
	for trial := 0; trial < 100; trial++ {
		n, m := 1+rng.IntN(40), 1+rng.IntN(40)
		a, b := randSeq(rng, n, 9), randSeq(rng, m, 9)
		for _, band := range []int{-1, 0, 1, 3, 10} {
			dtw := DTW{Band: band}
			ab, ba := dtw.Distance(a, b, &w), dtw.Distance(b, a, &w)
			if math.Abs(ab-ba) > 1e-12*ab {
				t.Errorf("%d×%d band %d: d(a,b) = %.17g, d(b,a) = %.17g", n, m, band, ab, ba)
			}
			if s := dtw.Distance(a, a, &w); s != 0 {
				t.Errorf("%d band %d: d(a,a) = %g", n, band, s)
			}
		}
	}
}

func TestDTWPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"empty":     func() { DTW{}.Distance(Seq{D: 1}, seq1(1), nil) },
		"dimension": func() { DTW{}.Distance(seqN(2, 1, 2), seq1(1), nil) },
		"align len": func() { DTW{}.Align(make([]float64, 3), seq1(1, 2), seq1(1, 2), nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// The cost kernels (sqDist, the unrolled 9-channel loop and the SIMD kernel
// of GOEXPERIMENT=simd builds) must agree bit for bit, so that distances do
// not depend on the build.
func TestCostKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		d, m := 1+rng.IntN(20), 1+rng.IntN(30)
		if trial%3 == 0 {
			d = 9
		}
		a, b := randSeq(rng, 1, d), randSeq(rng, m, d)
		want := make([]float64, m)
		for j := range want {
			want[j] = sqDist(a.X, b.At(j))
		}
		got := make([]float64, m)
		costRow(got, a.X, b.X, d)
		for j := range got {
			if got[j] != want[j] {
				t.Fatalf("d=%d: costRow[%d] = %.17g, sqDist %.17g", d, j, got[j], want[j])
			}
		}
		if simdCostBlocks == nil || m < 4 {
			continue
		}
		mb := m / 4
		blk := blockLayout(nil, b, mb)
		jb0 := rng.IntN(mb)
		got = make([]float64, m)
		simdCostBlocks(got, a.X, blk, jb0, mb)
		for j := 4 * jb0; j < 4*mb; j++ {
			if got[j] != want[j] {
				t.Fatalf("d=%d m=%d: SIMD cost of column %d = %.17g, sqDist %.17g", d, m, j, got[j], want[j])
			}
		}
	}
	t.Logf("SIMD kernel present: %v", simdCostBlocks != nil)
}
