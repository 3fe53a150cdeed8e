package model

// Element-wise parts of a step of a block (see gru.go), one function per
// phase so that float32 can run them as SIMD code (kernels_simd.go). Rows
// r < R, pairs p < P (rows p and p+P), lanes k < Hp; gi is [N][T][G] and
// row r reads sequence seq[r] at step t.

// cellKernels are the float32 SIMD versions, set by kernels_simd.go.
var (
	simdPreRZ, simdPreN func(dst, ghn, rz, gi, gh []float32, seq []int32, t, T, Hp, G int)
	simdMixFwd          func(h, rz, nn, c []float32, P, Hp int)
	simdGRUFwd          func(h, rz, nn []float32, R, Hp int)
	simdMixBwd          func(dh, dhp, dz, dn, dac, hp, rz, nn, c []float32, P, Hp int)
	simdGRUBwd          func(dh, dhp, dz, dn, hp, rz, nn []float32, R, Hp int)
	simdGateBwd         func(dgh, dgi, dn, dz, rz, nn, ghn []float32, seq []int32, t, T, Hp, G int)
	simdSumPairs        func(s, hp []float32, P, Hp int)
	simdAddPairs        func(dhp, ds []float32, P, Hp int)
)

// preRZ sets the pre-activations of r and z: rz[r] = gi_rz + gh_rz.
func preRZ[F Float](rz, gi, gh []F, seq []int32, t, T, Hp, G int) {
	if f, ok := any(rz).([]float32); ok && simdPreRZ != nil {
		simdPreRZ(f, nil, nil, any(gi).([]float32), any(gh).([]float32), seq, t, T, Hp, G)
		return
	}
	for r := range seq {
		gir := gi[(int(seq[r])*T+t)*G:][:2*Hp]
		ghr := gh[r*G:][:2*Hp]
		a := rz[r*2*Hp:][:2*Hp]
		for j := range a {
			a[j] = gir[j] + ghr[j]
		}
	}
}

// preN keeps ghn = gh_n and sets the pre-activation of n:
// nn = gi_n + r ⊙ gh_n (rz holds r already).
func preN[F Float](nn, ghn, rz, gi, gh []F, seq []int32, t, T, Hp, G int) {
	if f, ok := any(nn).([]float32); ok && simdPreN != nil {
		simdPreN(f, any(ghn).([]float32), any(rz).([]float32), any(gi).([]float32), any(gh).([]float32), seq, t, T, Hp, G)
		return
	}
	for r := range seq {
		gn := gi[(int(seq[r])*T+t)*G+2*Hp:][:Hp]
		ghnr := gh[r*G+2*Hp:][:Hp]
		rr := rz[r*2*Hp:][:Hp]
		an := nn[r*Hp:][:Hp]
		copy(ghn[r*Hp:(r+1)*Hp], ghnr)
		for j := range an {
			an[j] = gn[j] + rr[j]*ghnr[j]
		}
	}
}

// mixFwd is the coupled update of P pairs: ñ = (1−c)n + c·n',
// ñ' = (1−c)n' + c·n, h = ñ + z(h − ñ), h' = ñ' + z'(h' − ñ'). The form of
// ñ makes c = 0.5 give bitwise equal ñ and ñ', and c = 0 exactly n.
func mixFwd[F Float](h, rz, nn, c []F, P, Hp int) {
	if f, ok := any(h).([]float32); ok && simdMixFwd != nil {
		simdMixFwd(f, any(rz).([]float32), any(nn).([]float32), any(c).([]float32), P, Hp)
		return
	}
	for p := 0; p < P; p++ {
		z1, n1 := rz[p*2*Hp+Hp:][:Hp], nn[p*Hp:][:Hp]
		z2, n2 := rz[(p+P)*2*Hp+Hp:][:Hp], nn[(p+P)*Hp:][:Hp]
		h1, h2 := h[p*Hp:][:Hp], h[(p+P)*Hp:][:Hp]
		cp := c[p*Hp:][:Hp]
		for k := 0; k < Hp; k++ {
			cc, ac := cp[k], 1-cp[k]
			nt1 := ac*n1[k] + cc*n2[k]
			nt2 := ac*n2[k] + cc*n1[k]
			h1[k] = nt1 + z1[k]*(h1[k]-nt1)
			h2[k] = nt2 + z2[k]*(h2[k]-nt2)
		}
	}
}

// gruFwd is the GRU update of R rows: h = n + z(h − n).
func gruFwd[F Float](h, rz, nn []F, R, Hp int) {
	if f, ok := any(h).([]float32); ok && simdGRUFwd != nil {
		simdGRUFwd(f, any(rz).([]float32), any(nn).([]float32), R, Hp)
		return
	}
	for r := 0; r < R; r++ {
		z, n := rz[r*2*Hp+Hp:][:Hp], nn[r*Hp:][:Hp]
		hr := h[r*Hp:][:Hp]
		for k := range hr {
			hr[k] = n[k] + z[k]*(hr[k]-n[k])
		}
	}
}

// mixBwd is the backward of mixFwd: from dh (dL/dh_t) it sets dhp to the
// direct part of dL/dh_{t−1} (through z), dz, dn (through both ñ) and dac
// (dL/d pre-activation of c). hp is h_{t−1}.
func mixBwd[F Float](dh, dhp, dz, dn, dac, hp, rz, nn, c []F, P, Hp int) {
	if f, ok := any(dh).([]float32); ok && simdMixBwd != nil {
		simdMixBwd(f, any(dhp).([]float32), any(dz).([]float32), any(dn).([]float32), any(dac).([]float32),
			any(hp).([]float32), any(rz).([]float32), any(nn).([]float32), any(c).([]float32), P, Hp)
		return
	}
	for p := 0; p < P; p++ {
		i1, i2 := p*Hp, (p+P)*Hp
		z1s, n1s := rz[p*2*Hp+Hp:][:Hp], nn[i1:][:Hp]
		z2s, n2s := rz[(p+P)*2*Hp+Hp:][:Hp], nn[i2:][:Hp]
		for k := 0; k < Hp; k++ {
			z1, n1 := z1s[k], n1s[k]
			z2, n2 := z2s[k], n2s[k]
			cc := c[p*Hp+k]
			nt1 := (1-cc)*n1 + cc*n2
			nt2 := (1-cc)*n2 + cc*n1
			dh1, dh2 := dh[i1+k], dh[i2+k]
			dnt1 := dh1 * (1 - z1)
			dnt2 := dh2 * (1 - z2)
			dz[i1+k] = dh1 * (hp[i1+k] - nt1)
			dz[i2+k] = dh2 * (hp[i2+k] - nt2)
			dhp[i1+k] = dh1 * z1
			dhp[i2+k] = dh2 * z2
			dn[i1+k] = dnt1 + cc*(dnt2-dnt1)
			dn[i2+k] = dnt2 + cc*(dnt1-dnt2)
			dac[p*Hp+k] = (dnt1 - dnt2) * (n2 - n1) * cc * (1 - cc)
		}
	}
}

// gruBwd is the backward of gruFwd.
func gruBwd[F Float](dh, dhp, dz, dn, hp, rz, nn []F, R, Hp int) {
	if f, ok := any(dh).([]float32); ok && simdGRUBwd != nil {
		simdGRUBwd(f, any(dhp).([]float32), any(dz).([]float32), any(dn).([]float32),
			any(hp).([]float32), any(rz).([]float32), any(nn).([]float32), R, Hp)
		return
	}
	for r := 0; r < R; r++ {
		for k := 0; k < Hp; k++ {
			i := r*Hp + k
			z, n := rz[r*2*Hp+Hp+k], nn[i]
			dn[i] = dh[i] * (1 - z)
			dz[i] = dh[i] * (hp[i] - n)
			dhp[i] = dh[i] * z
		}
	}
}

// gateBwd goes back through the gates of every row: dgh = [da_r, da_z,
// dgh_n] (for W_hh, b_hh and h_{t−1}), and adds [da_r, da_z, da_n] to the
// input projection's gradient dgi of the row's sequence at step t.
func gateBwd[F Float](dgh, dgi, dn, dz, rz, nn, ghn []F, seq []int32, t, T, Hp, G int) {
	if f, ok := any(dgh).([]float32); ok && simdGateBwd != nil {
		simdGateBwd(f, any(dgi).([]float32), any(dn).([]float32), any(dz).([]float32),
			any(rz).([]float32), any(nn).([]float32), any(ghn).([]float32), seq, t, T, Hp, G)
		return
	}
	for r := range seq {
		a := rz[r*2*Hp:][:2*Hp]
		d := dgh[r*G:][:G]
		dg := dgi[(int(seq[r])*T+t)*G:][:G]
		for k := 0; k < Hp; k++ {
			i := r*Hp + k
			rr, z, n := a[k], a[Hp+k], nn[i]
			dan := dn[i] * (1 - n*n)
			dar := dan * ghn[i] * rr * (1 - rr)
			daz := dz[i] * z * (1 - z)
			d[k], d[Hp+k], d[2*Hp+k] = dar, daz, dan*rr
			dg[k] += dar
			dg[Hp+k] += daz
			dg[2*Hp+k] += dan
		}
	}
}

// sumPairs sets s[p] = hp[p] + hp[p+P].
func sumPairs[F Float](s, hp []F, P, Hp int) {
	if f, ok := any(s).([]float32); ok && simdSumPairs != nil {
		simdSumPairs(f, any(hp).([]float32), P, Hp)
		return
	}
	for i := 0; i < P*Hp; i++ {
		s[i] = hp[i] + hp[P*Hp+i]
	}
}

// addPairs adds ds[p] to both dhp[p] and dhp[p+P].
func addPairs[F Float](dhp, ds []F, P, Hp int) {
	if f, ok := any(dhp).([]float32); ok && simdAddPairs != nil {
		simdAddPairs(f, any(ds).([]float32), P, Hp)
		return
	}
	for i := 0; i < P*Hp; i++ {
		dhp[i] += ds[i]
		dhp[P*Hp+i] += ds[i]
	}
}
