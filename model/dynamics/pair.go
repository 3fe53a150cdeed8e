package dynamics

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// Form is how two copies of a GRU are coupled (see the package doc).
type Form string

const (
	// Diffusive couples the states after each step:
	//   h_{t+1} = (1−c)·F(h_t) + c·F(h'_t),  h'_{t+1} = (1−c)·F(h'_t) + c·F(h_t).
	// The difference evolves by (1−2c)·DF; the threshold is
	// c* = (1 − e^{−λ_max})/2.
	Diffusive Form = "diffusive"
	// CGRUForm couples the candidate states as the CGRU does (DESIGN.md §2)
	// with one constant gate c for every unit:
	//   ñ = (1−c)·n + c·n',  h_{t+1} = (1−z)⊙ñ + z⊙h_t  (and symmetrically).
	// The update gate keeps part of each copy's own state, so c = 1/2 does
	// not synchronise in one step; the threshold is the root of the
	// transverse exponent, computed numerically.
	CGRUForm Form = "cgru"
)

// ParseForm returns the Form named s ("diffusive" or "cgru").
func ParseForm(s string) (Form, error) {
	switch Form(s) {
	case Diffusive, CGRUForm:
		return Form(s), nil
	}
	return "", fmt.Errorf("unknown coupling form %q (want diffusive or cgru)", s)
}

// Pair is two copies of a GRU coupled with strength C in a Form: a map of
// R^{2H} whose state is [h | h']. It implements [Map]. Like its GRU, a Pair
// must not be used by several goroutines at once.
type Pair struct {
	G    *GRU
	Form Form
	C    float64

	p1, p2 point
	f1, f2 []float64 // [H] F(h), F(h') (Diffusive)
	w1, w2 []float64 // [H] tangent scratch
}

// NewPair couples two copies of g. It panics on an unknown form or a c
// that is not finite.
func NewPair(g *GRU, form Form, c float64) *Pair {
	if form != Diffusive && form != CGRUForm {
		panic(fmt.Sprintf("dynamics: unknown coupling form %q", form))
	}
	if math.IsNaN(c) || math.IsInf(c, 0) {
		panic(fmt.Sprintf("dynamics: coupling %g", c))
	}
	H := g.H
	return &Pair{G: g, Form: form, C: c, p1: newPoint(H), p2: newPoint(H),
		f1: make([]float64, H), f2: make([]float64, H), w1: make([]float64, H), w2: make([]float64, H)}
}

// Dim is 2H.
func (p *Pair) Dim() int { return 2 * p.G.H }

// Step sets dst = [h_{t+1} | h'_{t+1}] from x = [h_t | h'_t]. dst may be x.
func (p *Pair) Step(dst, x []float64) { p.Tangent(dst, x, nil, nil) }

// Tangent sets dst to the next state and dv to the pair's Jacobian times
// each tangent vector of v ([k][2H]). dst may be x and dv may be v.
func (p *Pair) Tangent(dst, x, v, dv []float64) {
	g, H, c := p.G, p.G.H, p.C
	h1, h2 := x[:H], x[H:2*H]
	g.eval(&p.p1, h1)
	g.eval(&p.p2, h2)
	a, b := &p.p1, &p.p2
	switch p.Form {
	case Diffusive:
		// F(h) and F(h') first: the tangents need the old state.
		for i := 0; i < H; i++ {
			p.f1[i] = a.n[i] + a.z[i]*(h1[i]-a.n[i])
			p.f2[i] = b.n[i] + b.z[i]*(h2[i]-b.n[i])
		}
		for k := 0; k+2*H <= len(v); k += 2 * H {
			g.jvp(p.w1, h1, v[k:k+H], a, 1)
			g.jvp(p.w2, h2, v[k+H:k+2*H], b, 1)
			for i := 0; i < H; i++ {
				dv[k+i] = (1-c)*p.w1[i] + c*p.w2[i]
				dv[k+H+i] = (1-c)*p.w2[i] + c*p.w1[i]
			}
		}
		for i := 0; i < H; i++ {
			f1, f2 := p.f1[i], p.f2[i]
			dst[i] = (1-c)*f1 + c*f2
			dst[H+i] = (1-c)*f2 + c*f1
		}
	case CGRUForm:
		// d h_new = z ⊙ dh + (h − ñ) ⊙ ∂z·dh + (1−z) ⊙ ((1−c) ∂n·dh + c ∂n'·dh').
		for k := 0; k+2*H <= len(v); k += 2 * H {
			v1, v2 := v[k:k+H], v[k+H:k+2*H]
			dn1, dz1 := p.w1, p.f1
			dn2, dz2 := p.w2, p.f2
			g.partials(dn1, dz1, v1, a)
			g.partials(dn2, dz2, v2, b)
			for i := 0; i < H; i++ {
				nt1 := (1-c)*a.n[i] + c*b.n[i]
				nt2 := (1-c)*b.n[i] + c*a.n[i]
				d1 := a.z[i]*v1[i] + (h1[i]-nt1)*dz1[i] + (1-a.z[i])*((1-c)*dn1[i]+c*dn2[i])
				d2 := b.z[i]*v2[i] + (h2[i]-nt2)*dz2[i] + (1-b.z[i])*((1-c)*dn2[i]+c*dn1[i])
				dv[k+i], dv[k+H+i] = d1, d2
			}
		}
		// As the engine's mixFwd: c = 1/2 gives bitwise equal ñ and ñ'.
		for i := 0; i < H; i++ {
			nt1 := (1-c)*a.n[i] + c*b.n[i]
			nt2 := (1-c)*b.n[i] + c*a.n[i]
			dst[i] = nt1 + a.z[i]*(h1[i]-nt1)
			dst[H+i] = nt2 + b.z[i]*(h2[i]-nt2)
		}
	}
}

// partials sets dn = ∂n·v and dz = ∂z·v at the point pt.
func (g *GRU) partials(dn, dz, v []float64, pt *point) {
	H := g.H
	u := g.u
	g.matVec(u, v)
	for i := 0; i < H; i++ {
		dn[i] = pt.cr[i]*u[i] + pt.cn[i]*u[2*H+i]
		dz[i] = pt.zz[i] * u[H+i]
	}
}

// SyncError returns ‖h − h'‖₂ of a pair state x = [h | h'].
func SyncError(x []float64) float64 {
	H := len(x) / 2
	var s float64
	for i := 0; i < H; i++ {
		d := x[i] - x[H+i]
		s += d * d
	}
	return math.Sqrt(s)
}

// transverse is the linearisation of a Pair across its synchronisation
// manifold h = h': the orbit of one copy, s_{t+1} = F(s_t), with the
// transverse Jacobian J⊥ = ∂h_{t+1}/∂h − ∂h_{t+1}/∂h' at (s, s):
//
//	Diffusive: J⊥ = (1 − 2c)·DF(s)
//	CGRUForm:  J⊥ = DF(s) − 2c·diag(1 − z)·∂n(s) = diag(z) + (1 − 2c)·diag(1 − z)·∂n + diag(s − n)·∂z
//
// It implements Map on R^H.
type transverse struct{ p *Pair }

func (t transverse) Dim() int              { return t.p.G.H }
func (t transverse) Step(dst, x []float64) { t.p.G.Step(dst, x) }
func (t transverse) Tangent(dst, x, v, dv []float64) {
	g, H, c := t.p.G, t.p.G.H, t.p.C
	pt := &t.p.p1
	g.eval(pt, x)
	for k := 0; k+H <= len(v); k += H {
		switch t.p.Form {
		case Diffusive:
			g.jvp(dv[k:k+H], x, v[k:k+H], pt, 1)
			for i := k; i < k+H; i++ {
				dv[i] *= 1 - 2*c
			}
		case CGRUForm:
			g.jvp(dv[k:k+H], x, v[k:k+H], pt, 1-2*c)
		}
	}
	for i := 0; i < H; i++ {
		dst[i] = pt.n[i] + pt.z[i]*(x[i]-pt.n[i])
	}
}

// Transverse estimates the transverse Lyapunov exponent λ⊥ of the pair p
// at its synchronised state: the largest Lyapunov exponent of J⊥ (see the
// package doc) along the orbit of one copy started at s0 (len H), by
// Benettin's method with opt. Small perturbations of the synchronised
// state grow like e^{λ⊥·t} when λ⊥ > 0 and die out when λ⊥ < 0. For the
// Diffusive form λ⊥ = λ_max + ln|1 − 2c| exactly (−Inf at c = 1/2);
// with the same s0 and opt it equals MaxLyapunov's estimate plus
// ln|1 − 2c| up to rounding.
func Transverse(ctx context.Context, p *Pair, s0 []float64, opt Options) (Estimate, error) {
	return MaxLyapunov(ctx, transverse{p}, s0, opt)
}

// DiffusiveThreshold is the synchronisation threshold of the Diffusive
// form, c* = (1 − e^{−λ})/2 for a largest Lyapunov exponent λ > 0, and 0
// for λ ≤ 0 (then nearby states of one copy already converge). The
// synchronised state is stable for c* < c < 1 − c*.
func DiffusiveThreshold(lambda float64) float64 {
	if !(lambda > 0) {
		return 0
	}
	return -math.Expm1(-lambda) / 2
}

// TransverseThreshold finds the smallest c in [0, 1/2] with λ⊥(c) ≤ 0 by
// bisection to within tol, computing λ⊥ with the same orbit and tangent
// (s0, opt) for every c so that λ⊥(c) varies smoothly. It returns 0 when
// λ⊥(0) ≤ 0 (the copies need no coupling) and ok = false when λ⊥(1/2) > 0
// (no coupling up to 1/2 synchronises). It assumes λ⊥ has one sign change
// on [0, 1/2], as it has for the Diffusive form.
func TransverseThreshold(ctx context.Context, g *GRU, form Form, s0 []float64, opt Options, tol float64) (c float64, ok bool, err error) {
	lam := func(c float64) (float64, error) {
		e, err := Transverse(ctx, NewPair(g, form, c), s0, opt)
		return e.Lambda, err
	}
	l0, err := lam(0)
	if err != nil || l0 <= 0 {
		return 0, err == nil, err
	}
	lo, hi := 0.0, 0.5
	lh, err := lam(hi)
	if err != nil {
		return 0, false, err
	}
	if lh > 0 {
		return math.NaN(), false, nil
	}
	for hi-lo > tol {
		mid := (lo + hi) / 2
		l, err := lam(mid)
		if err != nil {
			return 0, false, err
		}
		if l > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2, true, nil
}

// RandomState returns a state of H values uniform in (−1, 1) from rng.
func RandomState(h int, rng *rand.Rand) []float64 {
	x := make([]float64, h)
	for i := range x {
		x[i] = 2*rng.Float64() - 1
	}
	return x
}

// OnAttractor returns a point of g's attractor: a random state drawn from
// seed, run for transient steps.
func OnAttractor(ctx context.Context, g *GRU, seed uint64, transient int) ([]float64, error) {
	rng := rand.New(rand.NewPCG(seed, 0x7374617465)) // "state"
	x := RandomState(g.H, rng)
	if err := Iterate(ctx, g, x, transient); err != nil {
		return nil, err
	}
	return x, nil
}

// Start returns the initial state [h | h'] of a pair experiment: two
// independent random states (from seed and seed+1) run uncoupled for
// transient steps, so that both lie on the attractor, apart. With delta >
// 0, h' is instead h plus a random perturbation of length delta (the test
// of sensitive dependence on initial conditions).
func Start(ctx context.Context, g *GRU, seed uint64, transient int, delta float64) ([]float64, error) {
	H := g.H
	h, err := OnAttractor(ctx, g, seed, transient)
	if err != nil {
		return nil, err
	}
	x := make([]float64, 2*H)
	copy(x, h)
	if delta > 0 {
		rng := rand.New(rand.NewPCG(seed, 0x64656c7461)) // "delta"
		d := make([]float64, H)
		var s float64
		for i := range d {
			d[i] = 2*rng.Float64() - 1
			s += d[i] * d[i]
		}
		s = delta / math.Sqrt(s)
		for i := range d {
			x[H+i] = h[i] + s*d[i]
		}
		return x, nil
	}
	h2, err := OnAttractor(ctx, g, seed+1, transient)
	if err != nil {
		return nil, err
	}
	copy(x[H:], h2)
	return x, nil
}

// Run iterates the pair p from x0 = [h | h'] for steps steps and returns
// the synchronisation error ‖h_t − h'_t‖ for t = 0…steps (steps+1 values).
// With each not nil, each(t, x) is called with every state x = [h_t | h'_t]
// (x is reused: copy what you keep). It looks at ctx every 1024 steps and
// returns an error if the orbit overflows.
func Run(ctx context.Context, p *Pair, x0 []float64, steps int, each func(t int, x []float64)) ([]float64, error) {
	if len(x0) != p.Dim() {
		panic(fmt.Sprintf("dynamics: pair state of %d values, want %d", len(x0), p.Dim()))
	}
	x := append([]float64(nil), x0...)
	e := make([]float64, steps+1)
	e[0] = SyncError(x)
	if each != nil {
		each(0, x)
	}
	for t := 1; t <= steps; t++ {
		if t%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		p.Step(x, x)
		e[t] = SyncError(x)
		if each != nil {
			each(t, x)
		}
	}
	if !finite(x) {
		return nil, errNonFinite
	}
	return e, nil
}
