package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randNet returns a network with parameters U(−scale, scale) and, for the
// CGRU, coupling bias shifted by cbias.
func randNet(kind Kind, I, H int, scale, cbias float64, rng *rand.Rand) *Net[float64] {
	n := NewNet[float64](kind, I, H)
	for i := range n.Params {
		n.Params[i] = scale * (2*rng.Float64() - 1)
	}
	for i := range n.Param("bias_hc") {
		n.Param("bias_hc")[i] += cbias
	}
	return n
}

func randSeqs(N, T, I int, rng *rand.Rand) Seqs[float64] {
	x := NewSeqs[float64](N, T, I)
	for i := range x.X {
		x.X[i] = rng.NormFloat64()
	}
	return x
}

// numGrad is the derivative of f at p[i] by the five-point stencil
// (error O(h⁴)).
func numGrad(f func() float64, p []float64, i int, h float64) float64 {
	v := p[i]
	at := func(x float64) float64 { p[i] = x; return f() }
	d := (8*(at(v+h)-at(v-h)) - (at(v+2*h) - at(v-2*h))) / (12 * h)
	p[i] = v
	return d
}

// relErr is |a−b| / max(|a|, |b|, floor).
func relErr(a, b, floor float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), floor)
}

type gradCase struct {
	kind   Kind
	I, H   int
	T      int
	labels []int
	loss   Loss
	cbias  float64
}

func (c gradCase) String() string {
	return fmt.Sprintf("%s I=%d H=%d T=%d labels=%v %v cbias=%g", c.kind, c.I, c.H, c.T, c.labels, c.loss, c.cbias)
}

func gradCases() []gradCase {
	var cs []gradCase
	contr := Contrastive{Margin: 1}
	str := Structural{Alpha: 0.7, Tau: 0.5, Beta: 0.3, T: 0.2}
	for _, kind := range []Kind{SGRU, CGRU} {
		for _, loss := range []Loss{contr, DefaultStructural, str} {
			cs = append(cs,
				gradCase{kind, 3, 5, 7, []int{0, 1, 0, 2, 1, 2}, loss, 0},
				gradCase{kind, 2, 2, 1, []int{0, 0, 1, 1}, loss, -2},
				gradCase{kind, 1, 9, 3, []int{0, 2, 0, 2, 2}, loss, 0}, // class 1 absent
				gradCase{kind, 4, 3, 5, []int{1, 1, 1, 1}, loss, 0},    // no negatives
				gradCase{kind, 3, 4, 4, []int{0, 1, 2, 3}, loss, -4},   // no positives
			)
		}
	}
	return cs
}

// TestGradFiniteDifferences checks every analytic gradient against the
// five-point finite difference in float64.
func TestGradFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for ci, c := range gradCases() {
		net := randNet(c.kind, c.I, c.H, 0.8, c.cbias, rng)
		x := randSeqs(len(c.labels), c.T, c.I, rng)
		// Contrastive margin at the scale of the distances, so that the
		// hinge is active for some negative pairs.
		var e CPU[float64]
		e.Threads = 1 + ci%2
		grad := make([]float64, len(net.Params))
		e.LossGrad(net, x, c.labels, c.loss, grad)
		// The structural loss holds its weights w_ij constant in the
		// gradient: freeze them at the distances of the unperturbed net.
		loss := c.loss
		if s, ok := loss.(Structural); ok {
			var e CPU[float64]
			d0 := e.Distances(net, x, AllPairs(x.N))
			loss = frozenStructural{s, d0}
		}
		f := func() float64 {
			var e CPU[float64]
			l, _ := e.LossGrad(net, x, c.labels, loss, make([]float64, len(net.Params)))
			return l
		}
		var worst, scale float64
		for _, g := range grad {
			scale = math.Max(scale, math.Abs(g))
		}
		where := ""
		for i := range net.Params {
			n := numGrad(f, net.Params, i, 1e-4)
			// Components far below the gradient's scale are compared
			// against 1e-4 of that scale, not against their own size.
			if r := relErr(grad[i], n, 1e-4*scale); r > worst {
				worst, where = r, fmt.Sprintf("param %d: analytic %.12g numeric %.12g", i, grad[i], n)
			}
		}
		t.Logf("case %d (%v): max relative error %.2g", ci, c, worst)
		if worst > 1e-6 {
			t.Errorf("case %d (%v): max relative error %.3g at %s", ci, c, worst, where)
		}
	}
}

// frozenStructural is the structural loss with its hardness weights
// computed from fixed distances wd.
type frozenStructural struct {
	Structural
	wd []float64
}

func (f frozenStructural) Eval(d []float64, labels []int, grad []float64) float64 {
	return f.eval(d, labels, grad, f.wd)
}
