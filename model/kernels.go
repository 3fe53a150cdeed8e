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

// Kernels are float32 kernels from outside Go, for UseKernels. A nil
// field keeps the engine's own kernel.
type Kernels struct {
	// Gemm computes C[m×n] += A·B with A(i,p) = a[i·sai + p·sap] (sai =
	// lda, sap = 1 for C += A·B; sai = 1, sap = lda for C += Aᵀ·B), B [k×n]
	// with row stride ldb and C [m×n] with row stride ldc. It is called
	// with m, k ≥ 1, n a multiple of 8 and slices long enough for those
	// shapes (UseKernels checks).
	Gemm func(m, n, k int, a []float32, sai, sap int, b []float32, ldb int, c []float32, ldc int)
	// Sigmoid sets dst[i] = 1/(1 + e^(−src[i])) and Tanh dst[i] =
	// tanh(src[i]), computed as the engine's float32 functions compute
	// them (1/(1 + [Expf](−x)); [Tanhf]); len(dst) = len(src) is a multiple of 4
	// and at least 4.
	Sigmoid, Tanh func(dst, src []float32)
}

// UseKernels makes the float32 engine run on k's kernels where the shapes
// allow (and its portable loops elsewhere); the zero Kernels goes back to
// the kernels the build chose. It is for kernels that live outside Go: the
// web page's engine installs WebAssembly SIMD ones (wasm/kernels), which
// Go cannot emit. They must compute what the portable loops compute, in
// the same order (the products added in the order of p, no fused
// multiply-add), for the engine's results to stay the same. Call it before
// any engine runs; it is not safe to call while one does.
func UseKernels(k Kernels) {
	if !builtinSaved {
		builtin, builtinSaved = [4]any{simdGemmNN, simdGemmTN, simdSigmoid, simdTanh}, true
	}
	simdGemmNN, simdGemmTN = builtin[0].(func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)),
		builtin[1].(func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int))
	simdSigmoid, simdTanh = builtin[2].(func(dst, src []float32)), builtin[3].(func(dst, src []float32))
	if g := k.Gemm; g != nil {
		check := func(m, n, k int, a []float32, sai, sap int, b []float32, ldb int, c []float32, ldc int) bool {
			if m < 1 || k < 1 || n < 8 || n%8 != 0 {
				return false
			}
			// The last element each operand is read or written at:
			// slicing panics, as the portable loops would, when a slice
			// is too short.
			_ = a[(m-1)*sai+(k-1)*sap]
			_ = b[(k-1)*ldb+n-1]
			_ = c[(m-1)*ldc+n-1]
			return true
		}
		simdGemmNN = func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
			if check(m, n, k, a, lda, 1, b, ldb, c, ldc) {
				g(m, n, k, a, lda, 1, b, ldb, c, ldc)
				return
			}
			gemmNNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
		}
		simdGemmTN = func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
			if check(m, n, k, a, 1, lda, b, ldb, c, ldc) {
				g(m, n, k, a, 1, lda, b, ldb, c, ldc)
				return
			}
			gemmTNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
		}
	}
	// Element-wise kernels take the longest multiple of 4; the rest
	// goes through the Go functions.
	if f := k.Sigmoid; f != nil {
		simdSigmoid = func(dst, src []float32) {
			src = src[:len(dst)]
			n4 := len(dst) &^ 3
			if n4 > 0 {
				f(dst[:n4], src[:n4])
			}
			for i := n4; i < len(dst); i++ {
				dst[i] = 1 / (1 + Expf(-src[i]))
			}
		}
	}
	if f := k.Tanh; f != nil {
		simdTanh = func(dst, src []float32) {
			src = src[:len(dst)]
			n4 := len(dst) &^ 3
			if n4 > 0 {
				f(dst[:n4], src[:n4])
			}
			for i := n4; i < len(dst); i++ {
				dst[i] = Tanhf(src[i])
			}
		}
	}
}

// builtin holds the kernels the build chose (SIMD ones, or nil), saved by
// the first UseKernels.
var (
	builtin      [4]any
	builtinSaved bool
)
