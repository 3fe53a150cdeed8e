package dynamics

import (
	"context"
	"errors"
	"math"
	"testing"
)

// linear is the map x ↦ A·x, reduced mod 1 so that the state stays
// bounded; the Jacobian is A everywhere, so the Lyapunov exponents are the
// logs of the moduli of A's eigenvalues.
type linear struct {
	n int
	a []float64 // [n×n]
}

func (l linear) Dim() int { return l.n }
func (l linear) apply(dst, x []float64) {
	tmp := make([]float64, l.n)
	for i := range tmp {
		for j := 0; j < l.n; j++ {
			tmp[i] += l.a[i*l.n+j] * x[j]
		}
	}
	copy(dst, tmp)
}
func (l linear) Step(dst, x []float64) {
	l.apply(dst, x)
	for i := range dst[:l.n] {
		dst[i] -= math.Floor(dst[i])
	}
}
func (l linear) Tangent(dst, x, v, dv []float64) {
	for k := 0; k+l.n <= len(v); k += l.n {
		l.apply(dv[k:k+l.n], v[k:k+l.n])
	}
	l.Step(dst, x)
}

// matMul returns a·b of n×n matrices.
func matMul(n int, a, b []float64) []float64 {
	c := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			for j := 0; j < n; j++ {
				c[i*n+j] += a[i*n+k] * b[k*n+j]
			}
		}
	}
	return c
}

// TestLinearMaps checks λ_max and the spectrum on linear maps whose
// exponents are the logs of their eigenvalue moduli: a non-normal 3×3 map
// S·diag(2, −1.2, 0.5)·S⁻¹ (S upper triangular, so S⁻¹ is written out),
// Arnold's cat map (eigenvalues (3 ± √5)/2) and a rotation scaled by 0.9
// (a complex pair: both exponents ln 0.9).
func TestLinearMaps(t *testing.T) {
	// S = [[1, 2, −1], [0, 1, 3], [0, 0, 1]], S⁻¹ = [[1, −2, 7], [0, 1, −3], [0, 0, 1]].
	s := []float64{1, 2, -1, 0, 1, 3, 0, 0, 1}
	si := []float64{1, -2, 7, 0, 1, -3, 0, 0, 1}
	d := []float64{2, 0, 0, 0, -1.2, 0, 0, 0, 0.5}
	th := 0.7
	phi := (3 + math.Sqrt(5)) / 2
	cases := []struct {
		name string
		m    linear
		want []float64
	}{
		{"non-normal 3×3", linear{3, matMul(3, matMul(3, s, d), si)}, []float64{math.Log(2), math.Log(1.2), math.Log(0.5)}},
		{"cat map", linear{2, []float64{2, 1, 1, 1}}, []float64{math.Log(phi), -math.Log(phi)}},
		{"scaled rotation", linear{2, []float64{0.9 * math.Cos(th), -0.9 * math.Sin(th), 0.9 * math.Sin(th), 0.9 * math.Cos(th)}}, []float64{math.Log(0.9), math.Log(0.9)}},
	}
	ctx := context.Background()
	opt := Options{Transient: 200, Steps: 4000, Seed: 3}
	for _, c := range cases {
		x0 := []float64{0.1, 0.2, 0.3}[:c.m.n]
		e, err := MaxLyapunov(ctx, c.m, x0, opt)
		if err != nil {
			t.Fatal(err)
		}
		// The transient aligns the vector with the top direction, after
		// which every step grows by exactly |λ₁| (up to the O(|λ₂/λ₁|^t)
		// remainder and rounding).
		if math.Abs(e.Lambda-c.want[0]) > 1e-3 {
			t.Errorf("%s: λ_max = %.6f, want %.6f", c.name, e.Lambda, c.want[0])
		}
		sp, err := Spectrum(ctx, c.m, x0, c.m.n, opt)
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range c.want {
			if math.Abs(sp.Lambda[j]-w) > 1e-3 {
				t.Errorf("%s: λ_%d = %.6f, want %.6f", c.name, j+1, sp.Lambda[j], w)
			}
		}
	}
}

// logistic is x ↦ r·x·(1 − x).
type logistic struct{ r float64 }

func (l logistic) Dim() int              { return 1 }
func (l logistic) Step(dst, x []float64) { dst[0] = l.r * x[0] * (1 - x[0]) }
func (l logistic) Tangent(dst, x, v, dv []float64) {
	d := l.r * (1 - 2*x[0])
	for k := range v {
		dv[k] = d * v[k]
	}
	l.Step(dst, x)
}

// TestLogisticMap: at r = 4 the logistic map is conjugate to the tent map
// and λ = ln 2 exactly. The estimate over 2·10⁵ steps must be within 3
// standard errors and 0.01 of it.
func TestLogisticMap(t *testing.T) {
	e, err := MaxLyapunov(context.Background(), logistic{4}, []float64{0.1234}, Options{Transient: 100, Steps: 200000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := math.Ln2
	if d := math.Abs(e.Lambda - want); d > 0.01 || d > 3*e.StdErr {
		t.Errorf("logistic r=4: λ = %.5f ± %.5f, want ln 2 = %.5f", e.Lambda, e.StdErr, want)
	}
	t.Logf("logistic r=4: λ = %.5f ± %.5f (ln 2 = %.5f)", e.Lambda, e.StdErr, want)
	// r = 2.5: a stable fixed point x* = 0.6 with multiplier 2 − r = −0.5.
	e, err = MaxLyapunov(context.Background(), logistic{2.5}, []float64{0.3}, Options{Transient: 200, Steps: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(e.Lambda-math.Log(0.5)) > 1e-9 {
		t.Errorf("logistic r=2.5: λ = %.10f, want ln 0.5 = %.10f", e.Lambda, math.Log(0.5))
	}
}

// TestGRUConvergence: for a chaotic GRU (H = 20, seed 1, gain 7.5) the
// spread of λ_max over initial states shrinks as the horizon grows, close
// to 1/√steps.
func TestGRUConvergence(t *testing.T) {
	ctx := context.Background()
	g := RandomGRU(20, 7.5, 1)
	horizons := []int{1000, 4000, 16000}
	const seeds = 8
	sds := make([]float64, len(horizons))
	for h, n := range horizons {
		var ls []float64
		for s := uint64(1); s <= seeds; s++ {
			x, err := OnAttractor(ctx, g, s, 1000)
			if err != nil {
				t.Fatal(err)
			}
			e, err := MaxLyapunov(ctx, g, x, Options{Transient: 500, Steps: n, Seed: s})
			if err != nil {
				t.Fatal(err)
			}
			ls = append(ls, e.Lambda)
		}
		m, sd := Spread(ls)
		sds[h] = sd
		t.Logf("H=20 gain 7.5: %5d steps: λ_max over %d initial states: mean %.4f, sd %.4f", n, seeds, m, sd)
		if !(m > 0.05 && m < 0.12) {
			t.Errorf("%d steps: mean λ_max %.4f, want about 0.085", n, m)
		}
	}
	// 16× the steps: 4× less spread if the steps were independent; allow 2.
	if !(sds[2] < sds[0]/2) {
		t.Errorf("spread over seeds %v does not shrink with the horizon %v", sds, horizons)
	}
	if !(sds[2] < 0.01) {
		t.Errorf("spread over seeds at %d steps: %.4f, want < 0.01", horizons[2], sds[2])
	}
}

func TestSpread(t *testing.T) {
	// 1, 2, 4: mean 7/3, Σ(x − m)² = 16/9 + 1/9 + 25/9 = 42/9, over n − 1 = 2.
	if m, sd := Spread([]float64{1, 2, 4}); math.Abs(m-7.0/3) > 1e-15 || math.Abs(sd-math.Sqrt(42.0/18)) > 1e-15 {
		t.Errorf("Spread(1, 2, 4) = %v, %v; want 7/3, √(42/18)", m, sd)
	}
	if m, sd := Spread([]float64{0.08}); m != 0.08 || !math.IsNaN(sd) {
		t.Errorf("Spread of one estimate = %v, %v; want 0.08, NaN", m, sd)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := RandomGRU(8, 1, 1)
	if _, err := MaxLyapunov(ctx, g, make([]float64, 8), Options{Steps: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("MaxLyapunov with a cancelled context: %v", err)
	}
	if _, err := Run(ctx, NewPair(g, Diffusive, 0.1), make([]float64, 16), 2000, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v", err)
	}
}

func TestRegime(t *testing.T) {
	for _, c := range []struct {
		l, sd float64
		want  string
	}{
		{0.0864, 0.0023, "chaotic"},     // gain 7.5 over 5 initial states (doc.go)
		{0.005, 0.002, "marginal"},      // within 3·sd of 0
		{0.0011, math.NaN(), "chaotic"}, // one estimate: only the 1e-3 floor
		{0.0009, 0, "marginal"},
		{-0.155, 0.01, "stable"},
		{-0.02, 0.0066, "stable"},   // 3·0.0066 < 0.02
		{-0.02, 0.0067, "marginal"}, // 3·0.0067 > 0.02
		{math.Inf(-1), 0, "stable"},
	} {
		if got := Regime(c.l, c.sd); got != c.want {
			t.Errorf("Regime(%g, %g) = %q, want %q", c.l, c.sd, got, c.want)
		}
	}
}
