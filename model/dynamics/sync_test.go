package dynamics

import (
	"context"
	"math"
	"testing"
)

// The chaotic GRU of the synchronisation tests: H = 20, PyTorch init from
// seed 1, weight_hh × 7.5; λ_max ≈ 0.086 per step (TestGRUConvergence),
// so c* = (1 − e^{−λ})/2 ≈ 0.041.
const (
	chaosSeed = 1
	chaosGain = 7.5
)

// TestChaoticPair: uncoupled copies started 1e-8 apart separate; coupled
// copies above the threshold reach a synchronisation error below 1e-6 from
// independent states on the attractor; below it they do not.
func TestChaoticPair(t *testing.T) {
	ctx := context.Background()
	g := RandomGRU(20, chaosGain, chaosSeed)
	s0, err := OnAttractor(ctx, g, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	lam, err := MaxLyapunov(ctx, g, s0, Options{Transient: 500, Steps: 10000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !(lam.Lambda > 5*lam.StdErr && lam.Lambda > 0.05) {
		t.Fatalf("λ_max = %.4f ± %.4f: not clearly chaotic", lam.Lambda, lam.StdErr)
	}
	cStar := DiffusiveThreshold(lam.Lambda)
	t.Logf("H=20 seed %d gain %g: λ_max = %.4f ± %.4f, c* = %.4f", chaosSeed, chaosGain, lam.Lambda, lam.StdErr, cStar)

	// Sensitive dependence: 1e-8 apart, uncoupled.
	for seed := uint64(1); seed <= 3; seed++ {
		x0, err := Start(ctx, g, seed, 1000, 1e-8)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Run(ctx, NewPair(g, Diffusive, 0), x0, 1000, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(e[0]-1e-8) > 1e-15 {
			t.Errorf("seed %d: initial error %.3g, want 1e-8", seed, e[0])
		}
		if peak := maxOf(e[500:]); !(peak > 0.1) {
			t.Errorf("seed %d, uncoupled, 1e-8 apart: largest error over steps 500–1000 is %.3g, want > 0.1", seed, peak)
		}
	}
	for _, form := range []Form{Diffusive, CGRUForm} {
		theory := cStar
		if form == CGRUForm {
			c, ok, err := TransverseThreshold(ctx, g, form, s0, Options{Transient: 500, Steps: 10000, Seed: 1}, 1e-4)
			if err != nil || !ok {
				t.Fatalf("%s: no transverse threshold: %v", form, err)
			}
			theory = c
		}
		for _, tc := range []struct {
			c    float64
			sync bool
		}{{0, false}, {theory - 0.02, false}, {theory + 0.03, true}, {0.3, true}} {
			p := NewPair(g, form, tc.c)
			for seed := uint64(1); seed <= 3; seed++ {
				x0, err := Start(ctx, g, 10*seed, 1000, 0)
				if err != nil {
					t.Fatal(err)
				}
				e, err := Run(ctx, p, x0, 5000, nil)
				if err != nil {
					t.Fatal(err)
				}
				last, tail := e[len(e)-1], maxOf(e[len(e)-500:])
				switch {
				case tc.sync && !(last < 1e-6):
					t.Errorf("%s c=%.4f (threshold %.4f), start %d: error %.3g after 5000 steps, want < 1e-6", form, tc.c, theory, seed, last)
				case !tc.sync && !(tail > 1e-2):
					t.Errorf("%s c=%.4f (threshold %.4f), start %d: largest error over the last 500 steps %.3g, want > 1e-2", form, tc.c, theory, seed, tail)
				}
			}
		}
	}
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// TestThreshold: the threshold measured by a sweep and bisection matches
// the theoretical one within the tolerance the package doc derives
// (finite horizon plus 3 standard errors of the finite-time exponent).
func TestThreshold(t *testing.T) {
	ctx := context.Background()
	g := RandomGRU(20, chaosGain, chaosSeed)
	var cs []float64
	for i := 0; i <= 6; i++ {
		cs = append(cs, float64(i)*0.05)
	}
	for _, form := range []Form{Diffusive, CGRUForm} {
		r, err := Threshold(ctx, g, cs, ThresholdOptions{
			SweepOptions: SweepOptions{Form: form, Steps: 10000, Transient: 1000, Runs: 3, Tol: 1e-6, Seed: 1},
			Lyapunov:     Options{Transient: 500, Steps: 40000, Seed: 1},
			Resolution:   1e-3,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: λ_max %.4f ± %.4f; theory c* = %.4f, measured %.4f (grid %.2f), tolerance %.4f (slope dλ⊥/dc %.3f; horizon %.4f, bubbling %.4f, fluctuation %.4f)",
			form, r.Lambda.Lambda, r.Lambda.StdErr, r.Theory, r.Empirical, r.Grid, r.Tolerance, r.Slope, r.Horizon, r.Bubbling, r.Fluctuation)
		if !r.TheoryOK || !r.EmpiricalOK || !r.Agree {
			t.Errorf("%s: theory %.4f (ok %v), measured %.4f (ok %v): |difference| %.4f > tolerance %.4f",
				form, r.Theory, r.TheoryOK, r.Empirical, r.EmpiricalOK, math.Abs(r.Empirical-r.Theory), r.Tolerance)
		}
		// The tolerance must still tell c* from 0 and from 2c*.
		if !(r.Tolerance < r.Theory/2) {
			t.Errorf("%s: tolerance %.4f is too loose for a threshold of %.4f", form, r.Tolerance, r.Theory)
		}
		// The transverse exponent is positive below the threshold and
		// negative above, and the sweep agrees with its sign away from it.
		for i, p := range r.Points {
			lp := r.Transverse[i]
			if (p.C < r.Theory) != (lp > 0) {
				t.Errorf("%s c=%.2f: λ⊥ = %.4f on the wrong side of the threshold %.4f", form, p.C, lp, r.Theory)
			}
			if math.Abs(p.C-r.Theory) > r.Tolerance && p.Synced != (p.C > r.Theory) {
				t.Errorf("%s c=%.2f: synchronised %v, threshold %.4f", form, p.C, p.Synced, r.Theory)
			}
		}
	}
}
