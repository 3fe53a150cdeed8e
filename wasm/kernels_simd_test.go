//go:build js && wasm && wasmsimd

package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cgru/cgru/model"
)

// TestKernels checks that the engine runs on the SIMD kernels (build.sh
// test hands them in) and that they give the portable code's numbers bit
// for bit: losses, gradients and distances of both networks, over shapes
// whose products have 1 to 4 rows left after the blocks of 4; and sigmoid
// and tanh over every range of their branches.
func TestKernels(t *testing.T) {
	if !model.SIMD() {
		t.Fatal("the engine does not use the SIMD kernels: was kernels.wasm handed in (CGRU_KERNELS)?")
	}
	defer model.UseKernels(simdKernels)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		kind       model.Kind
		n, T, I, H int
	}{{model.CGRU, 6, 9, 3, 5}, {model.CGRU, 12, 30, 9, 20}, {model.SGRU, 7, 11, 9, 20}, {model.CGRU, 5, 4, 2, 13}, {model.SGRU, 3, 5, 1, 8}} {
		net := model.NewNet[float32](c.kind, c.I, c.H)
		net.Init(uint64(c.n), model.CouplingPaper)
		x := model.NewSeqs[float32](c.n, c.T, c.I)
		for i := range x.X {
			x.X[i] = float32(rng.NormFloat64())
		}
		labels := make([]int, c.n)
		for i := range labels {
			labels[i] = i % 3
		}
		run := func() (float64, []float32, []float64) {
			g := make([]float32, len(net.Params))
			e := &model.CPU[float32]{Threads: 1}
			l, _ := e.LossGrad(net, x, labels, model.DefaultStructural, g)
			return l, g, e.Distances(net, x, model.AllPairs(c.n))
		}
		model.UseKernels(simdKernels)
		l1, g1, d1 := run()
		model.UseKernels(model.Kernels{})
		l2, g2, d2 := run()
		if l1 != l2 {
			t.Errorf("%+v: loss %v with SIMD kernels, %v without", c, l1, l2)
		}
		for i := range g1 {
			if g1[i] != g2[i] {
				t.Fatalf("%+v: gradient %d: %v with SIMD kernels, %v without", c, i, g1[i], g2[i])
			}
		}
		for i := range d1 {
			if d1[i] != d2[i] {
				t.Fatalf("%+v: distance %d: %v with SIMD kernels, %v without", c, i, d1[i], d2[i])
			}
		}
	}
}

func TestElementwise(t *testing.T) {
	var x []float32
	for v := -100.0; v <= 100; v += 0.013 {
		x = append(x, float32(v))
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 0.625, -0.625, 9.01, -9.01, 88.7228, -87.3365, 88.73, -87.34, 1e-30, -1e-30, 44.36, 44.37} {
		x = append(x, float32(v), math.Nextafter32(float32(v), 1), math.Nextafter32(float32(v), -1))
	}
	for len(x)%4 != 0 {
		x = append(x, 0.5)
	}
	for _, f := range []struct {
		name string
		simd func(dst, src []float32)
		ref  func(x float32) float32
	}{
		{"sigmoid", simdSigmoid, func(v float32) float32 { return 1 / (1 + model.Expf(-v)) }},
		{"tanh", simdTanh, model.Tanhf},
	} {
		got := make([]float32, len(x))
		f.simd(got, x)
		for i, v := range x {
			if want := f.ref(v); math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("%s(%v) = %v with SIMD, %v in Go", f.name, v, got[i], want)
			}
		}
	}
}
