//go:build goexperiment.simd && amd64

package model

// AVX2+FMA kernels for float32, written with the experimental
// simd/archsimd package of Go 1.26: built only with GOEXPERIMENT=simd
// (build.sh sets it for the CLI and tests both builds), used only when the
// CPU has AVX2 and FMA. They compute the same sums as the generic loops in
// a different order (fused multiply-adds), so float32 results differ from
// the generic ones by rounding only.

import "simd/archsimd"

func init() {
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		simdGemmNN = gemmNN32
		simdGemmTN = gemmTN32
		simdSigmoid = sigmoid32
		simdTanh = tanh32
	}
}

// gemmNN32 is gemmNN for float32.
func gemmNN32(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if n%8 != 0 {
		gemmNNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	gemm32(m, n, k, a, lda, 1, b, ldb, c, ldc)
}

// gemmTN32 is gemmTN for float32.
func gemmTN32(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if n%8 != 0 {
		gemmTNGeneric(m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	gemm32(m, n, k, a, 1, lda, b, ldb, c, ldc)
}

// gemm32 computes C[m×n] += A·B with A(i,p) = a[i·sai + p·sap], for n a
// multiple of 8: blocks of 4 rows × 16 columns held in 8 registers.
func gemm32(m, n, k int, a []float32, sai, sap int, b []float32, ldb int, c []float32, ldc int) {
	i := 0
	for ; i+4 <= m; i += 4 {
		j := 0
		for ; j+16 <= n; j += 16 {
			c0, c1, c2, c3 := c[i*ldc+j:], c[(i+1)*ldc+j:], c[(i+2)*ldc+j:], c[(i+3)*ldc+j:]
			x00, x01 := archsimd.LoadFloat32x8Slice(c0), archsimd.LoadFloat32x8Slice(c0[8:])
			x10, x11 := archsimd.LoadFloat32x8Slice(c1), archsimd.LoadFloat32x8Slice(c1[8:])
			x20, x21 := archsimd.LoadFloat32x8Slice(c2), archsimd.LoadFloat32x8Slice(c2[8:])
			x30, x31 := archsimd.LoadFloat32x8Slice(c3), archsimd.LoadFloat32x8Slice(c3[8:])
			ai := i * sai
			for p := 0; p < k; p++ {
				bp := b[p*ldb+j : p*ldb+j+16]
				b0, b1 := archsimd.LoadFloat32x8Slice(bp), archsimd.LoadFloat32x8Slice(bp[8:])
				o := ai + p*sap
				a0 := archsimd.BroadcastFloat32x8(a[o])
				a1 := archsimd.BroadcastFloat32x8(a[o+sai])
				a2 := archsimd.BroadcastFloat32x8(a[o+2*sai])
				a3 := archsimd.BroadcastFloat32x8(a[o+3*sai])
				x00, x01 = a0.MulAdd(b0, x00), a0.MulAdd(b1, x01)
				x10, x11 = a1.MulAdd(b0, x10), a1.MulAdd(b1, x11)
				x20, x21 = a2.MulAdd(b0, x20), a2.MulAdd(b1, x21)
				x30, x31 = a3.MulAdd(b0, x30), a3.MulAdd(b1, x31)
			}
			x00.StoreSlice(c0)
			x01.StoreSlice(c0[8:])
			x10.StoreSlice(c1)
			x11.StoreSlice(c1[8:])
			x20.StoreSlice(c2)
			x21.StoreSlice(c2[8:])
			x30.StoreSlice(c3)
			x31.StoreSlice(c3[8:])
		}
		for ; j < n; j += 8 {
			c0, c1, c2, c3 := c[i*ldc+j:], c[(i+1)*ldc+j:], c[(i+2)*ldc+j:], c[(i+3)*ldc+j:]
			x0, x1 := archsimd.LoadFloat32x8Slice(c0), archsimd.LoadFloat32x8Slice(c1)
			x2, x3 := archsimd.LoadFloat32x8Slice(c2), archsimd.LoadFloat32x8Slice(c3)
			ai := i * sai
			for p := 0; p < k; p++ {
				b0 := archsimd.LoadFloat32x8Slice(b[p*ldb+j:])
				o := ai + p*sap
				x0 = archsimd.BroadcastFloat32x8(a[o]).MulAdd(b0, x0)
				x1 = archsimd.BroadcastFloat32x8(a[o+sai]).MulAdd(b0, x1)
				x2 = archsimd.BroadcastFloat32x8(a[o+2*sai]).MulAdd(b0, x2)
				x3 = archsimd.BroadcastFloat32x8(a[o+3*sai]).MulAdd(b0, x3)
			}
			x0.StoreSlice(c0)
			x1.StoreSlice(c1)
			x2.StoreSlice(c2)
			x3.StoreSlice(c3)
		}
	}
	for ; i < m; i++ {
		for j := 0; j < n; j += 8 {
			ci := c[i*ldc+j:]
			x := archsimd.LoadFloat32x8Slice(ci)
			for p := 0; p < k; p++ {
				x = archsimd.BroadcastFloat32x8(a[i*sai+p*sap]).MulAdd(archsimd.LoadFloat32x8Slice(b[p*ldb+j:]), x)
			}
			x.StoreSlice(ci)
		}
	}
	archsimd.ClearAVXUpperBits()
}

// The exponential below (expBody, written out in each loop because a call
// inside the loop would cost more than the loop: see simdNote) is the
// vector twin of Expf: same range reduction and polynomial, with fused
// multiply-adds.
//
// simdNote: every function here ends with ClearAVXUpperBits. On the
// machines we measured, an SSE instruction (Go's scalar float code) after
// 256-bit AVX code with dirty upper register halves costs ≈ 110 ns; a call
// inside a vector loop brings Go's scalar register setup into the loop.

// sigmoid32 sets dst[i] = σ(src[i]) = 1/(1+e^{−x}).
func sigmoid32(dst, src []float32) {
	one := archsimd.BroadcastFloat32x8(1)
	zero := archsimd.BroadcastFloat32x8(0)
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		X := zero.Sub(archsimd.LoadFloat32x8Slice(src[i:]))
		// e = exp(X) (expBody).
		X = X.Min(archsimd.BroadcastFloat32x8(88.3762626647949)).Max(archsimd.BroadcastFloat32x8(-87.3365478515625))
		fx := X.MulAdd(archsimd.BroadcastFloat32x8(1.44269504088896341), archsimd.BroadcastFloat32x8(0.5)).Floor()
		X = fx.MulAdd(archsimd.BroadcastFloat32x8(-0.693359375), X)
		X = fx.MulAdd(archsimd.BroadcastFloat32x8(2.12194440e-4), X)
		zz := X.Mul(X)
		y := archsimd.BroadcastFloat32x8(1.9875691500e-4)
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(1.3981999507e-3))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(8.3334519073e-3))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(4.1665795894e-2))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(1.6666665459e-1))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(5.0000001201e-1))
		y = y.MulAdd(zz, X.Add(one))
		e := y.Mul(fx.ConvertToInt32().Add(archsimd.BroadcastInt32x8(127)).ShiftAllLeft(23).AsFloat32x8())
		one.Div(one.Add(e)).StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(dst); i++ {
		dst[i] = 1 / (1 + Expf(-src[i]))
	}
}

// tanh32 sets dst[i] = tanh(src[i]): the odd polynomial of Tanhf for
// |x| < 0.625, 1 − 2/(e^{2|x|}+1) with the sign of x above.
func tanh32(dst, src []float32) {
	one := archsimd.BroadcastFloat32x8(1)
	two := archsimd.BroadcastFloat32x8(2)
	zero := archsimd.BroadcastFloat32x8(0)
	small := archsimd.BroadcastFloat32x8(0.625)
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		x := archsimd.LoadFloat32x8Slice(src[i:])
		a := x.Max(zero.Sub(x))
		// Large |x|: 1 − 2/(e^{2a}+1), sign restored below.
		X := a.Add(a)
		// e = exp(X) (expBody).
		X = X.Min(archsimd.BroadcastFloat32x8(88.3762626647949)).Max(archsimd.BroadcastFloat32x8(-87.3365478515625))
		fx := X.MulAdd(archsimd.BroadcastFloat32x8(1.44269504088896341), archsimd.BroadcastFloat32x8(0.5)).Floor()
		X = fx.MulAdd(archsimd.BroadcastFloat32x8(-0.693359375), X)
		X = fx.MulAdd(archsimd.BroadcastFloat32x8(2.12194440e-4), X)
		zz := X.Mul(X)
		y := archsimd.BroadcastFloat32x8(1.9875691500e-4)
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(1.3981999507e-3))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(8.3334519073e-3))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(4.1665795894e-2))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(1.6666665459e-1))
		y = y.MulAdd(X, archsimd.BroadcastFloat32x8(5.0000001201e-1))
		y = y.MulAdd(zz, X.Add(one))
		e := y.Mul(fx.ConvertToInt32().Add(archsimd.BroadcastInt32x8(127)).ShiftAllLeft(23).AsFloat32x8())
		big := one.Sub(two.Div(e.Add(one)))
		big = zero.Sub(big).Merge(big, x.Less(zero))
		// Small |x|: x + x·z·P(z).
		z := x.Mul(x)
		p := archsimd.BroadcastFloat32x8(-5.70498872745e-3)
		p = p.MulAdd(z, archsimd.BroadcastFloat32x8(2.06390887954e-2))
		p = p.MulAdd(z, archsimd.BroadcastFloat32x8(-5.37397155531e-2))
		p = p.MulAdd(z, archsimd.BroadcastFloat32x8(1.33314422036e-1))
		p = p.MulAdd(z, archsimd.BroadcastFloat32x8(-3.33332819422e-1))
		sm := x.Mul(z).MulAdd(p, x)
		sm.Merge(big, a.Less(small)).StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(dst); i++ {
		dst[i] = Tanhf(src[i])
	}
}

func init() {
	if simdGemmNN == nil {
		return
	}
	simdPreRZ = preRZ32
	simdPreN = preN32
	simdMixFwd = mixFwd32
	simdGRUFwd = gruFwd32
	simdMixBwd = mixBwd32
	simdGRUBwd = gruBwd32
	simdGateBwd = gateBwd32
	simdSumPairs = sumPairs32
	simdAddPairs = addPairs32
}

// The element-wise kernels of cell.go on 8 lanes; Hp is a multiple of 8.

type vec = archsimd.Float32x8

func ld(s []float32) vec { return archsimd.LoadFloat32x8Slice(s) }
func bc(x float32) vec   { return archsimd.BroadcastFloat32x8(x) }

func preRZ32(rz, _, _, gi, gh []float32, seq []int32, t, T, Hp, G int) {
	for r := range seq {
		gir := gi[(int(seq[r])*T+t)*G:][:2*Hp]
		ghr := gh[r*G:][:2*Hp]
		a := rz[r*2*Hp:][:2*Hp]
		for j := 0; j < 2*Hp; j += 8 {
			ld(gir[j:]).Add(ld(ghr[j:])).StoreSlice(a[j:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func preN32(nn, ghn, rz, gi, gh []float32, seq []int32, t, T, Hp, G int) {
	for r := range seq {
		gn := gi[(int(seq[r])*T+t)*G+2*Hp:][:Hp]
		ghnr := gh[r*G+2*Hp:][:Hp]
		rr := rz[r*2*Hp:][:Hp]
		an := nn[r*Hp:][:Hp]
		gd := ghn[r*Hp:][:Hp]
		for j := 0; j < Hp; j += 8 {
			g := ld(ghnr[j:])
			g.StoreSlice(gd[j:])
			ld(rr[j:]).MulAdd(g, ld(gn[j:])).StoreSlice(an[j:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func mixFwd32(h, rz, nn, c []float32, P, Hp int) {
	one := bc(1)
	for p := 0; p < P; p++ {
		z1, n1 := rz[p*2*Hp+Hp:][:Hp], nn[p*Hp:][:Hp]
		z2, n2 := rz[(p+P)*2*Hp+Hp:][:Hp], nn[(p+P)*Hp:][:Hp]
		h1, h2 := h[p*Hp:][:Hp], h[(p+P)*Hp:][:Hp]
		cp := c[p*Hp:][:Hp]
		for k := 0; k < Hp; k += 8 {
			cc := ld(cp[k:])
			ac := one.Sub(cc)
			a, b := ld(n1[k:]), ld(n2[k:])
			// No fused multiply-add here: (1−c)·n + c·n' must be the
			// same sum in both branches (bitwise equal at c = 0.5).
			nt1 := ac.Mul(a).Add(cc.Mul(b))
			nt2 := ac.Mul(b).Add(cc.Mul(a))
			x1, x2 := ld(h1[k:]), ld(h2[k:])
			ld(z1[k:]).MulAdd(x1.Sub(nt1), nt1).StoreSlice(h1[k:])
			ld(z2[k:]).MulAdd(x2.Sub(nt2), nt2).StoreSlice(h2[k:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func gruFwd32(h, rz, nn []float32, R, Hp int) {
	for r := 0; r < R; r++ {
		z, n := rz[r*2*Hp+Hp:][:Hp], nn[r*Hp:][:Hp]
		hr := h[r*Hp:][:Hp]
		for k := 0; k < Hp; k += 8 {
			nv := ld(n[k:])
			ld(z[k:]).MulAdd(ld(hr[k:]).Sub(nv), nv).StoreSlice(hr[k:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func mixBwd32(dh, dhp, dz, dn, dac, hp, rz, nn, c []float32, P, Hp int) {
	one := bc(1)
	for p := 0; p < P; p++ {
		i1, i2 := p*Hp, (p+P)*Hp
		z1s, n1s := rz[p*2*Hp+Hp:][:Hp], nn[i1:][:Hp]
		z2s, n2s := rz[(p+P)*2*Hp+Hp:][:Hp], nn[i2:][:Hp]
		for k := 0; k < Hp; k += 8 {
			z1, n1, z2, n2 := ld(z1s[k:]), ld(n1s[k:]), ld(z2s[k:]), ld(n2s[k:])
			cc := ld(c[p*Hp+k:])
			ac := one.Sub(cc)
			nt1 := ac.Mul(n1).Add(cc.Mul(n2))
			nt2 := ac.Mul(n2).Add(cc.Mul(n1))
			dh1, dh2 := ld(dh[i1+k:]), ld(dh[i2+k:])
			dnt1 := dh1.Mul(one.Sub(z1))
			dnt2 := dh2.Mul(one.Sub(z2))
			dh1.Mul(ld(hp[i1+k:]).Sub(nt1)).StoreSlice(dz[i1+k:])
			dh2.Mul(ld(hp[i2+k:]).Sub(nt2)).StoreSlice(dz[i2+k:])
			dh1.Mul(z1).StoreSlice(dhp[i1+k:])
			dh2.Mul(z2).StoreSlice(dhp[i2+k:])
			dd := dnt2.Sub(dnt1)
			cc.MulAdd(dd, dnt1).StoreSlice(dn[i1+k:])
			cc.Mul(dd).Sub(dnt2).Mul(bc(-1)).StoreSlice(dn[i2+k:]) // dnt2 − c(dnt2 − dnt1)
			dnt1.Sub(dnt2).Mul(n2.Sub(n1)).Mul(cc.Mul(ac)).StoreSlice(dac[p*Hp+k:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func gruBwd32(dh, dhp, dz, dn, hp, rz, nn []float32, R, Hp int) {
	one := bc(1)
	for r := 0; r < R; r++ {
		for k := 0; k < Hp; k += 8 {
			i := r*Hp + k
			z, n, d := ld(rz[r*2*Hp+Hp+k:]), ld(nn[i:]), ld(dh[i:])
			d.Mul(one.Sub(z)).StoreSlice(dn[i:])
			d.Mul(ld(hp[i:]).Sub(n)).StoreSlice(dz[i:])
			d.Mul(z).StoreSlice(dhp[i:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func gateBwd32(dgh, dgi, dn, dz, rz, nn, ghn []float32, seq []int32, t, T, Hp, G int) {
	one := bc(1)
	for r := range seq {
		a := rz[r*2*Hp:][:2*Hp]
		d := dgh[r*G:][:G]
		dg := dgi[(int(seq[r])*T+t)*G:][:G]
		for k := 0; k < Hp; k += 8 {
			i := r*Hp + k
			rr, z, n := ld(a[k:]), ld(a[Hp+k:]), ld(nn[i:])
			dan := ld(dn[i:]).Mul(one.Sub(n.Mul(n)))
			dar := dan.Mul(ld(ghn[i:])).Mul(rr.Mul(one.Sub(rr)))
			daz := ld(dz[i:]).Mul(z.Mul(one.Sub(z)))
			dar.StoreSlice(d[k:])
			daz.StoreSlice(d[Hp+k:])
			dan.Mul(rr).StoreSlice(d[2*Hp+k:])
			ld(dg[k:]).Add(dar).StoreSlice(dg[k:])
			ld(dg[Hp+k:]).Add(daz).StoreSlice(dg[Hp+k:])
			ld(dg[2*Hp+k:]).Add(dan).StoreSlice(dg[2*Hp+k:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

func sumPairs32(s, hp []float32, P, Hp int) {
	n := P * Hp
	for i := 0; i < n; i += 8 {
		ld(hp[i:]).Add(ld(hp[n+i:])).StoreSlice(s[i:])
	}
	archsimd.ClearAVXUpperBits()
}

func addPairs32(dhp, ds []float32, P, Hp int) {
	n := P * Hp
	for i := 0; i < n; i += 8 {
		d := ld(ds[i:])
		ld(dhp[i:]).Add(d).StoreSlice(dhp[i:])
		ld(dhp[n+i:]).Add(d).StoreSlice(dhp[n+i:])
	}
	archsimd.ClearAVXUpperBits()
}
