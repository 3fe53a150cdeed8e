package dynamics

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cgru/cgru/model"
)

// fdJacobian returns the central finite-difference Jacobian of step
// (R^n → R^m) at x, with step eps.
func fdJacobian(step func(dst, x []float64), n, m int, x []float64, eps float64) []float64 {
	J := make([]float64, m*n)
	xp, xm := make([]float64, n), make([]float64, n)
	fp, fm := make([]float64, m), make([]float64, m)
	for j := 0; j < n; j++ {
		copy(xp, x)
		copy(xm, x)
		xp[j] += eps
		xm[j] -= eps
		step(fp, xp)
		step(fm, xm)
		for i := 0; i < m; i++ {
			J[i*n+j] = (fp[i] - fm[i]) / (2 * eps)
		}
	}
	return J
}

// maxDiff returns max |a − b| and max |b|.
func maxDiff(a, b []float64) (d, scale float64) {
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
		scale = max(scale, math.Abs(b[i]))
	}
	return d, scale
}

// testGRUs are the maps the derivative tests run on: random networks at
// several gains, and one with a non-zero constant input.
func testGRUs() map[string]*GRU {
	net := model.NewNet[float64](model.CGRU, 3, 7)
	net.Init(5, model.CouplingPaper)
	return map[string]*GRU{
		"H=5 gain 1":              RandomGRU(5, 1, 1),
		"H=20 gain 7.5":           RandomGRU(20, 7.5, 1),
		"H=12 gain 3":             RandomGRU(12, 3, 2),
		"CGRU net, input, gain 2": NewGRU(net, []float64{0.5, -1, 2}, 2),
	}
}

// TestGRUJacobian checks the analytic Jacobian of the GRU step, and the
// tangent map, against central finite differences in float64 (step 1e-6:
// truncation O(ε²) ≈ 1e-12, rounding O(1e-16/ε) ≈ 1e-10).
func TestGRUJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var worst float64
	defer func() { t.Logf("largest difference from finite differences: %.3g", worst) }()
	for name, g := range testGRUs() {
		H := g.H
		for trial := 0; trial < 3; trial++ {
			h := RandomState(H, rng)
			J := make([]float64, H*H)
			g.Jacobian(J, h)
			fd := fdJacobian(g.Clone().Step, H, H, h, 1e-6)
			d, s := maxDiff(J, fd)
			worst = max(worst, d)
			if d > 1e-8*max(s, 1) {
				t.Errorf("%s, state %d: Jacobian differs from finite differences by %.3g (largest entry %.3g)", name, trial, d, s)
			}
			// Tangent: F(h) and J·v for two vectors at once, in place.
			v := append(RandomState(H, rng), RandomState(H, rng)...)
			w1 := append([]float64(nil), v[:H]...)
			want := make([]float64, 2*H)
			for k := 0; k < 2; k++ {
				for i := 0; i < H; i++ {
					for j := 0; j < H; j++ {
						want[k*H+i] += J[i*H+j] * v[k*H+j]
					}
				}
			}
			f := make([]float64, H)
			g.Step(f, h)
			x := append([]float64(nil), h...)
			g.Tangent(x, x, v, v)
			if d, s := maxDiff(v, want); d > 1e-13*max(s, 1) {
				t.Errorf("%s: Tangent·v differs from J·v by %.3g", name, d)
			}
			if d, _ := maxDiff(x, f); d != 0 {
				t.Errorf("%s: Tangent's state differs from Step's by %.3g", name, d)
			}
			// One vector takes the fused path: the same numbers, bit for bit.
			x1 := append([]float64(nil), h...)
			v1 := append([]float64(nil), w1...)
			g.Tangent(x1, x1, v1, v1)
			if d, _ := maxDiff(x1, f); d != 0 {
				t.Errorf("%s: one-vector Tangent's state differs from Step's by %.3g", name, d)
			}
			if d, _ := maxDiff(v1, v[:H]); d != 0 {
				t.Errorf("%s: one-vector Tangent·v differs from the two-vector one by %.3g", name, d)
			}
		}
	}
}

// TestGRUStepMatchesEngine: the map is the engine's GRU step with the input
// held constant (model.CPU.Trace, float64).
func TestGRUStepMatchesEngine(t *testing.T) {
	net := model.NewNet[float64](model.SGRU, 3, 6)
	net.Init(9, model.CouplingPaper)
	x := []float64{0.3, -0.7, 1.1}
	const T = 12
	seq := make([]float64, 0, T*3)
	for range T {
		seq = append(seq, x...)
	}
	tr := (&model.CPU[float64]{}).Trace(net, seq, seq)
	g := NewGRU(net, x, 1)
	h := make([]float64, 6)
	for step := 0; step < T; step++ {
		g.Step(h, h)
		if d, _ := maxDiff(h, tr.H1[step]); d > 1e-14 {
			t.Fatalf("step %d: map and engine differ by %.3g", step+1, d)
		}
	}
}

// TestPairJacobian checks the pair maps' tangents (both forms) against
// finite differences, and the transverse Jacobian J⊥ against the pair's
// response to an antisymmetric perturbation of a synchronised state.
func TestPairJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var worst, worstT float64
	defer func() {
		t.Logf("largest difference from finite differences: pair %.3g, transverse %.3g", worst, worstT)
	}()
	for name, g := range testGRUs() {
		H := g.H
		for _, form := range []Form{Diffusive, CGRUForm} {
			for _, c := range []float64{0, 0.13, 0.5, 0.8} {
				p := NewPair(g.Clone(), form, c)
				x := append(RandomState(H, rng), RandomState(H, rng)...)
				fd := fdJacobian(NewPair(g.Clone(), form, c).Step, 2*H, 2*H, x, 1e-6)
				// Columns of the Jacobian through Tangent with unit vectors.
				v := make([]float64, 2*H*2*H)
				for k := 0; k < 2*H; k++ {
					v[k*2*H+k] = 1
				}
				dst := make([]float64, 2*H)
				p.Tangent(dst, x, v, v)
				J := make([]float64, 2*H*2*H)
				for k := 0; k < 2*H; k++ {
					for i := 0; i < 2*H; i++ {
						J[i*2*H+k] = v[k*2*H+i]
					}
				}
				d, sc := maxDiff(J, fd)
				worst = max(worst, d)
				if d > 1e-8*max(sc, 1) {
					t.Errorf("%s, %s c=%g: pair Jacobian differs from finite differences by %.3g", name, form, c, d)
				}
				// J⊥·w = (δ(+ε) − δ(−ε))/(4ε), δ(±ε) = h_{t+1} − h'_{t+1}
				// from (s ± εw, s ∓ εw).
				s := RandomState(H, rng)
				w := RandomState(H, rng)
				const eps = 1e-6
				delta := func(sign float64) []float64 {
					y := make([]float64, 2*H)
					for i := 0; i < H; i++ {
						y[i], y[H+i] = s[i]+sign*eps*w[i], s[i]-sign*eps*w[i]
					}
					p.Step(y, y)
					d := make([]float64, H)
					for i := range d {
						d[i] = y[i] - y[H+i]
					}
					return d
				}
				dp, dm := delta(1), delta(-1)
				want := make([]float64, H)
				for i := range want {
					want[i] = (dp[i] - dm[i]) / (4 * eps)
				}
				got := append([]float64(nil), w...)
				transverse{p}.Tangent(make([]float64, H), s, got, got)
				d, sc = maxDiff(got, want)
				worstT = max(worstT, d)
				if d > 1e-8*max(sc, 1) {
					t.Errorf("%s, %s c=%g: J⊥·w differs from finite differences by %.3g", name, form, c, d)
				}
			}
		}
	}
}

// TestDiffusiveTransverse: for the Diffusive form the numerical transverse
// exponent is λ_max + ln|1 − 2c| (same orbit and tangent), and at c = 1/2
// it is −Inf.
func TestDiffusiveTransverse(t *testing.T) {
	ctx := context.Background()
	g := RandomGRU(20, 7.5, 1)
	s0, err := OnAttractor(ctx, g, 1, 500)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Transient: 200, Steps: 3000, Seed: 4}
	lam, err := MaxLyapunov(ctx, g, s0, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{0, 0.02, 0.1, 0.3, 0.7, 0.95} {
		e, err := Transverse(ctx, NewPair(g, Diffusive, c), s0, opt)
		if err != nil {
			t.Fatal(err)
		}
		want := lam.Lambda + math.Log(math.Abs(1-2*c))
		if math.Abs(e.Lambda-want) > 1e-9 {
			t.Errorf("c=%g: λ⊥ = %.12f, want λ_max + ln|1−2c| = %.12f", c, e.Lambda, want)
		}
	}
	e, err := Transverse(ctx, NewPair(g, Diffusive, 0.5), s0, opt)
	if err != nil || !math.IsInf(e.Lambda, -1) {
		t.Errorf("c=1/2: λ⊥ = %v, %v; want −Inf", e.Lambda, err)
	}
	if c := DiffusiveThreshold(lam.Lambda); math.Abs(c-(1-math.Exp(-lam.Lambda))/2) > 1e-15 {
		t.Errorf("DiffusiveThreshold(%g) = %g", lam.Lambda, c)
	}
	if c := DiffusiveThreshold(-0.3); c != 0 {
		t.Errorf("DiffusiveThreshold(−0.3) = %g, want 0", c)
	}
}
