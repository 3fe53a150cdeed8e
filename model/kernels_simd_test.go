//go:build goexperiment.simd && amd64

package model

import "testing"

func BenchmarkSigmoid32x48(b *testing.B) {
	x := make([]float32, 48)
	for i := range x {
		x[i] = float32(i-24) / 5
	}
	y := make([]float32, 48)
	for b.Loop() {
		sigmoid32(y, x)
	}
}

func BenchmarkTanh32x24(b *testing.B) {
	x := make([]float32, 24)
	for i := range x {
		x[i] = float32(i-12) / 5
	}
	y := make([]float32, 24)
	for b.Loop() {
		tanh32(y, x)
	}
}

func BenchmarkSigmoid32x4096(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%48-24) / 5
	}
	y := make([]float32, 4096)
	for b.Loop() {
		sigmoid32(y, x)
	}
}

func BenchmarkExpfScalar4096(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%48-24) / 5
	}
	y := make([]float32, 4096)
	for b.Loop() {
		for i, v := range x {
			y[i] = 1 / (1 + expf(-v))
		}
	}
}

func BenchmarkSigmoid32Sizes(b *testing.B) {
	for _, n := range []int{8, 16, 48, 96, 480} {
		x := make([]float32, n)
		y := make([]float32, n)
		b.Run(string(rune('0'+n%10))+"_"+itoa(n), func(b *testing.B) {
			for b.Loop() {
				sigmoid32(y, x)
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
