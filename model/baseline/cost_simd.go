//go:build goexperiment.simd && amd64

package baseline

// AVX kernel of the ground costs, written with the experimental
// simd/archsimd package of Go 1.26: built only with GOEXPERIMENT=simd (as
// build.sh builds), used only when the CPU has AVX2. It adds the rounded
// squares in the order of sqDist with separate multiplies and adds (no
// fused multiply-add), so its costs are bit for bit those of the portable
// loops.

import "simd/archsimd"

func init() {
	if archsimd.X86.AVX2() {
		simdCostBlocks = costBlocks
		simdDot = dot4
		simdAxpy = axpy4
	}
}

// costBlocks writes ‖ai − b_j‖² for the columns j of blocks jb0 … jb1−1
// (four columns each) into dst[4·jb0 : 4·jb1], from b in the blocked layout
// of blockLayout.
func costBlocks(dst, ai, blk []float64, jb0, jb1 int) {
	d := len(ai)
	if d == 9 {
		costBlocks9(dst, ai, blk, jb0, jb1)
		return
	}
	for jb := jb0; jb < jb1; jb++ {
		bl := blk[jb*4*d : (jb+1)*4*d]
		var s0, s1, s2, s3 archsimd.Float64x4
		k := 0
		for ; k+4 <= d; k += 4 {
			v := bl[4*k : 4*k+16]
			e0 := archsimd.BroadcastFloat64x4(ai[k]).Sub(archsimd.LoadFloat64x4Slice(v[0:4]))
			e1 := archsimd.BroadcastFloat64x4(ai[k+1]).Sub(archsimd.LoadFloat64x4Slice(v[4:8]))
			e2 := archsimd.BroadcastFloat64x4(ai[k+2]).Sub(archsimd.LoadFloat64x4Slice(v[8:12]))
			e3 := archsimd.BroadcastFloat64x4(ai[k+3]).Sub(archsimd.LoadFloat64x4Slice(v[12:16]))
			s0 = s0.Add(e0.Mul(e0))
			s1 = s1.Add(e1.Mul(e1))
			s2 = s2.Add(e2.Mul(e2))
			s3 = s3.Add(e3.Mul(e3))
		}
		if k < d {
			e := archsimd.BroadcastFloat64x4(ai[k]).Sub(archsimd.LoadFloat64x4Slice(bl[4*k : 4*k+4]))
			s0 = s0.Add(e.Mul(e))
		}
		if k+1 < d {
			e := archsimd.BroadcastFloat64x4(ai[k+1]).Sub(archsimd.LoadFloat64x4Slice(bl[4*k+4 : 4*k+8]))
			s1 = s1.Add(e.Mul(e))
		}
		if k+2 < d {
			e := archsimd.BroadcastFloat64x4(ai[k+2]).Sub(archsimd.LoadFloat64x4Slice(bl[4*k+8 : 4*k+12]))
			s2 = s2.Add(e.Mul(e))
		}
		s0.Add(s1).Add(s2.Add(s3)).StoreSlice(dst[4*jb : 4*jb+4])
	}
}

// costBlocks9 is costBlocks for 9 components (UCI HAR), with the
// broadcasts of ai held in registers.
func costBlocks9(dst, ai, blk []float64, jb0, jb1 int) {
	ai = ai[:9]
	a0, a1, a2 := archsimd.BroadcastFloat64x4(ai[0]), archsimd.BroadcastFloat64x4(ai[1]), archsimd.BroadcastFloat64x4(ai[2])
	a3, a4, a5 := archsimd.BroadcastFloat64x4(ai[3]), archsimd.BroadcastFloat64x4(ai[4]), archsimd.BroadcastFloat64x4(ai[5])
	a6, a7, a8 := archsimd.BroadcastFloat64x4(ai[6]), archsimd.BroadcastFloat64x4(ai[7]), archsimd.BroadcastFloat64x4(ai[8])
	blk = blk[jb0*36 : jb1*36]
	out := dst[jb0*4 : jb1*4]
	for len(blk) >= 36 && len(out) >= 4 {
		v := blk[:36:36]
		e0 := a0.Sub(archsimd.LoadFloat64x4Slice(v[0:4]))
		e1 := a1.Sub(archsimd.LoadFloat64x4Slice(v[4:8]))
		e2 := a2.Sub(archsimd.LoadFloat64x4Slice(v[8:12]))
		e3 := a3.Sub(archsimd.LoadFloat64x4Slice(v[12:16]))
		s0, s1, s2, s3 := e0.Mul(e0), e1.Mul(e1), e2.Mul(e2), e3.Mul(e3)
		e4 := a4.Sub(archsimd.LoadFloat64x4Slice(v[16:20]))
		e5 := a5.Sub(archsimd.LoadFloat64x4Slice(v[20:24]))
		e6 := a6.Sub(archsimd.LoadFloat64x4Slice(v[24:28]))
		e7 := a7.Sub(archsimd.LoadFloat64x4Slice(v[28:32]))
		s0 = s0.Add(e4.Mul(e4))
		s1 = s1.Add(e5.Mul(e5))
		s2 = s2.Add(e6.Mul(e6))
		s3 = s3.Add(e7.Mul(e7))
		e8 := a8.Sub(archsimd.LoadFloat64x4Slice(v[32:36]))
		s0 = s0.Add(e8.Mul(e8))
		s0.Add(s1).Add(s2.Add(s3)).StoreSlice(out[:4])
		blk, out = blk[36:], out[4:]
	}
}

// dot4 is dot: lane r of the accumulator holds partial sum r.
func dot4(x, y []float64) float64 {
	y = y[:len(x)]
	var acc archsimd.Float64x4
	j := 0
	for ; j+4 <= len(x); j += 4 {
		p := archsimd.LoadFloat64x4Slice(x[j : j+4]).Mul(archsimd.LoadFloat64x4Slice(y[j : j+4]))
		acc = acc.Add(p)
	}
	var s [4]float64
	acc.Store(&s)
	for k := 0; j < len(x); j, k = j+1, k+1 {
		s[k] += float64(x[j] * y[j])
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// axpy4 is axpy.
func axpy4(y []float64, a float64, x []float64) {
	x = x[:len(y)]
	av := archsimd.BroadcastFloat64x4(a)
	j := 0
	for ; j+4 <= len(y); j += 4 {
		yj := y[j : j+4]
		archsimd.LoadFloat64x4Slice(yj).Add(av.Mul(archsimd.LoadFloat64x4Slice(x[j : j+4]))).StoreSlice(yj)
	}
	for ; j < len(y); j++ {
		y[j] += float64(a * x[j])
	}
}
