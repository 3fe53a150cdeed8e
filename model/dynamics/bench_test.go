package dynamics

import (
	"context"
	"testing"
)

// BenchmarkMaxLyapunov is what a slider move costs the page: λ_max of a
// random GRU with H = 20 over 5000 steps after a 1000-step transient.
func BenchmarkMaxLyapunov(b *testing.B) {
	ctx := context.Background()
	g := RandomGRU(20, chaosGain, chaosSeed)
	x := make([]float64, 20)
	for b.Loop() {
		if _, err := MaxLyapunov(ctx, g, x, Options{Transient: 1000, Steps: 5000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpectrum: all 20 exponents over 5000 steps.
func BenchmarkSpectrum(b *testing.B) {
	ctx := context.Background()
	g := RandomGRU(20, chaosGain, chaosSeed)
	x := make([]float64, 20)
	for b.Loop() {
		if _, err := Spectrum(ctx, g, x, 20, Options{Transient: 1000, Steps: 5000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPairRun: a coupled pair for 2000 steps with its trajectory
// visited (the error curve and the 2-D picture of the page).
func BenchmarkPairRun(b *testing.B) {
	ctx := context.Background()
	g := RandomGRU(20, chaosGain, chaosSeed)
	x0, err := Start(ctx, g, 1, 1000, 0)
	if err != nil {
		b.Fatal(err)
	}
	p := NewPair(g, Diffusive, 0.1)
	var sum float64
	for b.Loop() {
		e, err := Run(ctx, p, x0, 2000, func(t int, x []float64) { sum += x[0] })
		if err != nil {
			b.Fatal(err)
		}
		_ = e
	}
}
