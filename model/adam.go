package model

import (
	"fmt"
	"math"
)

// Adam is the Adam optimiser as torch.optim.Adam implements it, with L2
// weight decay added to the gradient inside the step (torch's
// weight_decay, not AdamW), and with its state in the flat layout of the
// parameters.
type Adam[F Float] struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	// T is the number of steps taken; M and V are the first and second
	// moments (allocated by the first step).
	T    int
	M, V []F
}

// NewAdam returns Adam with the defaults of DESIGN.md §4: learning rate
// 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-4.
func NewAdam[F Float]() *Adam[F] {
	return &Adam[F]{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4}
}

// Step updates params with grad (same length; grad is not modified).
// It panics if the lengths differ from each other or from earlier steps.
func (a *Adam[F]) Step(params, grad []F) {
	if len(params) != len(grad) || (a.M != nil && len(a.M) != len(params)) {
		panic(fmt.Sprintf("model: Adam step with %d params, %d grads, state of %d", len(params), len(grad), len(a.M)))
	}
	if a.M == nil {
		a.M, a.V = make([]F, len(params)), make([]F, len(params))
	}
	a.T++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.T))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.T))
	step := a.LR / bc1
	b1, b2, wd := a.Beta1, a.Beta2, a.WeightDecay
	for i, p := range params {
		g := float64(grad[i]) + wd*float64(p)
		m := b1*float64(a.M[i]) + (1-b1)*g
		v := b2*float64(a.V[i]) + (1-b2)*g*g
		a.M[i], a.V[i] = F(m), F(v)
		params[i] = F(float64(p) - step*m/(math.Sqrt(v/bc2)+a.Eps))
	}
}

// ClipNorm scales g so that its Euclidean norm is at most max (as
// torch.nn.utils.clip_grad_norm_ does, with its 1e-6 guard) and returns
// the norm before clipping. max ≤ 0 disables clipping.
func ClipNorm[F Float](g []F, max float64) float64 {
	var s float64
	for _, v := range g {
		s += float64(v) * float64(v)
	}
	n := math.Sqrt(s)
	if max > 0 {
		if c := max / (n + 1e-6); c < 1 {
			for i := range g {
				g[i] = F(float64(g[i]) * c)
			}
		}
	}
	return n
}

// Plateau halves (by Factor) the learning rate when the monitored value
// has not improved for more than Patience observations, as
// torch.optim.lr_scheduler.ReduceLROnPlateau in mode "min" with a relative
// threshold.
type Plateau struct {
	Patience  int     // observations without improvement tolerated (10)
	Factor    float64 // multiplier of the learning rate (0.5)
	Threshold float64 // relative improvement that counts (1e-4)
	MinLR     float64 // the learning rate never goes below this

	Best float64 // best value seen (+Inf before the first)
	Bad  int     // observations since the last improvement
}

// NewPlateau returns the schedule of DESIGN.md §4: halve after 10
// observations without a relative improvement of 1e-4.
func NewPlateau() *Plateau {
	return &Plateau{Patience: 10, Factor: 0.5, Threshold: 1e-4, Best: math.Inf(1)}
}

// Observe records a value of the monitored quantity and returns the new
// learning rate given the current one lr.
func (p *Plateau) Observe(v, lr float64) float64 {
	if v < p.Best*(1-p.Threshold) || (p.Best == math.Inf(1) && !math.IsNaN(v)) {
		p.Best, p.Bad = v, 0
		return lr
	}
	p.Bad++
	if p.Bad > p.Patience {
		p.Bad = 0
		return math.Max(lr*p.Factor, p.MinLR)
	}
	return lr
}
