package dynamics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Map is a differentiable map f of R^n, the system x_{t+1} = f(x_t).
type Map interface {
	// Dim is n.
	Dim() int
	// Step sets dst = f(x). dst may be x.
	Step(dst, x []float64)
	// Tangent sets dst = f(x) and, for the k = len(v)/n tangent vectors
	// stored one after another in v ([k][n]), dv = Df(x)·v. dst may be x
	// and dv may be v.
	Tangent(dst, x, v, dv []float64)
}

// Options set a Lyapunov estimate.
type Options struct {
	// Transient is the number of steps run first and discarded: the orbit
	// settles on its attractor and the tangent vectors turn towards the
	// most expanding directions.
	Transient int
	// Steps is the number of steps the exponents are averaged over.
	Steps int
	// Seed draws the initial tangent vectors.
	Seed uint64
	// Blocks is the number of consecutive blocks of steps whose means give
	// the standard error (batch means; 0: 10).
	Blocks int
}

func (o Options) check() {
	if o.Steps <= 0 || o.Transient < 0 || o.Blocks < 0 {
		panic(fmt.Sprintf("dynamics: bad options steps=%d transient=%d blocks=%d", o.Steps, o.Transient, o.Blocks))
	}
}

// Estimate is a Lyapunov exponent, in nats per step.
type Estimate struct {
	// Lambda is the mean log growth per step over Options.Steps.
	Lambda float64
	// StdErr is the standard error of Lambda by batch means: the standard
	// deviation of the means of Options.Blocks consecutive blocks of steps,
	// divided by √Blocks (the blocks are long enough to be nearly
	// independent, which single steps are not). NaN with one block.
	StdErr float64
	// X is the state after the last step: a point on the attractor from
	// which another run may continue.
	X []float64
}

// Spread returns the mean of estimates of one exponent from several
// initial states and their sample standard deviation (n − 1; NaN for a
// single estimate), the spread that Regime weighs: how `cgru sync
// lyapunov` and the page's sync.lyapunov summarise λ_max over initial
// states. It panics if there are no estimates.
func Spread(estimates []float64) (mean, sd float64) {
	n := len(estimates)
	if n == 0 {
		panic("dynamics: Spread of no estimates")
	}
	for _, x := range estimates {
		mean += x
	}
	mean /= float64(n)
	if n < 2 {
		return mean, math.NaN()
	}
	var s float64
	for _, x := range estimates {
		s += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(s / float64(n-1))
}

// Regime names the dynamics a largest Lyapunov exponent l indicates, given
// its spread sd (a standard deviation over initial states, or a standard
// error; NaN counts as 0): "chaotic" when l > max(3·sd, 10⁻³), "stable"
// when l < −max(3·sd, 10⁻³), and "marginal" in between (λ_max ≈ 0: a
// quasi-periodic orbit or the edge of chaos). `cgru sync lyapunov` and the
// page's sync.lyapunov name a gain's regime with it.
func Regime(l, sd float64) string {
	if math.IsNaN(sd) {
		sd = 0
	}
	switch {
	case l > max(3*sd, 1e-3):
		return "chaotic"
	case l < -max(3*sd, 1e-3):
		return "stable"
	}
	return "marginal"
}

// ctxEvery is how often (in steps) the long loops look at their context.
const ctxEvery = 1024

var errNonFinite = errors.New("dynamics: the orbit left the finite numbers")

// MaxLyapunov estimates the largest Lyapunov exponent of m along the orbit
// of x0 by Benettin's method: one tangent vector (random, from opt.Seed)
// is carried through the Jacobian of every step and renormalised to length
// 1 after each; λ_max is the mean of the logs of the growth factors over
// opt.Steps steps, after opt.Transient steps whose growth is discarded.
// A growth factor of 0 (a step whose Jacobian kills the vector) gives
// λ = −Inf. It returns ctx's error if ctx is done (looked at every 1024
// steps), and an error if the orbit overflows. It panics if len(x0) is not
// m.Dim() or the options are bad.
func MaxLyapunov(ctx context.Context, m Map, x0 []float64, opt Options) (Estimate, error) {
	s, err := Spectrum(ctx, m, x0, 1, opt)
	if err != nil {
		return Estimate{}, err
	}
	return Estimate{Lambda: s.Lambda[0], StdErr: s.StdErr[0], X: s.X}, nil
}

// SpectrumEstimate holds the k largest Lyapunov exponents, in decreasing
// order, in nats per step.
type SpectrumEstimate struct {
	Lambda []float64 // [k]
	StdErr []float64 // [k] batch-means standard errors, as in Estimate
	X      []float64 // the state after the last step
}

// Spectrum estimates the k largest Lyapunov exponents of m along the orbit
// of x0 by the QR method (Benettin et al. 1980; Shimada and Nagashima
// 1979): k tangent vectors go through the Jacobian of every step and are
// re-orthonormalised after each by Gram–Schmidt (twice, which keeps them
// orthogonal to rounding); the logs of the diagonal of R, averaged over
// opt.Steps steps after opt.Transient, are the exponents. Their sum is the
// mean log growth of k-dimensional volumes. Errors as MaxLyapunov; it
// panics unless 1 ≤ k ≤ m.Dim().
func Spectrum(ctx context.Context, m Map, x0 []float64, k int, opt Options) (SpectrumEstimate, error) {
	n := m.Dim()
	if len(x0) != n {
		panic(fmt.Sprintf("dynamics: initial state of %d values for a map of dimension %d", len(x0), n))
	}
	if k < 1 || k > n {
		panic(fmt.Sprintf("dynamics: %d exponents of a map of dimension %d", k, n))
	}
	opt.check()
	blocks := opt.Blocks
	if blocks == 0 {
		blocks = 10
	}
	blocks = min(blocks, opt.Steps)
	x := append([]float64(nil), x0...)
	v := make([]float64, k*n)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6c79617075)) // "lyapu"
	for i := range v {
		v[i] = 2*rng.Float64() - 1 // generic; no transcendental, so the same on every platform
	}
	growth := make([]float64, k)
	orthonormalize(v, n, growth)

	sum := make([]float64, k)      // Σ log growth over all averaged steps
	blockSum := make([]float64, k) // over the current block
	blockMeans := make([][]float64, k)
	per := opt.Steps / blocks // steps per block; the remainder joins the last
	total := opt.Transient + opt.Steps
	for t := 0; t < total; t++ {
		if t%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return SpectrumEstimate{}, err
			}
		}
		m.Tangent(x, x, v, v)
		orthonormalize(v, n, growth)
		if t < opt.Transient {
			continue
		}
		for j, gr := range growth {
			l := log(gr)
			sum[j] += l
			blockSum[j] += l
		}
		s := t - opt.Transient + 1 // averaged steps so far
		if b := len(blockMeans[0]); (b < blocks-1 && s == (b+1)*per) || s == opt.Steps {
			size := per
			if s == opt.Steps {
				size = opt.Steps - (blocks-1)*per
			}
			for j := range blockSum {
				blockMeans[j] = append(blockMeans[j], blockSum[j]/float64(size))
				blockSum[j] = 0
			}
		}
		if t%ctxEvery == 0 && !finite(x) {
			return SpectrumEstimate{}, errNonFinite
		}
	}
	if !finite(x) {
		return SpectrumEstimate{}, errNonFinite
	}
	res := SpectrumEstimate{Lambda: make([]float64, k), StdErr: make([]float64, k), X: x}
	for j := range sum {
		res.Lambda[j] = sum[j] / float64(opt.Steps)
		res.StdErr[j] = batchStdErr(blockMeans[j])
	}
	return res, nil
}

// orthonormalize replaces the k = len(v)/n vectors of v by an orthonormal
// basis of their span (Gram–Schmidt, each vector projected out twice) and
// sets growth[j] to the length of vector j after the projections: the
// diagonal of R in v = QR. A vector of length 0 (or NaN) is left as is,
// with growth 0.
func orthonormalize(v []float64, n int, growth []float64) {
	k := len(v) / n
	for j := 0; j < k; j++ {
		vj := v[j*n : (j+1)*n]
		for pass := 0; pass < 2; pass++ {
			for i := 0; i < j; i++ {
				vi := v[i*n : (i+1)*n]
				var d float64
				for a := range vj {
					d += vi[a] * vj[a]
				}
				for a := range vj {
					vj[a] -= d * vi[a]
				}
			}
		}
		var s float64
		for _, e := range vj {
			s += e * e
		}
		norm := math.Sqrt(s)
		growth[j] = norm
		if !(norm > 0) || math.IsInf(norm, 0) {
			growth[j] = 0
			continue
		}
		for a := range vj {
			vj[a] /= norm
		}
	}
}

// batchStdErr is the standard deviation of the block means over √blocks.
func batchStdErr(means []float64) float64 {
	b := len(means)
	if b < 2 {
		return math.NaN()
	}
	var m float64
	for _, v := range means {
		m += v
	}
	m /= float64(b)
	var s float64
	for _, v := range means {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s/float64(b-1)) / math.Sqrt(float64(b))
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Iterate runs m from x for steps steps in place, looking at ctx every
// 1024 steps, and returns an error if the orbit overflows.
func Iterate(ctx context.Context, m Map, x []float64, steps int) error {
	for t := 0; t < steps; t++ {
		if t%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		m.Step(x, x)
	}
	if !finite(x) {
		return errNonFinite
	}
	return nil
}
