package baseline

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// converged is OPW run until the row marginals are exact to rounding.
func converged(o OPW) OPW {
	o.Iterations, o.Tol = 100000, 1e-15
	return o
}

func TestOPWOneElement(t *testing.T) {
	// With one element on either side the plan is forced (all mass of the
	// single element goes to every element of the other side, 1/m each),
	// so the distance is the mean ground cost, whatever λ1, λ2, δ.
	a := seqN(2, 1, 2)
	b := seqN(2, 0, 0, 1, 2, 4, 2, 1, 5) // costs 5, 0, 9, 9
	for _, o := range []OPW{DefaultOPW(), {Lambda1: 0, Lambda2: 1, Delta: 3, Iterations: 1}, {Lambda1: 7, Lambda2: 0.01, Delta: 0.5, Iterations: 5}} {
		if d := o.Distance(a, b, nil); math.Abs(d-23.0/4) > 1e-12 {
			t.Errorf("%+v: d(1 element, 4 elements) = %.15g, want 5.75", o, d)
		}
		if d := o.Distance(b, a, nil); math.Abs(d-23.0/4) > 1e-12 {
			t.Errorf("%+v: d(4 elements, 1 element) = %.15g, want 5.75", o, d)
		}
	}
}

func TestOPWTwoByTwo(t *testing.T) {
	// For n = m = 2 the plan with uniform marginals is [[x, ½−x], [½−x, x]]
	// and the entropic solution keeps the cross ratio of the kernel:
	// x²/(½−x)² = ρ = K11·K22/(K12·K21), so x = √ρ / (2(1+√ρ)).
	// Positions i/n, j/m ∈ {½, 1}: on the diagonal E = 1, ℓ = 0; off it
	// E = 1/(¼+1) = 0.8 and ℓ² = ¼/(¼+¼) = ½. Hence
	// log ρ = 2λ1(1 − 0.8)/λ2 + 2·(½)/(2δ²) − (C11 + C22 − C12 − C21)/λ2.
	a, b := seq1(0, 1), seq1(0, 2) // C = [[0 4] [1 1]]
	for _, c := range []struct{ l1, l2, delta float64 }{{1, 2, 1}, {0, 1, 1}, {0.5, 3, 0.7}, {50, 10, 1}} {
		logRho := 2*c.l1*0.2/c.l2 + 1/(2*c.delta*c.delta) - (0+1-4-1)/c.l2
		r := math.Exp(logRho / 2)
		x := r / (2 * (1 + r))
		want := x*(0+1) + (0.5-x)*(4+1)
		o := converged(OPW{Lambda1: c.l1, Lambda2: c.l2, Delta: c.delta})
		d, plan := o.Plan(a, b)
		if math.Abs(d-want) > 1e-12 {
			t.Errorf("%+v: distance %.15g, want %.15g", c, d, want)
		}
		wantPlan := []float64{x, 0.5 - x, 0.5 - x, x}
		for k := range plan {
			if math.Abs(plan[k]-wantPlan[k]) > 1e-12 {
				t.Errorf("%+v: plan %v, want %v", c, plan, wantPlan)
				break
			}
		}
	}
}

// refOPW is an independent, plain log-domain implementation of the same
// iterations: g = log β − LSE_i(log K + f), then f = log α − LSE_j(log K + g).
func refOPW(o OPW, a, b Seq) (float64, []float64) {
	n, m := a.T, b.T
	logK := make([]float64, n*m)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			x := float64(i+1)/float64(n) - float64(j+1)/float64(m)
			l2 := x * x / (1/float64(n*n) + 1/float64(m*m))
			logP := -l2/(2*o.Delta*o.Delta) - math.Log(o.Delta*math.Sqrt(2*math.Pi))
			var c float64
			for k := 0; k < a.D; k++ {
				e := a.X[i*a.D+k] - b.X[j*b.D+k]
				c += e * e
			}
			logK[i*m+j] = logP + (o.Lambda1/(x*x+1)-c)/o.Lambda2
		}
	}
	f, g := make([]float64, n), make([]float64, m)
	lse := func(xs []float64) float64 {
		mx := math.Inf(-1)
		for _, x := range xs {
			mx = max(mx, x)
		}
		var s float64
		for _, x := range xs {
			s += math.Exp(x - mx)
		}
		return mx + math.Log(s)
	}
	tmpN, tmpM := make([]float64, n), make([]float64, m)
	// From u = 1 (f = 0): columns, then rows, as Sinkhorn's algorithm in OPW.
	for it := 0; it < o.Iterations; it++ {
		for j := 0; j < m; j++ {
			for i := 0; i < n; i++ {
				tmpN[i] = logK[i*m+j] + f[i]
			}
			g[j] = -math.Log(float64(m)) - lse(tmpN)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				tmpM[j] = logK[i*m+j] + g[j]
			}
			f[i] = -math.Log(float64(n)) - lse(tmpM)
		}
	}
	plan := make([]float64, n*m)
	var d float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			p := math.Exp(logK[i*m+j] + f[i] + g[j])
			plan[i*m+j] = p
			d += p * sqDist(a.At(i), b.At(j))
		}
	}
	return d, plan
}

func TestOPWAgainstLogDomainReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var w Work
	worst := 0.0
	for trial := 0; trial < 120; trial++ {
		n, m, d := 1+rng.IntN(30), 1+rng.IntN(30), 1+rng.IntN(10)
		scale := []float64{0.1, 1, 10, 100}[trial%4] // 100: exp(−C/λ2) underflows everywhere
		a, b := randSeq(rng, n, d), randSeq(rng, m, d)
		for k := range a.X {
			a.X[k] *= scale
		}
		for k := range b.X {
			b.X[k] *= scale
		}
		o := DefaultOPW()
		if trial%3 == 1 {
			o = OPW{Lambda1: rng.Float64() * 10, Lambda2: 0.05 + rng.Float64(), Delta: 0.3 + rng.Float64()*3, Iterations: 1 + rng.IntN(40)}
		}
		want, wantPlan := refOPW(o, a, b)
		plan := make([]float64, n*m)
		got, _ := o.Align(plan, a, b, &w)
		if dd := o.Distance(a, b, &w); dd != got {
			t.Fatalf("%d×%d: Distance %.17g, Align %.17g", n, m, dd, got)
		}
		if math.IsNaN(got) || math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
			t.Fatalf("trial %d, %d×%d×%d scale %g %+v: distance %.15g, reference %.15g", trial, n, m, d, scale, o, got, want)
		}
		for k := range plan {
			// Entries are at most 1; with ground costs of 1e5·λ2 the log
			// kernel's rounding alone is about 1e-11.
			if e := math.Abs(plan[k] - wantPlan[k]); e > 1e-10 {
				t.Fatalf("trial %d, %d×%d scale %g %+v: plan[%d] = %g, reference %g", trial, n, m, scale, o, k, plan[k], wantPlan[k])
			} else {
				worst = max(worst, e)
			}
		}
	}
	t.Logf("largest plan difference to the log-domain reference: %.2g", worst)
}

func TestOPWMarginals(t *testing.T) {
	// Rows and columns of the plan sum to the uniform weights within 1e-6
	// when Sinkhorn runs to convergence; with the paper's 20 iterations the
	// rows are exact (the last update is the row scaling) and the columns
	// are not.
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sz := range [][2]int{{128, 128}, {128, 4}, {4, 128}, {37, 91}, {1, 5}} {
		n, m := sz[0], sz[1]
		a, b := randSeq(rng, n, 9), randSeq(rng, m, 9)
		for _, o := range []OPW{converged(DefaultOPW()), DefaultOPW()} {
			_, plan := o.Plan(a, b)
			var rowErr, colErr float64
			for i := 0; i < n; i++ {
				var s float64
				for j := 0; j < m; j++ {
					s += plan[i*m+j]
				}
				rowErr = max(rowErr, math.Abs(s-1/float64(n)))
			}
			for j := 0; j < m; j++ {
				var s float64
				for i := 0; i < n; i++ {
					s += plan[i*m+j]
				}
				colErr = max(colErr, math.Abs(s-1/float64(m)))
			}
			if rowErr > 1e-12 || (o.Tol > 0 && colErr > 1e-6) {
				t.Errorf("%d×%d %d iterations: largest row error %.2g, column error %.2g", n, m, o.Iterations, rowErr, colErr)
			}
			if o.Tol == 0 {
				t.Logf("%d×%d, 20 iterations: largest row error %.2g, column error %.2g (weights %.3g, %.3g)", n, m, rowErr, colErr, 1/float64(n), 1/float64(m))
			}
		}
	}
}

func TestOPWSymmetricSelf(t *testing.T) {
	// OPW's objective is symmetric under transposition for n = m, so the
	// converged distance is; d(a, a) is small but not 0 (entropic
	// smoothing spreads mass off the diagonal). (With the paper's λ2 = 0.1
	// and λ1 = 50 Sinkhorn needs about 10⁵ iterations on this case to reach
	// 1e-6; milder parameters converge in a few hundred.)
	rng := rand.New(rand.NewPCG(11, 12))
	a, b := randSeq(rng, 20, 3), randSeq(rng, 20, 3)
	o := converged(OPW{Lambda1: 1, Lambda2: 1, Delta: 1})
	ab, ba := o.Distance(a, b, nil), o.Distance(b, a, nil)
	if math.Abs(ab-ba) > 1e-9*ab {
		t.Errorf("d(a,b) = %.15g, d(b,a) = %.15g", ab, ba)
	}
	if aa := o.Distance(a, a, nil); !(aa >= 0 && aa < 0.1*ab) {
		t.Errorf("d(a,a) = %g against d(a,b) = %g", aa, ab)
	}
}

func TestOPWCheck(t *testing.T) {
	bad := []OPW{
		{Lambda1: -1, Lambda2: 1, Delta: 1, Iterations: 1},
		{Lambda1: 1, Lambda2: 0, Delta: 1, Iterations: 1},
		{Lambda1: 1, Lambda2: 1, Delta: 0, Iterations: 1},
		{Lambda1: 1, Lambda2: 1, Delta: 1, Iterations: 0},
		{Lambda1: math.NaN(), Lambda2: 1, Delta: 1, Iterations: 1},
		{Lambda1: 1, Lambda2: 1, Delta: 1, Iterations: 1, Tol: -1},
	}
	for _, o := range bad {
		if o.Check() == nil {
			t.Errorf("%+v: Check accepted it", o)
		}
	}
	if err := DefaultOPW().Check(); err != nil {
		t.Error(err)
	}
}

// The SIMD dot and axpy must give the portable results bit for bit.
func TestDotAxpyAgree(t *testing.T) {
	if simdDot == nil {
		t.Skip("no SIMD kernels in this build")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	sd, sa := simdDot, simdAxpy
	defer func() { simdDot, simdAxpy = sd, sa }()
	for trial := 0; trial < 100; trial++ {
		n := rng.IntN(40)
		x, y := randSeq(rng, n+1, 1).X[:n], randSeq(rng, n+1, 1).X[:n]
		a := rng.NormFloat64()
		y1, y2 := append([]float64(nil), y...), append([]float64(nil), y...)
		simdDot, simdAxpy = sd, sa
		d1 := dot(x, y)
		axpy(y1, a, x)
		simdDot, simdAxpy = nil, nil
		d2 := dot(x, y)
		axpy(y2, a, x)
		if d1 != d2 {
			t.Fatalf("n=%d: SIMD dot %.17g, portable %.17g", n, d1, d2)
		}
		for k := range y1 {
			if y1[k] != y2[k] {
				t.Fatalf("n=%d: SIMD axpy[%d] %.17g, portable %.17g", n, k, y1[k], y2[k])
			}
		}
	}
}

// TestMedian checks the selection against sorting, on odd and even
// lengths, ties and a sorted input.
func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := new(Work)
	for _, n := range []int{1, 2, 3, 4, 7, 10, 128, 16384} {
		for trial := 0; trial < 4; trial++ {
			c := make([]float64, n)
			for i := range c {
				switch trial {
				case 0:
					c[i] = rng.Float64()
				case 1:
					c[i] = float64(rng.IntN(3)) // ties
				case 2:
					c[i] = float64(i) // sorted
				default:
					c[i] = float64(n - i) // reversed
				}
			}
			s := slices.Clone(c)
			slices.Sort(s)
			orig := slices.Clone(c)
			if got, want := median(w, c), s[(n-1)/2]; got != want {
				t.Errorf("n %d trial %d: median %g, want %g", n, trial, got, want)
			}
			if !slices.Equal(c, orig) {
				t.Errorf("n %d trial %d: median changed its input", n, trial)
			}
		}
	}
}

// TestOPWMedianScale: dividing the costs by their median m in the kernel is
// OPW with λ1 and λ2 both multiplied by m (the prior's weight λ1/λ2 is
// unchanged, the costs' weight becomes 1/(λ2·m)), and the distance stays
// ⟨T, C⟩ in the costs' own units.
func TestOPWMedianScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 5; trial++ {
		a, b := randSeq(rng, 20+rng.IntN(30), 3), randSeq(rng, 10+rng.IntN(30), 3)
		for k := range a.X {
			a.X[k] *= 40 // unnormalised features: costs in the thousands
		}
		w := new(Work)
		c := slices.Clone(costMatrix(nil, b, a, w)) // the orientation Distance uses
		slices.Sort(c)
		m := c[(len(c)-1)/2]
		o := DefaultOPW()
		o.MedianScale = true
		got := o.Distance(a, b, nil)
		want := OPW{Lambda1: 50 * m, Lambda2: 0.1 * m, Delta: 1, Iterations: 20}.Distance(a, b, nil)
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("trial %d: median-scaled distance %.15g, want %.15g (median %g)", trial, got, want, m)
		}
		if plain := DefaultOPW().Distance(a, b, nil); math.Abs(plain-got) < 1e-6*got {
			t.Errorf("trial %d: scaling changed nothing (%g): the test does not test it", trial, got)
		}
	}
}
