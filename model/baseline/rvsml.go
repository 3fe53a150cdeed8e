package baseline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// RVSMLConfig holds the settings of RVSML training ([TrainRVSML]).
type RVSMLConfig struct {
	// Align is the alignment of projected sequences to virtual sequences,
	// and then the distance of the 1-NN classifier: DTW (RVSML-DTW) or OPW
	// (RVSML-OPW).
	Align Measure
	// VirtualLen (ℓ) is the number of elements of each class's virtual
	// sequence. Paper default: 4.
	VirtualLen int
	// Lambda (λ) weighs the ridge term λ‖L‖²_F against the mean alignment
	// cost per training sequence. Default: 50 (see the package doc).
	Lambda float64
	// MaxIter caps the alternations (each an update of L, then of every
	// alignment). Default: 50.
	MaxIter int
	// Tol stops the alternation when the loss changes by at most Tol times
	// the previous alignment cost plus ridge term (the positive part of the
	// loss: OPW's regulariser adds a large negative offset that would make
	// a test relative to the loss itself meaningless). Default: 1e-6.
	Tol float64
	// Threads is the number of goroutines aligning training sequences; ≤ 1
	// works on the calling goroutine only.
	Threads int
}

// DefaultRVSML returns the default settings with the given alignment: 4
// virtual elements per class, λ = 50, at most 50 alternations, relative
// tolerance 1e-6, one thread.
func DefaultRVSML(align Measure) RVSMLConfig {
	return RVSMLConfig{Align: align, VirtualLen: 4, Lambda: 50, MaxIter: 50, Tol: 1e-6, Threads: 1}
}

// Check reports whether the settings are usable.
func (c RVSMLConfig) Check() error {
	switch {
	case c.Align == nil:
		return errors.New("RVSML: no alignment measure")
	case c.VirtualLen < 1:
		return fmt.Errorf("RVSML virtual length %d: want at least 1", c.VirtualLen)
	case !(c.Lambda > 0) || math.IsInf(c.Lambda, 0):
		return fmt.Errorf("RVSML lambda %g: want a finite value > 0", c.Lambda)
	case c.MaxIter < 1:
		return fmt.Errorf("RVSML max iterations %d: want at least 1", c.MaxIter)
	case !(c.Tol >= 0):
		return fmt.Errorf("RVSML tol %g: want ≥ 0", c.Tol)
	}
	if o, ok := c.Align.(OPW); ok {
		return o.Check()
	}
	return nil
}

// RVSMLIter is the record of one alternation of RVSML training, measured
// after the alignments were updated.
type RVSMLIter struct {
	Iter      int     `json:"iter"`       // 1, 2, …
	Loss      float64 `json:"loss"`       // J = AlignCost + Reg + Ridge
	AlignCost float64 `json:"align_cost"` // (1/N) Σ_i ⟨T_i, C_i(L)⟩
	Reg       float64 `json:"reg"`        // (1/N) Σ_i Ω(T_i) (OPW's regulariser; 0 for DTW)
	Ridge     float64 `json:"ridge"`      // λ‖L‖²_F
}

// RVSML is a trained RVSML ground metric: the projection L (In × Out,
// row-major, Out = Classes·VirtualLen) of the input vectors, with which
// sequences are compared by the training alignment on projected vectors
// Lᵀx.
type RVSML struct {
	Classes, VirtualLen int
	In, Out             int
	L                   []float64   // [In][Out]
	History             []RVSMLIter // one record per alternation
	Converged           bool        // stopped by Tol rather than MaxIter

	// R (Rank × In, row-major) is a reduced factor with RᵀR = L Lᵀ, so
	// that ‖R(x − y)‖ = ‖Lᵀ(x − y)‖ for all x, y: comparing Rx costs Rank
	// instead of Out operations per pair of vectors. Rank = min(In, Out).
	R    []float64
	Rank int
}

// TrainRVSML learns the linear projection L of RVSML (Su & Wu, ICML 2019)
// from labelled training sequences (labels in [0, nClasses)).
//
// Class c has the virtual sequence V_c = (e_{cℓ}, …, e_{cℓ+ℓ−1}) of ℓ
// one-hot vectors of R^{Cℓ}, so that the virtual sequences of different
// classes are orthogonal and equally far apart. Training minimises
//
//	J(L, {T_i}) = (1/N) Σ_i [ ⟨T_i, C_i(L)⟩ + Ω(T_i) ] + λ ‖L‖²_F,
//	C_i(L)_jk = ‖Lᵀ x_ij − v_{c_i,k}‖²,
//
// over L (d × Cℓ) and the alignments T_i of each projected sequence Lᵀ X_i
// to its class's virtual sequence, feasible for the alignment measure (DTW:
// a warping path's 0/1 matrix, Ω = 0; OPW: a transport plan, Ω its
// regulariser), by alternating:
//
//  1. L-step, closed-form ridge regression with the alignments fixed:
//     L = (Σ_i Σ_jk t_ijk x_ij x_ijᵀ + Nλ I)⁻¹ Σ_i Σ_jk t_ijk x_ij v_{c_i,k}ᵀ
//     (a Cholesky solve; Σ_k t_ijk x_ij x_ijᵀ uses the row sums of T_i);
//  2. T-step: every T_i is recomputed by the measure on (Lᵀ X_i, V_{c_i}).
//
// The first L-step uses the alignment of each sequence's time ramp
// (0, 1/(n−1), …, 1) to the ramp of ℓ steps: the straight, evenly spread
// alignment. J is recorded after each T-step; training stops when it
// changes by at most Tol times its alignment and ridge terms, or after
// MaxIter alternations. With DTW both
// steps minimise J exactly, so J never increases; with OPW the T-step is as
// exact as its Sinkhorn iterations.
//
// progress, if not nil, is called on the calling goroutine after each
// alternation. Cancelling ctx stops training within one alternation and
// returns ctx's error. TrainRVSML returns an error for bad settings, empty
// or inconsistent training data, a label out of range, or a singular
// system; the result is then nil.
func TrainRVSML(ctx context.Context, cfg RVSMLConfig, seqs []Seq, labels []int, nClasses int, progress func(RVSMLIter)) (*RVSML, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if len(seqs) == 0 || len(seqs) != len(labels) {
		return nil, fmt.Errorf("RVSML: %d training sequences with %d labels", len(seqs), len(labels))
	}
	if nClasses < 1 {
		return nil, fmt.Errorf("RVSML: %d classes", nClasses)
	}
	d := seqs[0].D
	for i, s := range seqs {
		if s.T < 1 || s.D != d || len(s.X) != s.T*s.D {
			return nil, fmt.Errorf("RVSML: training sequence %d is %d×%d with %d values, want dimension %d", i, s.T, s.D, len(s.X), d)
		}
		if labels[i] < 0 || labels[i] >= nClasses {
			return nil, fmt.Errorf("RVSML: label %d of training sequence %d outside [0,%d)", labels[i], i, nClasses)
		}
		for k, x := range s.X {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("RVSML: training sequence %d: value %d is %g", i, k, x)
			}
		}
	}
	ell := cfg.VirtualLen
	out := nClasses * ell
	N := len(seqs)
	m := &RVSML{Classes: nClasses, VirtualLen: ell, In: d, Out: out, L: make([]float64, d*out)}

	// Sufficient statistics of each alignment for the L-step: the row sums
	// r_ij = Σ_k t_ijk and s_ik = Σ_j t_ijk x_ij.
	type stats struct {
		r    []float64 // [T_i]
		s    []float64 // [ℓ][d]
		cost float64
		reg  float64
	}
	st := make([]stats, N)
	for i := range st {
		st[i].r = make([]float64, seqs[i].T)
		st[i].s = make([]float64, ell*d)
	}
	record := func(i int, t []float64) {
		s, n := seqs[i], seqs[i].T
		r, sk := st[i].r, st[i].s
		clear(sk)
		for j := 0; j < n; j++ {
			x := s.At(j)
			var rj float64
			for k := 0; k < ell; k++ {
				tjk := t[j*ell+k]
				rj += tjk
				if tjk != 0 {
					row := sk[k*d : (k+1)*d]
					for c, xc := range x {
						row[c] += tjk * xc
					}
				}
			}
			r[j] = rj
		}
	}

	// The straight alignment of time ramps starts the alternation.
	ramp := func(n int) Seq {
		r := NewSeq(n, 1)
		for t := range r.X {
			if n > 1 {
				r.X[t] = float64(t) / float64(n-1)
			}
		}
		return r
	}
	virt := ramp(ell)
	{
		var w Work
		cache := map[int][]float64{}
		for i, s := range seqs {
			t, ok := cache[s.T]
			if !ok {
				t = make([]float64, s.T*ell)
				cfg.Align.Align(t, ramp(s.T), virt, &w)
				cache[s.T] = t
			}
			record(i, t)
		}
	}

	// The T-step of sequence i under L, on one worker's buffers.
	type buf struct {
		w    Work
		z, t []float64
	}
	align := func(b *buf, i int) {
		s := seqs[i]
		n := s.T
		b.z = grow(b.z, n*out)
		z := Seq{T: n, D: out, X: b.z}
		for j := 0; j < n; j++ {
			project(z.At(j), m.L, s.At(j), out)
		}
		v := virtualSeq(labels[i], ell, out)
		b.t = grow(b.t, n*ell)
		st[i].cost, st[i].reg = cfg.Align.Align(b.t, z, v, &b.w)
		record(i, b.t)
	}
	threads := max(1, cfg.Threads)
	bufs := make([]buf, threads)

	A := mat.NewSymDense(d, nil)
	B := mat.NewDense(d, out, nil)
	var L mat.Dense
	var chol mat.Cholesky
	for iter := 1; iter <= cfg.MaxIter; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// L-step: sums over sequences in index order (results do not
		// depend on the thread count).
		a := make([]float64, d*d)
		bm := make([]float64, d*out)
		for i, s := range seqs {
			for j, rj := range st[i].r {
				if rj == 0 {
					continue
				}
				x := s.At(j)
				for p, xp := range x {
					w := rj * xp
					row := a[p*d : (p+1)*d]
					for q := p; q < d; q++ {
						row[q] += w * x[q]
					}
				}
			}
			c := labels[i]
			for k := 0; k < ell; k++ {
				col := c*ell + k
				for p, v := range st[i].s[k*d : (k+1)*d] {
					bm[p*out+col] += v
				}
			}
		}
		for p := 0; p < d; p++ {
			a[p*d+p] += float64(N) * cfg.Lambda
			for q := p; q < d; q++ {
				A.SetSym(p, q, a[p*d+q])
			}
		}
		for p := 0; p < d; p++ {
			for q := 0; q < out; q++ {
				B.Set(p, q, bm[p*out+q])
			}
		}
		if !chol.Factorize(A) {
			return nil, fmt.Errorf("RVSML: iteration %d: the ridge system is not positive definite", iter)
		}
		if err := chol.SolveTo(&L, B); err != nil {
			var c mat.Condition
			if !errors.As(err, &c) {
				return nil, fmt.Errorf("RVSML: iteration %d: %v", iter, err)
			}
			// Ill-conditioned but solved: λ > 0 keeps this rare; go on.
		}
		for p := 0; p < d; p++ {
			for q := 0; q < out; q++ {
				m.L[p*out+q] = L.At(p, q)
			}
		}

		// T-step.
		if threads == 1 {
			for i := range seqs {
				align(&bufs[0], i)
			}
		} else {
			var wg sync.WaitGroup
			next := make(chan int, N)
			for i := range seqs {
				next <- i
			}
			close(next)
			for k := range threads {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						align(&bufs[k], i)
					}
				}()
			}
			wg.Wait()
		}
		var rec RVSMLIter
		rec.Iter = iter
		for i := range st {
			rec.AlignCost += st[i].cost
			rec.Reg += st[i].reg
		}
		var norm2 float64
		for _, x := range m.L {
			norm2 += x * x
		}
		rec.AlignCost /= float64(N)
		rec.Reg /= float64(N)
		rec.Ridge = cfg.Lambda * norm2
		rec.Loss = rec.AlignCost + rec.Reg + rec.Ridge
		if math.IsNaN(rec.Loss) || math.IsInf(rec.Loss, 0) {
			return nil, fmt.Errorf("RVSML: iteration %d: loss %g", iter, rec.Loss)
		}
		m.History = append(m.History, rec)
		if progress != nil {
			progress(rec)
		}
		if iter > 1 {
			prev := m.History[iter-2]
			if math.Abs(rec.Loss-prev.Loss) <= cfg.Tol*(prev.AlignCost+prev.Ridge) {
				m.Converged = true
				break
			}
		}
	}
	m.reduce()
	return m, nil
}

// virtualSeq returns the virtual sequence of class c: ℓ one-hot vectors of
// dimension out, e_{cℓ}, …, e_{cℓ+ℓ−1}.
func virtualSeq(c, ell, out int) Seq {
	v := NewSeq(ell, out)
	for k := 0; k < ell; k++ {
		v.X[k*out+c*ell+k] = 1
	}
	return v
}

// project writes Lᵀx into z (len out), L [len(x)][out] row-major.
func project(z, L, x []float64, out int) {
	clear(z)
	for p, xp := range x {
		if xp == 0 {
			continue
		}
		row := L[p*out : (p+1)*out]
		for q, l := range row {
			z[q] += xp * l
		}
	}
}

// reduce sets R and Rank from L: with Lᵀ = QR (QR factorisation of the
// Out × In matrix Lᵀ), ‖Lᵀz‖ = ‖Rz‖; when Out < In, R = Lᵀ.
func (m *RVSML) reduce() {
	lt := mat.NewDense(m.Out, m.In, nil)
	for p := 0; p < m.In; p++ {
		for q := 0; q < m.Out; q++ {
			lt.Set(q, p, m.L[p*m.Out+q])
		}
	}
	m.Rank = min(m.In, m.Out)
	m.R = make([]float64, m.Rank*m.In)
	if m.Out <= m.In {
		copy(m.R, lt.RawMatrix().Data)
		return
	}
	var qr mat.QR
	qr.Factorize(lt)
	var r mat.Dense
	qr.RTo(&r)
	for p := 0; p < m.Rank; p++ {
		for q := 0; q < m.In; q++ {
			m.R[p*m.In+q] = r.At(p, q)
		}
	}
}

// Project returns s mapped by the reduced factor R: a sequence of dimension
// Rank whose ground costs equal those of Lᵀs. It panics if s's dimension is
// not In.
func (m *RVSML) Project(s Seq) Seq {
	s.check("RVSML.Project")
	if s.D != m.In {
		panic(fmt.Sprintf("baseline: RVSML.Project of dimension %d, trained on %d", s.D, m.In))
	}
	z := NewSeq(s.T, m.Rank)
	for t := 0; t < s.T; t++ {
		x, zt := s.At(t), z.At(t)
		for p := 0; p < m.Rank; p++ {
			row := m.R[p*m.In : (p+1)*m.In]
			var v float64
			for q, r := range row {
				v += r * x[q]
			}
			zt[p] = v
		}
	}
	return z
}

// ProjectAll returns Project of every sequence.
func (m *RVSML) ProjectAll(ss []Seq) []Seq {
	out := make([]Seq, len(ss))
	for i, s := range ss {
		out[i] = m.Project(s)
	}
	return out
}
