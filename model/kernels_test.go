package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestGenericGemm checks the blocked portable kernels against the plain
// triple loops they replace: the same sums in the same order, so the same
// bits, for shapes with and without a multiple of 8 columns, padded
// leading dimensions and a non-zero C to accumulate into. (Where the
// compiler fuses multiply-adds, arm64 for one, the two may round
// differently: there the test allows the rounding of a few operations.)
func TestGenericGemm(t *testing.T) {
	testGenericGemm[float32](t)
	testGenericGemm[float64](t)
}

func testGenericGemm[F Float](t *testing.T) {
	exact := runtime.GOARCH == "amd64" || runtime.GOARCH == "wasm"
	same := func(x, y F) bool {
		if exact {
			return x == y
		}
		return math.Abs(float64(x-y)) <= 1e-5*(1+math.Abs(float64(y)))
	}
	rng := rand.New(rand.NewPCG(7, 8))
	fill := func(n int) []F {
		s := make([]F, n)
		for i := range s {
			s[i] = F(rng.NormFloat64())
		}
		return s
	}
	for _, sh := range [][3]int{{1, 8, 1}, {3, 5, 7}, {32, 72, 24}, {16, 24, 24}, {5, 13, 0}, {4, 17, 9}, {24, 72, 32}, {2, 8, 3}} {
		m, n, k := sh[0], sh[1], sh[2]
		lda, ldb, ldc := k+2, n+3, n+1
		// NN: C[m×n] += A[m×k]·B[k×n].
		a, b, c := fill(m*lda+1), fill(k*ldb+1), fill(m*ldc)
		want := append([]F(nil), c...)
		for i := 0; i < m; i++ {
			for p := 0; p < k; p++ {
				for j := 0; j < n; j++ {
					want[i*ldc+j] += a[i*lda+p] * b[p*ldb+j]
				}
			}
		}
		gemmNNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
		for i := range want {
			if !same(c[i], want[i]) {
				t.Fatalf("%T gemmNN %v: C[%d] = %v, want %v", F(0), sh, i, c[i], want[i])
			}
		}
		// TN: C[m×n] += Aᵀ·B with A [k×m].
		ldaT := m + 2
		a, c = fill(k*ldaT+1), fill(m*ldc)
		want = append(want[:0], c...)
		for p := 0; p < k; p++ {
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					want[i*ldc+j] += a[p*ldaT+i] * b[p*ldb+j]
				}
			}
		}
		gemmTNGeneric(m, n, k, a, ldaT, b, ldb, c, ldc)
		for i := range want {
			if !same(c[i], want[i]) {
				t.Fatalf("%T gemmTN %v: C[%d] = %v, want %v", F(0), sh, i, c[i], want[i])
			}
		}
	}
}

// TestUseKernels installs outside kernels (plain Go ones here) and checks
// that the engine calls them, keeps its results, and goes back to the
// built-in kernels with UseKernels(Kernels{}).
func TestUseKernels(t *testing.T) {
	calls, elem := 0, 0
	UseKernels(Kernels{Gemm: func(m, n, k int, a []float32, sai, sap int, b []float32, ldb int, c []float32, ldc int) {
		calls++
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s := c[i*ldc+j]
				for p := 0; p < k; p++ {
					s += a[i*sai+p*sap] * b[p*ldb+j]
				}
				c[i*ldc+j] = s
			}
		}
	}, Sigmoid: func(dst, src []float32) {
		elem++
		if len(dst)%4 != 0 || len(dst) == 0 {
			t.Errorf("Sigmoid of %d values", len(dst))
		}
		for i, x := range src {
			dst[i] = 1 / (1 + Expf(-x))
		}
	}, Tanh: func(dst, src []float32) {
		elem++
		for i, x := range src {
			dst[i] = Tanhf(x)
		}
	}})
	net := NewNet[float32](CGRU, 3, 5)
	net.Init(1, CouplingPaper)
	rng := rand.New(rand.NewPCG(1, 2))
	x := NewSeqs[float32](6, 7, 3)
	for i := range x.X {
		x.X[i] = float32(rng.NormFloat64())
	}
	labels := []int{0, 1, 2, 0, 1, 2}
	grad := make([]float32, len(net.Params))
	l1, _ := (&CPU[float32]{Threads: 1}).LossGrad(net, x, labels, Contrastive{Margin: 1}, grad)
	if calls == 0 || elem == 0 || !SIMD() {
		t.Errorf("the outside kernels were called %d and %d times (SIMD() = %v)", calls, elem, SIMD())
	}
	UseKernels(Kernels{})
	n := calls
	grad2 := make([]float32, len(net.Params))
	l2, _ := (&CPU[float32]{Threads: 1}).LossGrad(net, x, labels, Contrastive{Margin: 1}, grad2)
	if calls != n {
		t.Errorf("UseKernels(Kernels{}): the outside kernel is still called")
	}
	if math.Abs(l1-l2) > 1e-6*math.Abs(l2) {
		t.Errorf("loss %v with the outside kernel, %v without", l1, l2)
	}
	for i := range grad {
		if d := math.Abs(float64(grad[i] - grad2[i])); d > 1e-5*(1+math.Abs(float64(grad2[i]))) {
			t.Fatalf("gradient %d: %v with the outside kernel, %v without", i, grad[i], grad2[i])
		}
	}
}
