//go:build goexperiment.simd && amd64

package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// withoutSIMD runs f with every SIMD kernel switched off.
func withoutSIMD(f func()) {
	g1, g2, s, th := simdGemmNN, simdGemmTN, simdSigmoid, simdTanh
	c := []any{simdPreRZ, simdPreN, simdMixFwd, simdGRUFwd, simdMixBwd, simdGRUBwd, simdGateBwd, simdSumPairs, simdAddPairs}
	simdGemmNN, simdGemmTN, simdSigmoid, simdTanh = nil, nil, nil, nil
	simdPreRZ, simdPreN, simdMixFwd, simdGRUFwd, simdMixBwd, simdGRUBwd, simdGateBwd, simdSumPairs, simdAddPairs =
		nil, nil, nil, nil, nil, nil, nil, nil, nil
	defer func() {
		simdGemmNN, simdGemmTN, simdSigmoid, simdTanh = g1, g2, s, th
		simdPreRZ = c[0].(func(dst, ghn, rz, gi, gh []float32, seq []int32, t, T, Hp, G int))
		simdPreN = c[1].(func(dst, ghn, rz, gi, gh []float32, seq []int32, t, T, Hp, G int))
		simdMixFwd = c[2].(func(h, rz, nn, c []float32, P, Hp int))
		simdGRUFwd = c[3].(func(h, rz, nn []float32, R, Hp int))
		simdMixBwd = c[4].(func(dh, dhp, dz, dn, dac, hp, rz, nn, c []float32, P, Hp int))
		simdGRUBwd = c[5].(func(dh, dhp, dz, dn, hp, rz, nn []float32, R, Hp int))
		simdGateBwd = c[6].(func(dgh, dgi, dn, dz, rz, nn, ghn []float32, seq []int32, t, T, Hp, G int))
		simdSumPairs = c[7].(func(s, hp []float32, P, Hp int))
		simdAddPairs = c[8].(func(dhp, ds []float32, P, Hp int))
	}()
	f()
}

// TestSIMDMatchesGeneric: the float32 engine with SIMD kernels against the
// same engine with the generic loops, on a batch of 630 pairs.
func TestSIMDMatchesGeneric(t *testing.T) {
	if !SIMD() {
		t.Skip("no AVX2+FMA on this CPU")
	}
	for _, kind := range []Kind{SGRU, CGRU} {
		for _, loss := range []Loss{Contrastive{Margin: 1}, DefaultStructural} {
			net, x, labels := benchBatch(kind)
			x.T = 40
			x.X = x.X[:x.N*x.T*x.I]
			var e1, e2 CPU[float32]
			g1, g2 := make([]float32, len(net.Params)), make([]float32, len(net.Params))
			l1, d1 := e1.LossGrad(net, x, labels, loss, g1)
			var l2 float64
			var d2 []float64
			withoutSIMD(func() { l2, d2 = e2.LossGrad(net, x, labels, loss, g2) })
			if relErr(l1, l2, 0) > 1e-5 {
				t.Errorf("%s %v: loss SIMD %.9g, generic %.9g", kind, loss, l1, l2)
			}
			for i := range d1 {
				if relErr(d1[i], d2[i], 1e-6) > 1e-5 {
					t.Fatalf("%s %v pair %d: distance SIMD %.9g, generic %.9g", kind, loss, i, d1[i], d2[i])
				}
			}
			// Per tensor: the largest difference relative to the tensor's
			// largest value (float32 sums in another order differ by more
			// than 1e-4 on components far below that).
			for _, tn := range net.Layout().Tensors {
				var diff, scale float64
				for i := tn.Off; i < tn.Off+tn.Size(); i++ {
					diff = math.Max(diff, math.Abs(float64(g1[i])-float64(g2[i])))
					scale = math.Max(scale, math.Abs(float64(g2[i])))
				}
				if diff > 1e-4*scale {
					t.Errorf("%s %v: gradient of %s: SIMD and generic differ by %.3g, %.3g of its largest value", kind, loss, tn.Name, diff, diff/scale)
				}
			}
		}
	}
}

// TestSIMDTranscendentals: sigmoid and tanh on 8 lanes against float64.
func TestSIMDTranscendentals(t *testing.T) {
	if !SIMD() {
		t.Skip("no AVX2+FMA on this CPU")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, 1<<16+5) // a scalar tail too
	for i := range x {
		switch i % 4 {
		case 0:
			x[i] = float32(rng.NormFloat64() * 0.1)
		case 1:
			x[i] = float32(rng.NormFloat64() * 3)
		case 2:
			x[i] = float32(rng.NormFloat64() * 30)
		default:
			x[i] = float32((rng.Float64()*2 - 1) * 1e-6)
		}
	}
	x[0], x[1], x[2], x[3] = 0, 100, -100, float32(math.Copysign(0, -1))
	y := make([]float32, len(x))
	sigmoid32(y, x)
	for i, v := range x {
		want := 1 / (1 + math.Exp(-float64(v)))
		if e := math.Abs(float64(y[i]) - want); e > 2e-7 && e > 4e-7*want {
			t.Fatalf("σ(%g) = %.9g, want %.9g", v, y[i], want)
		}
	}
	tanh32(y, x)
	for i, v := range x {
		want := math.Tanh(float64(v))
		if e := math.Abs(float64(y[i]) - want); e > 2e-7 && e > 4e-7*math.Abs(want) {
			t.Fatalf("tanh(%g) = %.9g, want %.9g", v, y[i], want)
		}
	}
}

func BenchmarkSigmoid32x4096(b *testing.B) {
	x, y := make([]float32, 4096), make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%48-24) / 5
	}
	for b.Loop() {
		sigmoid32(y, x)
	}
}
