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

// gemmNNGeneric keeps eight sums of a row of C in locals (registers) over
// the whole of k, starting from C's values and adding the products in the
// order of p, so its results are those of the plain triple loop; in
// WebAssembly, where these loops run, that is three times faster than
// streaming C row by row.
func gemmNNGeneric[F Float](m, n, k int, a []F, lda int, b []F, ldb int, c []F, ldc int) {
	j := 0
	for ; j+8 <= n; j += 8 {
		for i := 0; i < m; i++ {
			ai := a[i*lda : i*lda+k]
			cc := c[i*ldc+j : i*ldc+j+8 : i*ldc+j+8]
			s0, s1, s2, s3, s4, s5, s6, s7 := cc[0], cc[1], cc[2], cc[3], cc[4], cc[5], cc[6], cc[7]
			off := j
			for _, av := range ai {
				bb := b[off : off+8 : off+8]
				s0 += av * bb[0]
				s1 += av * bb[1]
				s2 += av * bb[2]
				s3 += av * bb[3]
				s4 += av * bb[4]
				s5 += av * bb[5]
				s6 += av * bb[6]
				s7 += av * bb[7]
				off += ldb
			}
			cc[0], cc[1], cc[2], cc[3], cc[4], cc[5], cc[6], cc[7] = s0, s1, s2, s3, s4, s5, s6, s7
		}
	}
	if j == n {
		return
	}
	for i := 0; i < m; i++ {
		ci := c[i*ldc+j : i*ldc+n]
		for p, av := range a[i*lda : i*lda+k] {
			bp := b[p*ldb+j : p*ldb+n]
			for jj := range ci {
				ci[jj] += av * bp[jj]
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

// gemmTNGeneric is blocked as gemmNNGeneric: eight sums of a row of C
// in locals, products added in the order of p.
func gemmTNGeneric[F Float](m, n, k int, a []F, lda int, b []F, ldb int, c []F, ldc int) {
	j := 0
	for ; j+8 <= n; j += 8 {
		for i := 0; i < m; i++ {
			cc := c[i*ldc+j : i*ldc+j+8 : i*ldc+j+8]
			s0, s1, s2, s3, s4, s5, s6, s7 := cc[0], cc[1], cc[2], cc[3], cc[4], cc[5], cc[6], cc[7]
			aoff, boff := i, j
			for p := 0; p < k; p++ {
				av := a[aoff]
				bb := b[boff : boff+8 : boff+8]
				s0 += av * bb[0]
				s1 += av * bb[1]
				s2 += av * bb[2]
				s3 += av * bb[3]
				s4 += av * bb[4]
				s5 += av * bb[5]
				s6 += av * bb[6]
				s7 += av * bb[7]
				aoff += lda
				boff += ldb
			}
			cc[0], cc[1], cc[2], cc[3], cc[4], cc[5], cc[6], cc[7] = s0, s1, s2, s3, s4, s5, s6, s7
		}
	}
	if j == n {
		return
	}
	for p := 0; p < k; p++ {
		ap := a[p*lda : p*lda+m]
		bp := b[p*ldb+j : p*ldb+n]
		for i, av := range ap {
			ci := c[i*ldc+j : i*ldc+n]
			for jj := range ci {
				ci[jj] += av * bp[jj]
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
