package baseline

import (
	"math/rand/v2"
	"testing"
)

// The speed target: a DTW of two 128×9 windows (the UCI HAR shape)
// in under 60 µs natively. Sub-benchmarks time the portable cost loop and,
// in GOEXPERIMENT=simd builds on AVX2 CPUs, the SIMD kernel, side by side.
func BenchmarkDTW128x9(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randSeq(rng, 128, 9), randSeq(rng, 128, 9)
	simd := simdCostBlocks
	defer func() { simdCostBlocks = simd }()
	for _, k := range []string{"portable", "simd"} {
		if k == "simd" && simd == nil {
			continue
		}
		b.Run("kernel="+k, func(b *testing.B) {
			simdCostBlocks = nil
			if k == "simd" {
				simdCostBlocks = simd
			}
			var w Work
			for b.Loop() {
				DTW{Band: -1}.Distance(x, y, &w)
			}
		})
	}
}

func BenchmarkDTW128x9Band10(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randSeq(rng, 128, 9), randSeq(rng, 128, 9)
	var w Work
	for b.Loop() {
		DTW{Band: 10}.Distance(x, y, &w)
	}
}

// OPW of two projected 128×9 windows with the RVSML defaults (20 Sinkhorn
// iterations): the unit of work of RVSML-OPW's 1-NN.
func BenchmarkOPW128x9(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randSeq(rng, 128, 9), randSeq(rng, 128, 9)
	for i := range x.X {
		x.X[i] *= 0.2
		y.X[i] *= 0.2
	}
	var w Work
	o := DefaultOPW()
	for b.Loop() {
		o.Distance(x, y, &w)
	}
}
