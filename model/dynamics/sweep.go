package dynamics

import (
	"context"
	"fmt"
	"math"
)

// SweepOptions set an empirical threshold sweep.
type SweepOptions struct {
	Form Form
	// Steps is the number of coupled steps of every run.
	Steps int
	// Transient is the number of uncoupled steps that bring each copy onto
	// the attractor before the coupling starts (see [Start]).
	Transient int
	// Runs is the number of pairs of initial states tried at every c
	// (seeds Seed, Seed+2, …): a c synchronises if all of them do.
	Runs int
	// Tol is the synchronisation error the pair must be below after Steps
	// steps (1e-6 in the tests and the CLI).
	Tol float64
	// Seed draws the initial states.
	Seed uint64
}

func (o SweepOptions) check() {
	if o.Steps <= 0 || o.Transient < 0 || o.Runs <= 0 || !(o.Tol > 0) {
		panic(fmt.Sprintf("dynamics: bad sweep options steps=%d transient=%d runs=%d tol=%g", o.Steps, o.Transient, o.Runs, o.Tol))
	}
	if o.Form != Diffusive && o.Form != CGRUForm {
		panic(fmt.Sprintf("dynamics: unknown coupling form %q", o.Form))
	}
}

// SweepPoint is the outcome of the runs at one coupling strength.
type SweepPoint struct {
	C float64
	// Final is the synchronisation error after Steps steps, per run.
	Final []float64
	// Synced: every run ended below Tol.
	Synced bool
	// Rate is the measured decay rate of the error, per step: the slope of
	// ln‖h − h'‖ against t, by least squares, over the steps where the
	// error is between 1e-10 and 1e-3 (the linear regime, above rounding),
	// averaged over the runs with at least 10 such steps; NaN when none has
	// or the point is not Synced. It estimates the transverse exponent λ⊥(c).
	Rate float64
}

// starts returns the initial states of the runs of a sweep.
func starts(ctx context.Context, g *GRU, o SweepOptions) ([][]float64, error) {
	xs := make([][]float64, o.Runs)
	for r := range xs {
		x, err := Start(ctx, g, o.Seed+2*uint64(r), o.Transient, 0)
		if err != nil {
			return nil, err
		}
		xs[r] = x
	}
	return xs, nil
}

// Sweep runs the pair of g at every coupling strength of cs from the same
// o.Runs initial states and reports each outcome. It looks at ctx between
// and within runs; it panics on bad options.
func Sweep(ctx context.Context, g *GRU, cs []float64, o SweepOptions) ([]SweepPoint, error) {
	o.check()
	xs, err := starts(ctx, g, o)
	if err != nil {
		return nil, err
	}
	pts := make([]SweepPoint, len(cs))
	for i, c := range cs {
		pt, err := sweepAt(ctx, g, c, xs, o)
		if err != nil {
			return nil, err
		}
		pts[i] = pt
	}
	return pts, nil
}

func sweepAt(ctx context.Context, g *GRU, c float64, xs [][]float64, o SweepOptions) (SweepPoint, error) {
	p := NewPair(g, o.Form, c)
	pt := SweepPoint{C: c, Synced: true}
	var rates float64
	nr := 0
	for _, x0 := range xs {
		e, err := Run(ctx, p, x0, o.Steps, nil)
		if err != nil {
			return SweepPoint{}, err
		}
		last := e[len(e)-1]
		pt.Final = append(pt.Final, last)
		if !(last < o.Tol) {
			pt.Synced = false
		}
		var fit lineFit
		for t, v := range e {
			if v > 1e-10 && v < 1e-3 {
				fit.add(float64(t), log(v))
			}
		}
		if fit.n >= 10 {
			rates += fit.slope()
			nr++
		}
	}
	pt.Rate = math.NaN()
	if nr > 0 && pt.Synced {
		pt.Rate = rates / float64(nr)
	}
	return pt, nil
}

// EmpiricalThreshold returns the smallest c of the points (sorted by C)
// from which every point up to c = 1/2 is synchronised, and ok = false if
// the point at the largest c ≤ 1/2 is not synchronised.
func EmpiricalThreshold(pts []SweepPoint) (c float64, ok bool) {
	c, ok = math.NaN(), false
	for i := len(pts) - 1; i >= 0; i-- {
		if pts[i].C > 0.5 {
			continue
		}
		if !pts[i].Synced {
			break
		}
		c, ok = pts[i].C, true
	}
	return c, ok
}

// RefineThreshold bisects between lo (not synchronised) and hi
// (synchronised) to within tol, with the initial states and options of a
// sweep, and returns the smallest synchronising c found.
func RefineThreshold(ctx context.Context, g *GRU, lo, hi, tol float64, o SweepOptions) (float64, error) {
	o.check()
	xs, err := starts(ctx, g, o)
	if err != nil {
		return 0, err
	}
	for hi-lo > tol {
		mid := (lo + hi) / 2
		pt, err := sweepAt(ctx, g, mid, xs, o)
		if err != nil {
			return 0, err
		}
		if pt.Synced {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// lineFit accumulates a least-squares line fit.
type lineFit struct{ n, sx, sy, sxx, sxy float64 }

func (f *lineFit) add(x, y float64) {
	f.n++
	f.sx += x
	f.sy += y
	f.sxx += x * x
	f.sxy += x * y
}

func (f *lineFit) slope() float64 {
	d := f.n*f.sxx - f.sx*f.sx
	if d == 0 {
		return math.NaN()
	}
	return (f.n*f.sxy - f.sx*f.sy) / d
}

// ThresholdOptions set a threshold experiment ([Threshold]).
type ThresholdOptions struct {
	SweepOptions
	// Lyapunov sets the estimates of λ_max and λ⊥ (from the orbit of
	// OnAttractor(g, Sweep.Seed, Lyapunov.Transient)).
	Lyapunov Options
	// Resolution is the step, in c, to which the theoretical threshold of
	// the CGRU form and the empirical threshold are bisected (0: 1e-3).
	Resolution float64
}

// ThresholdResult compares the synchronisation threshold a sweep finds
// with the theory.
type ThresholdResult struct {
	Form Form
	// Lambda is λ_max of one copy, with its standard error.
	Lambda Estimate
	// Theory is the c where λ⊥(c) crosses 0: (1 − e^{−λ_max})/2 for the
	// Diffusive form, the bisected root of the computed λ⊥ for the CGRU
	// form; NaN (TheoryOK false) when λ⊥(1/2) > 0.
	Theory   float64
	TheoryOK bool
	// Points are the sweep's outcomes, with the computed λ⊥ at each c in
	// Transverse.
	Points     []SweepPoint
	Transverse []float64
	// Grid is the empirical threshold on the sweep's grid
	// ([EmpiricalThreshold]) and Empirical the same refined by bisection
	// between the grid point below it and it; both NaN (EmpiricalOK false)
	// when the largest c ≤ 1/2 of the grid does not synchronise.
	Grid, Empirical float64
	EmpiricalOK     bool
	// Tolerance is the expected agreement |Empirical − Theory| (see the
	// package doc): |dc/dλ⊥| at the threshold times
	// (max(Horizon, Bubbling) + Fluctuation), plus the resolution. Agree
	// reports |Empirical − Theory| ≤ Tolerance.
	Tolerance float64
	Agree     bool
	// The terms of the tolerance, in units of λ⊥ (per step):
	//   Horizon = ln(δ0/Tol)/Steps, the decay a run needs to reach Tol;
	//   Bubbling = σ²·ln(20·Runs)/(2·ln(Tol/ε0)), the margin that keeps a
	//     run that reached the rounding floor ε0 from bursting back above
	//     Tol at the end with probability 5% over all runs;
	//   Fluctuation = 3·SE, SE the standard error of a λ⊥ estimate over
	//     Steps steps.
	// σ² is the variance rate of the log growth (SE² of the full estimate
	// times its steps), ε0 = 2⁻⁵² times the mean state norm.
	Horizon, Bubbling, Fluctuation float64
	// Slope is dλ⊥/dc at the theoretical threshold and Delta0 the mean
	// initial synchronisation error of the runs.
	Slope, Delta0 float64
}

// Threshold runs a threshold experiment on g: λ_max, the theoretical
// threshold of the form, a sweep over cs with its empirical threshold
// refined by bisection, and the tolerance within which the two should
// agree. cs should be sorted. It looks at ctx throughout.
func Threshold(ctx context.Context, g *GRU, cs []float64, o ThresholdOptions) (*ThresholdResult, error) {
	o.SweepOptions.check()
	res := o.Resolution
	if res <= 0 {
		res = 1e-3
	}
	s0, err := OnAttractor(ctx, g, o.Seed, o.Lyapunov.Transient)
	if err != nil {
		return nil, err
	}
	r := &ThresholdResult{Form: o.Form}
	if r.Lambda, err = MaxLyapunov(ctx, g, s0, o.Lyapunov); err != nil {
		return nil, err
	}
	lamPerp := func(c float64) (float64, error) {
		e, err := Transverse(ctx, NewPair(g, o.Form, c), s0, o.Lyapunov)
		return e.Lambda, err
	}
	switch o.Form {
	case Diffusive:
		r.Theory, r.TheoryOK = DiffusiveThreshold(r.Lambda.Lambda), true
		r.Slope = -2 / (1 - 2*r.Theory)
	case CGRUForm:
		if r.Theory, r.TheoryOK, err = TransverseThreshold(ctx, g, o.Form, s0, o.Lyapunov, res/4); err != nil {
			return nil, err
		}
		if r.TheoryOK {
			h := 0.005
			lo, err := lamPerp(max(r.Theory-h, 0))
			if err != nil {
				return nil, err
			}
			hi, err := lamPerp(r.Theory + h)
			if err != nil {
				return nil, err
			}
			r.Slope = (hi - lo) / (r.Theory + h - max(r.Theory-h, 0))
		}
	}
	if r.Points, err = Sweep(ctx, g, cs, o.SweepOptions); err != nil {
		return nil, err
	}
	for _, p := range r.Points {
		l, err := lamPerp(p.C)
		if err != nil {
			return nil, err
		}
		r.Transverse = append(r.Transverse, l)
	}
	xs, err := starts(ctx, g, o.SweepOptions)
	if err != nil {
		return nil, err
	}
	for _, x := range xs {
		r.Delta0 += SyncError(x) / float64(len(xs))
	}
	r.Grid, r.EmpiricalOK = EmpiricalThreshold(r.Points)
	r.Empirical = r.Grid
	if r.EmpiricalOK {
		lo := 0.0
		for _, p := range r.Points {
			if p.C < r.Grid {
				lo = p.C
			}
		}
		if lo < r.Grid {
			if r.Empirical, err = RefineThreshold(ctx, g, lo, r.Grid, res, o.SweepOptions); err != nil {
				return nil, err
			}
		}
	}
	r.Tolerance = math.NaN()
	if r.TheoryOK && r.Slope < 0 {
		// The variance rate of the transverse log growth at the threshold,
		// from the batch means of the full estimate.
		at, err := Transverse(ctx, NewPair(g, o.Form, r.Theory), s0, o.Lyapunov)
		if err != nil {
			return nil, err
		}
		sigma2 := at.StdErr * at.StdErr * float64(o.Lyapunov.Steps)
		var norm float64
		for _, x := range xs {
			norm += (vecNorm(x[:g.H]) + vecNorm(x[g.H:])) / float64(2*len(xs))
		}
		eps0 := 0x1p-52 * norm
		r.Horizon = log(r.Delta0/o.Tol) / float64(o.Steps)
		r.Bubbling = sigma2 * log(20*float64(o.Runs)) / (2 * log(o.Tol/eps0))
		r.Fluctuation = 3 * math.Sqrt(sigma2/float64(o.Steps))
		r.Tolerance = (max(r.Horizon, r.Bubbling)+r.Fluctuation)/-r.Slope + res
		r.Agree = r.EmpiricalOK && math.Abs(r.Empirical-r.Theory) <= r.Tolerance
	}
	return r, nil
}

func vecNorm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}
