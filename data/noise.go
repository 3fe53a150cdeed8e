package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// AddNoise sets dst[i] = src[i] + σ·ε_i with ε_i independent standard normal
// draws from rng: additive Gaussian white noise for the robustness
// experiment. dst and src may be the same slice. It panics if their lengths
// differ or sigma < 0.
func AddNoise(dst, src []float32, sigma float64, rng *rand.Rand) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("data: AddNoise: len(dst) = %d, len(src) = %d", len(dst), len(src)))
	}
	if sigma < 0 {
		panic(fmt.Sprintf("data: AddNoise: sigma = %g", sigma))
	}
	for i, v := range src {
		dst[i] = v + float32(sigma*rng.NormFloat64())
	}
}

// NoiseRNG returns the generator of noise level sigma in the noise
// experiment with seed (cgru noise, the page's noise curves): one stream
// per level, keyed by the bits of sigma, so that a level draws the same
// noise whatever the other levels are.
func NoiseRNG(seed uint64, sigma float64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, math.Float64bits(sigma)))
}

// Normalizer maps each channel c to (x − Mean[c]) / Std[c]. Normalisation is
// off by default (the paper uses raw signals); fit it on training data only.
// Its fields serialise to JSON so a model file can record it.
type Normalizer struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// FitNormalizer returns the per-channel mean and population standard
// deviation of all values of d (accumulated in float64). A channel whose
// standard deviation is below 1e-12 gets Std 1, so it is only centred.
func FitNormalizer(d *Dataset) *Normalizer {
	nc := len(d.Channels)
	sum := make([]float64, nc)
	sq := make([]float64, nc)
	n := 0
	for i := 0; i+nc <= len(d.X); i += nc {
		for c, v := range d.X[i : i+nc] {
			sum[c] += float64(v)
		}
		n++
	}
	m := &Normalizer{Mean: make([]float64, nc), Std: make([]float64, nc)}
	for c := range sum {
		if n > 0 {
			m.Mean[c] = sum[c] / float64(n)
		}
	}
	for i := 0; i+nc <= len(d.X); i += nc {
		for c, v := range d.X[i : i+nc] {
			e := float64(v) - m.Mean[c]
			sq[c] += e * e
		}
	}
	for c := range sq {
		m.Std[c] = 1
		if n > 0 {
			if s := math.Sqrt(sq[c] / float64(n)); s >= 1e-12 {
				m.Std[c] = s
			}
		}
	}
	return m
}

// Check reports whether n fits data of the given channel count: matching
// lengths, finite means, finite positive standard deviations. Use it on a
// normaliser read from a file.
func (n *Normalizer) Check(channels int) error {
	if len(n.Mean) != channels || len(n.Std) != channels {
		return fmt.Errorf("normalizer: %d means and %d stds for %d channels", len(n.Mean), len(n.Std), channels)
	}
	for c := range n.Mean {
		if math.IsNaN(n.Mean[c]) || math.IsInf(n.Mean[c], 0) {
			return fmt.Errorf("normalizer: mean[%d] = %g is not finite", c, n.Mean[c])
		}
		if !(n.Std[c] > 0) || math.IsInf(n.Std[c], 0) {
			return fmt.Errorf("normalizer: std[%d] = %g is not finite and positive", c, n.Std[c])
		}
	}
	return nil
}

// Apply normalises every window of d in place. It panics if n does not have
// one mean and one std per channel of d.
func (n *Normalizer) Apply(d *Dataset) {
	if len(n.Mean) != len(d.Channels) || len(n.Std) != len(d.Channels) {
		panic(fmt.Sprintf("data: Normalizer of %d channels applied to %d", len(n.Mean), len(d.Channels)))
	}
	n.ApplyWindow(d.X)
}

// ApplyWindow normalises x in place; x is [time][channel] (one window or
// several). It panics if len(x) is not a multiple of the channel count.
func (n *Normalizer) ApplyWindow(x []float32) {
	nc := len(n.Mean)
	if nc == 0 || len(n.Std) != nc || len(x)%nc != 0 {
		panic(fmt.Sprintf("data: Normalizer of %d channels applied to %d values", nc, len(x)))
	}
	for i := 0; i < len(x); i += nc {
		for c := range nc {
			x[i+c] = float32((float64(x[i+c]) - n.Mean[c]) / n.Std[c])
		}
	}
}
