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
