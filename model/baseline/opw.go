package baseline

import (
	"fmt"
	"math"
)

// OPW is the order-preserving Wasserstein distance of Su & Hua (CVPR 2017).
// The elements of sequences a (length n) and b (length m) carry uniform
// masses α_i = 1/n and β_j = 1/m; the transport plan T (n × m, rows summing
// to α, columns to β) solves
//
//	min_T ⟨T, C⟩ − λ1·I(T) + λ2·KL(T ‖ P)
//
// where C_ij = ‖a_i − b_j‖² is the ground cost,
//
//	I(T) = Σ_ij T_ij / ((i/n − j/m)² + 1)
//
// is the inverse difference moment, which rewards transport near the
// diagonal of the two relative time axes (positions i/n, j/m with i, j from
// 1), and P is the temporal prior, a Gaussian of the distance of (i/n, j/m)
// to the diagonal:
//
//	P_ij = exp(−ℓ_ij² / (2δ²)) / (δ√(2π)),  ℓ_ij = |i/n − j/m| / √(1/n² + 1/m²).
//
// Writing E_ij = 1/((i/n − j/m)² + 1), the solution is T = diag(u) K diag(v)
// with the kernel
//
//	K_ij = P_ij · exp((λ1·E_ij − C_ij) / λ2),
//
// and u, v found by Sinkhorn's matrix scaling from u = 1, each iteration
// v = β ./ (Kᵀ u) then u = α ./ (K v) (the order of Cuturi's algorithm, which
// OPW uses: the row sums are exact on return, the column sums approximate).
// The distance is ⟨T, C⟩ (the paper's OPW distance, without the
// regularisers).
//
// # Numerical stability
//
// The kernel overflows or underflows in float64 for usual parameters (with
// λ1 = 50, λ2 = 0.1 the factor exp(λ1·E/λ2) reaches e^500, and ground costs
// above about 70 make exp(−C/λ2) underflow to 0, so that whole rows or
// columns of K vanish). OPW never forms K itself: it keeps log K and
// log-domain potentials f, g with K̃ = exp(log K + f ⊕ g). The first iteration
// is done in the log domain (column, then row log-sum-exp), after which every
// entry of K̃ is at most 1/n, every column sums to at least 1/(n·m) and every
// row to 1/n; the following iterations scale K̃ in the ordinary domain and
// fold the scalings back into f, g whenever one leaves [1e-100, 1e100], and
// fall back to a log-domain iteration if a row or column sum ever vanishes.
// The result is the plan of the plain algorithm, to rounding, for any cost
// scale.
type OPW struct {
	// Lambda1 (λ1) weighs the inverse difference moment I(T). RVSML paper
	// default: 50.
	Lambda1 float64
	// Lambda2 (λ2) weighs KL(T ‖ P), and is the entropic regularisation of
	// the transport. RVSML paper default: 0.1.
	Lambda2 float64
	// Delta (δ) is the standard deviation of the temporal prior, in units of
	// ℓ. RVSML paper default: 1.
	Delta float64
	// Iterations is the number of Sinkhorn iterations (one iteration updates
	// v, then u, so the row sums are exact on return). RVSML paper
	// default: 20.
	Iterations int
	// Tol, when positive, stops the iterations earlier once the column sums
	// are within Tol of β in L1 norm, Σ_j |Σ_i T_ij − 1/m| < Tol. 0: always
	// run Iterations.
	Tol float64
	// MedianScale divides each pair's cost matrix by its median before the
	// kernel, so that λ2 weighs costs on a natural scale whatever the
	// features' units: the advice of the OPW reference code for
	// unnormalised features. The distance ⟨T, C⟩ stays in the costs' own
	// units, comparable across pairs. Off by default (the published
	// method). On raw UCI HAR it changes RVSML's 1-NN, whose costs between
	// projected windows are tiny, so that the plans follow the windows
	// rather than the temporal prior alone; its training costs are about 1
	// already and it leaves them as they are (docs/results/README.md).
	MedianScale bool
}

// DefaultOPW returns the OPW parameters used with RVSML by Su & Wu (ICML
// 2019): λ1 = 50, λ2 = 0.1, δ = 1, 20 Sinkhorn iterations.
func DefaultOPW() OPW { return OPW{Lambda1: 50, Lambda2: 0.1, Delta: 1, Iterations: 20} }

// Check reports whether the parameters are usable: λ2 and δ positive, λ1
// finite and not negative, at least one iteration, Tol not negative.
func (o OPW) Check() error {
	switch {
	case !(o.Lambda1 >= 0) || math.IsInf(o.Lambda1, 0):
		return fmt.Errorf("OPW lambda1 %g: want a finite value ≥ 0", o.Lambda1)
	case !(o.Lambda2 > 0) || math.IsInf(o.Lambda2, 0):
		return fmt.Errorf("OPW lambda2 %g: want a finite value > 0", o.Lambda2)
	case !(o.Delta > 0) || math.IsInf(o.Delta, 0):
		return fmt.Errorf("OPW delta %g: want a finite value > 0", o.Delta)
	case o.Iterations < 1:
		return fmt.Errorf("OPW iterations %d: want at least 1", o.Iterations)
	case !(o.Tol >= 0):
		return fmt.Errorf("OPW tol %g: want ≥ 0", o.Tol)
	}
	return nil
}

// Distance returns the OPW distance ⟨T, C⟩ of a and b. w is scratch space
// reused across calls (nil: allocate); a Work must not be shared between
// goroutines. It panics if a or b is empty or malformed, their dimensions
// differ, or the parameters fail Check.
func (o OPW) Distance(a, b Seq, w *Work) float64 {
	checkPair("OPW", a, b)
	if w == nil {
		w = new(Work)
	}
	// The solver scales its rows first and its columns last; on the
	// transposed problem (b against a) that is the order of Sinkhorn's
	// algorithm as OPW uses it, columns first and rows last.
	w.cost = costMatrix(w.cost, b, a, w)
	return o.solve(w, b.T, a.T, nil)
}

// Align writes the transport plan of a and b into t (a.T × b.T, row-major)
// and returns ⟨T, C⟩ and the regulariser of the objective at T,
// Ω(T) = −λ1·I(T) + λ2·KL(T ‖ P) = λ2·Σ_ij T_ij (log T_ij − log P_ij − λ1·E_ij/λ2)
// (the KL without its constant mass terms; 0·log 0 = 0). It panics like
// Distance, or if len(t) != a.T·b.T.
func (o OPW) Align(t []float64, a, b Seq, w *Work) (cost, reg float64) {
	checkAlign("OPW", t, a, b)
	if w == nil {
		w = new(Work)
	}
	n, m := a.T, b.T
	w.cost = costMatrix(w.cost, b, a, w) // transposed, as in Distance
	w.plan = grow(w.plan, n*m)
	cost = o.solve(w, m, n, w.plan)
	for j := 0; j < m; j++ {
		for i, tk := range w.plan[j*n : (j+1)*n] {
			t[i*m+j] = tk
			if tk > 0 {
				reg += tk * (math.Log(tk) - w.prior[j*n+i])
			}
		}
	}
	return cost, o.Lambda2 * reg
}

// Plan returns the OPW distance of a and b and the transport plan
// (a.T × b.T, row-major). It panics like Distance.
func (o OPW) Plan(a, b Seq) (float64, []float64) {
	t := make([]float64, a.T*b.T)
	d, _ := o.Align(t, a, b, nil)
	return d, t
}

// preparePrior fills w.prior with log P_ij + λ1·E_ij/λ2 for an n×m problem,
// unless it already holds them.
func (o OPW) preparePrior(w *Work, n, m int) {
	if w.priorN == n && w.priorM == m && w.priorOPW == o {
		return
	}
	w.prior = grow(w.prior, n*m)
	nf, mf := float64(n), float64(m)
	mid := math.Sqrt(1/(nf*nf) + 1/(mf*mf))
	logNorm := math.Log(o.Delta * math.Sqrt(2*math.Pi))
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			diff := float64(i+1)/nf - float64(j+1)/mf
			l := math.Abs(diff) / mid
			e := 1 / (diff*diff + 1)
			w.prior[i*m+j] = -l*l/(2*o.Delta*o.Delta) - logNorm + o.Lambda1*e/o.Lambda2
		}
	}
	w.priorN, w.priorM, w.priorOPW = n, m, o
}

// Bounds of the scalings u, v before they are folded into the potentials.
const (
	scaleHi = 1e100
	scaleLo = 1e-100
)

// solve runs the stabilised Sinkhorn iterations on the cost in w.cost
// (n × m) and returns ⟨T, C⟩; if t is not nil it receives the plan. It
// scales rows first and columns last (Distance and Align call it on the
// transposed problem).
func (o OPW) solve(w *Work, n, m int, t []float64) float64 {
	if err := o.Check(); err != nil {
		panic("baseline: " + err.Error())
	}
	o.preparePrior(w, n, m)
	nm := n * m
	w.logK = grow(w.logK, nm)
	w.k = grow(w.k, nm)
	w.f, w.g = grow(w.f, n), grow(w.g, m)
	w.u, w.v = grow(w.u, n), grow(w.v, m)
	w.kv, w.ktu = grow(w.kv, n), grow(w.ktu, m)
	logK, k, g, u, v := w.logK, w.k, w.g, w.u, w.v
	inv := 1 / o.Lambda2
	if o.MedianScale {
		if med := median(w, w.cost[:nm]); med > 0 {
			inv /= med
		}
	}
	for x := range logK {
		logK[x] = w.prior[x] - w.cost[x]*inv
	}
	alpha, beta := 1/float64(n), 1/float64(m)
	logA, logB := math.Log(alpha), math.Log(beta)

	// Iteration 1 in the log domain, from v = 1 (g = 0).
	clear(g)
	o.logIteration(w, n, m, logA, logB)
	for it := 2; it <= o.Iterations; it++ {
		// Kv, and the row error of the current plan. Each row of K̃ is
		// zero outside [rlo_i, rhi_i) (underflow of the prior's tails).
		kv := w.kv
		ok := true
		var rowErr float64
		for i := 0; i < n; i++ {
			lo, hi := w.rlo[i], w.rhi[i]
			s := dot(k[i*m+lo:i*m+hi], v[lo:hi])
			kv[i] = s
			if o.Tol > 0 {
				rowErr += math.Abs(u[i]*s - alpha)
			}
			if !(s > 0) || math.IsInf(s, 0) {
				ok = false
			}
		}
		if o.Tol > 0 && rowErr < o.Tol {
			break
		}
		if !ok {
			o.absorb(w, n, m)
			o.logIteration(w, n, m, logA, logB)
			continue
		}
		for i := range u {
			u[i] = alpha / kv[i]
		}
		ktu := w.ktu
		clear(ktu)
		for i := 0; i < n; i++ {
			lo, hi := w.rlo[i], w.rhi[i]
			axpy(ktu[lo:hi], u[i], k[i*m+lo:i*m+hi])
		}
		for _, s := range ktu {
			if !(s > 0) || math.IsInf(s, 0) {
				ok = false
			}
		}
		if !ok {
			// Redo this iteration in the log domain, from the current v
			// (u is recomputed there).
			for i := range u {
				u[i] = 1
			}
			o.absorb(w, n, m)
			o.logIteration(w, n, m, logA, logB)
			continue
		}
		for j := range v {
			v[j] = beta / ktu[j]
		}
		if outOfRange(u) || outOfRange(v) {
			o.absorb(w, n, m)
			o.rebuild(w, n, m)
		}
	}
	if t != nil {
		clear(t)
	}
	var d float64
	for i := 0; i < n; i++ {
		ui := u[i]
		lo, hi := w.rlo[i], w.rhi[i]
		row, c := k[i*m+lo:i*m+hi], w.cost[i*m+lo:i*m+hi]
		for j, kij := range row {
			tij := ui * kij * v[lo+j]
			d += tij * c[j]
			if t != nil {
				t[i*m+lo+j] = tij
			}
		}
	}
	return d
}

// median returns the median of c (the lower one for an even count),
// selecting in a copy kept in w, in time linear in len(c) on average;
// deterministic.
func median(w *Work, c []float64) float64 {
	w.sel = grow(w.sel, len(c))
	a := w.sel[:len(c)]
	copy(a, c)
	k := (len(a) - 1) / 2
	lo, hi := 0, len(a)-1
	for lo < hi {
		// Hoare partition around the middle element's value.
		p := a[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// dot returns Σ x_j y_j over len(x) terms, in four partial sums (term j in
// sum j mod 4) added as (s0 + s1) + (s2 + s3).
func dot(x, y []float64) float64 {
	if simdDot != nil {
		return simdDot(x, y)
	}
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		s0 += float64(x[j] * y[j])
		s1 += float64(x[j+1] * y[j+1])
		s2 += float64(x[j+2] * y[j+2])
		s3 += float64(x[j+3] * y[j+3])
	}
	for k := 0; j < len(x); j, k = j+1, k+1 {
		p := float64(x[j] * y[j])
		switch k {
		case 0:
			s0 += p
		case 1:
			s1 += p
		default:
			s2 += p
		}
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds a·x to y (len(y) = len(x)).
func axpy(y []float64, a float64, x []float64) {
	if simdAxpy != nil {
		simdAxpy(y, a, x)
		return
	}
	x = x[:len(y)]
	for j, xj := range x {
		y[j] += float64(a * xj)
	}
}

// SIMD versions of dot and axpy with the same roundings and order (set by
// the SIMD build on CPUs that have the instructions).
var (
	simdDot  func(x, y []float64) float64
	simdAxpy func(y []float64, a float64, x []float64)
)

// rowRanges sets w.rlo, w.rhi to the first nonzero column and one past the
// last nonzero column of each row of K̃ (an empty row gets [0, 0)).
func rowRanges(w *Work, n, m int) {
	w.rlo, w.rhi = growInt(w.rlo, n), growInt(w.rhi, n)
	for i := 0; i < n; i++ {
		row := w.k[i*m : (i+1)*m]
		lo, hi := 0, m
		for lo < m && row[lo] == 0 {
			lo++
		}
		for hi > lo && row[hi-1] == 0 {
			hi--
		}
		w.rlo[i], w.rhi[i] = lo, hi
	}
}

func growInt(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// expUnderflow is the argument below which math.Exp returns 0.
const expUnderflow = -745.2

// outOfRange reports whether a scaling left [scaleLo, scaleHi] (or is NaN).
func outOfRange(s []float64) bool {
	for _, x := range s {
		if !(x >= scaleLo && x <= scaleHi) {
			return true
		}
	}
	return false
}

// absorb folds the scalings u, v into the potentials f, g and resets them
// to 1 (K̃ must then be rebuilt).
func (o OPW) absorb(w *Work, n, m int) {
	for i := range w.u[:n] {
		w.f[i] += math.Log(w.u[i])
		w.u[i] = 1
	}
	for j := range w.v[:m] {
		w.g[j] += math.Log(w.v[j])
		w.v[j] = 1
	}
}

// rebuild sets K̃ = exp(log K + f ⊕ g).
func (o OPW) rebuild(w *Work, n, m int) {
	for i := 0; i < n; i++ {
		fi := w.f[i]
		row, lk := w.k[i*m:(i+1)*m], w.logK[i*m:(i+1)*m]
		for j := range row {
			row[j] = math.Exp(lk[j] + fi + w.g[j])
		}
	}
	rowRanges(w, n, m)
}

// logIteration does one Sinkhorn iteration in the log domain from the
// potential g: f_i = log α − LSE_j(log K_ij + g_j), then
// g_j = log β − LSE_i(log K_ij + f_i), and leaves K̃ = exp(log K + f ⊕ g)
// in w.k with u = v = 1. Afterwards every entry of K̃ is at most β and
// every column of K̃ sums to β. It costs one exp per entry when no column
// underflows.
func (o OPW) logIteration(w *Work, n, m int, logA, logB float64) {
	logK, k, f, g := w.logK, w.k, w.f, w.g
	// Rows: e_ij = exp(log K_ij + g_j − max_j) ≤ 1, with a 1 in every row;
	// the row factor α/s_i makes the row sum α, and
	// f_i = log α − max_j − log s_i.
	rf := w.kv[:n]
	for i := 0; i < n; i++ {
		lk, row := logK[i*m:(i+1)*m], k[i*m:(i+1)*m]
		mx := math.Inf(-1)
		for j, x := range lk {
			mx = max(mx, x+g[j])
		}
		var s float64
		for j, x := range lk {
			var e float64
			if y := x + g[j] - mx; y > expUnderflow {
				e = math.Exp(y)
			}
			row[j] = e
			s += e
		}
		f[i] = logA - mx - math.Log(s)
		rf[i] = math.Exp(logA - math.Log(s))
	}
	// Columns of exp(log K + f ⊕ g_old): their sums, and the factors β/sum
	// that make them sum to β and g the new column potential.
	cf := w.ktu[:m]
	clear(cf)
	for i := 0; i < n; i++ {
		axpy(cf, rf[i], k[i*m:(i+1)*m])
	}
	exact := false
	for j, cs := range cf {
		if cs > 1e-280 {
			g[j] = logB - math.Log(cs)
			cf[j] = beta(m) / cs
		} else {
			cf[j], exact = 0, true
		}
	}
	for i := 0; i < n; i++ {
		row, ri := k[i*m:(i+1)*m], rf[i]
		for j, x := range row {
			row[j] = float64(x*ri) * cf[j]
		}
	}
	if exact {
		// A column underflowed: its log-sum-exp, exactly.
		for j := 0; j < m; j++ {
			if cf[j] != 0 {
				continue
			}
			mx := math.Inf(-1)
			for i := 0; i < n; i++ {
				mx = max(mx, logK[i*m+j]+f[i])
			}
			var s float64
			for i := 0; i < n; i++ {
				s += math.Exp(logK[i*m+j] + f[i] - mx)
			}
			g[j] = logB - mx - math.Log(s)
			for i := 0; i < n; i++ {
				k[i*m+j] = math.Exp(logK[i*m+j] + f[i] + g[j])
			}
		}
	}
	for i := range w.u[:n] {
		w.u[i] = 1
	}
	for j := range w.v[:m] {
		w.v[j] = 1
	}
	rowRanges(w, n, m)
}

// beta is the mass 1/m of each element of a sequence of length m.
func beta(m int) float64 { return 1 / float64(m) }
