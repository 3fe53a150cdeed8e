package model

// Dense kernels of the engine, on row-major matrices with leading
// dimensions. They accumulate (C += …): zeroing is the caller's job. The
// float32 versions dispatch to SIMD code where the build has it (see
// kernels_simd.go); these generic loops are the reference and the
// fallback (js/wasm, float64, builds without GOEXPERIMENT=simd).

// gemmNN computes C[m×n] += A[m×k]·B[k×n].
func gemmNN[F Float](m, n, k int, a []F, lda int, b []F, ldb int, c []F, ldc int) {
	if f, ok := any(a).([]float32); ok && simdGemmNN != nil {
		simdGemmNN(m, n, k, f, lda, any(b).([]float32), ldb, any(c).([]float32), ldc)
		return
	}
	gemmNNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
}

func gemmNNGeneric[F Float](m, n, k int, a []F, lda int, b []F, ldb int, c []F, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		ai := a[i*lda : i*lda+k]
		for p, av := range ai {
			if av == 0 {
				continue
			}
			bp := b[p*ldb : p*ldb+n]
			for j := range ci {
				ci[j] += av * bp[j]
			}
		}
	}
}

// gemmTN computes C[m×n] += Aᵀ·B where A is [k×m] and B is [k×n].
func gemmTN[F Float](m, n, k int, a []F, lda int, b []F, ldb int, c []F, ldc int) {
	if f, ok := any(a).([]float32); ok && simdGemmTN != nil {
		simdGemmTN(m, n, k, f, lda, any(b).([]float32), ldb, any(c).([]float32), ldc)
		return
	}
	gemmTNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
}

func gemmTNGeneric[F Float](m, n, k int, a []F, lda int, b []F, ldb int, c []F, ldc int) {
	for p := 0; p < k; p++ {
		ap := a[p*lda : p*lda+m]
		bp := b[p*ldb : p*ldb+n]
		for i, av := range ap {
			if av == 0 {
				continue
			}
			ci := c[i*ldc : i*ldc+n]
			for j := range ci {
				ci[j] += av * bp[j]
			}
		}
	}
}

// colSumAdd adds the column sums of A[m×n] to dst[n].
func colSumAdd[F Float](dst []F, m, n int, a []F, lda int) {
	dst = dst[:n]
	for i := 0; i < m; i++ {
		ai := a[i*lda : i*lda+n]
		for j, v := range ai {
			dst[j] += v
		}
	}
}

// SIMD kernels for float32, set by kernels_simd.go when the CPU has them.
var (
	simdGemmNN            func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	simdGemmTN            func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	simdSigmoid, simdTanh func(dst, src []float32)
)

// SIMD reports whether the float32 kernels run on SIMD instructions
// (a GOEXPERIMENT=simd build on a CPU with AVX2 and FMA).
func SIMD() bool { return simdGemmNN != nil }
