package model

import (
	"fmt"
	"math"
)

// Loss is a loss over the distances of every pair i<j of a batch
// (DESIGN.md §3). Losses are computed in float64 whatever the engine's
// element type.
type Loss interface {
	// Eval returns the loss of the distances d of all pairs i<j of
	// len(labels) sequences, listed row-major (see [PairIndex]). If grad is
	// not nil it is set to ∂L/∂d (len(grad) == len(d)). Eval panics if
	// len(d) != NumPairs(len(labels)).
	Eval(d []float64, labels []int, grad []float64) float64
	// String names the loss and its parameters.
	String() string
}

// Contrastive is the contrastive loss with margin m:
// L = (1/|pairs|) Σ_{i<j} [s_ij d_ij² + (1 − s_ij) max(0, m − d_ij)²],
// s_ij = 1 when the labels of i and j agree.
type Contrastive struct {
	Margin float64
}

func (c Contrastive) String() string { return fmt.Sprintf("contrastive(margin=%g)", c.Margin) }

// Eval implements [Loss].
func (c Contrastive) Eval(d []float64, labels []int, grad []float64) float64 {
	n := len(labels)
	checkPairs(d, n, grad)
	if len(d) == 0 {
		return 0
	}
	scale := 1 / float64(len(d))
	var sum float64
	p := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			var g float64
			if labels[i] == labels[j] {
				sum += d[p] * d[p]
				g = 2 * d[p]
			} else if h := c.Margin - d[p]; h > 0 {
				sum += h * h
				g = -2 * h
			}
			if grad != nil {
				grad[p] = g * scale
			}
			p++
		}
	}
	return sum * scale
}

// Structural is the structural loss of DESIGN.md §3: every positive pair
// against all negatives with hardness-aware weights, plus a global term on
// the two distance distributions.
//
//	J_ij     = d_ij + log( Σ_{k: y_k≠y_i} e^{α−d_ik} + Σ_{k: y_k≠y_j} e^{α−d_jk} )
//	w_ij     = e^{d_ij/τ} / Σ_{(k,l) positive} e^{d_kl/τ}     (constant in the gradient)
//	L_local  = ½ Σ_{(i,j) positive} w_ij max(0, J_ij)²
//	L_global = Var(d⁺) + Var(d⁻) + max(0, mean(d⁺) − mean(d⁻) + t)
//	L        = L_local + β L_global
//
// Variances are population variances. A term that needs positive (or
// negative) pairs is 0 in a batch without them: L_local and the margin
// term need both, Var(d⁺) needs positives and Var(d⁻) negatives.
type Structural struct {
	Alpha, Tau, Beta, T float64
}

// DefaultStructural is the structural loss with the defaults of DESIGN.md
// §3: α = τ = β = t = 1.
var DefaultStructural = Structural{Alpha: 1, Tau: 1, Beta: 1, T: 1}

func (s Structural) String() string {
	return fmt.Sprintf("structural(alpha=%g, tau=%g, beta=%g, t=%g)", s.Alpha, s.Tau, s.Beta, s.T)
}

// Eval implements [Loss].
func (s Structural) Eval(d []float64, labels []int, grad []float64) float64 {
	return s.eval(d, labels, grad, d)
}

// eval is Eval with the hardness weights w_ij computed from the distances
// wd instead of d (the gradient checks hold them fixed that way).
func (s Structural) eval(d []float64, labels []int, grad []float64, wd []float64) float64 {
	n := len(labels)
	checkPairs(d, n, grad)
	if grad != nil {
		clear(grad)
	}
	dist := func(i, j int) (float64, int) {
		if i > j {
			i, j = j, i
		}
		p := PairIndex(n, i, j)
		return d[p], p
	}
	var npos, nneg int
	var maxPos = math.Inf(-1)
	p := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if labels[i] == labels[j] {
				npos++
				maxPos = math.Max(maxPos, wd[p]/s.Tau)
			} else {
				nneg++
			}
			p++
		}
	}
	var local float64
	if npos > 0 && nneg > 0 {
		// Detached softmax weights over positive pairs.
		var z float64
		p = 0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if labels[i] == labels[j] {
					z += math.Exp(wd[p]/s.Tau - maxPos)
				}
				p++
			}
		}
		p = 0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if labels[i] != labels[j] {
					p++
					continue
				}
				w := math.Exp(wd[p]/s.Tau-maxPos) / z
				// log-sum-exp over the negatives of i and of j.
				m := math.Inf(-1)
				for k := 0; k < n; k++ {
					if labels[k] != labels[i] {
						dik, _ := dist(i, k)
						djk, _ := dist(j, k)
						m = math.Max(m, math.Max(s.Alpha-dik, s.Alpha-djk))
					}
				}
				var sum float64
				for k := 0; k < n; k++ {
					if labels[k] != labels[i] {
						dik, _ := dist(i, k)
						djk, _ := dist(j, k)
						sum += math.Exp(s.Alpha-dik-m) + math.Exp(s.Alpha-djk-m)
					}
				}
				J := d[p] + m + math.Log(sum)
				if J > 0 {
					local += 0.5 * w * J * J
					if grad != nil {
						g := w * J
						grad[p] += g
						for k := 0; k < n; k++ {
							if labels[k] != labels[i] {
								dik, pik := dist(i, k)
								djk, pjk := dist(j, k)
								grad[pik] -= g * math.Exp(s.Alpha-dik-m) / sum
								grad[pjk] -= g * math.Exp(s.Alpha-djk-m) / sum
							}
						}
					}
				}
				p++
			}
		}
	}
	// Global term: means and population variances of d⁺ and d⁻.
	var sp, sn float64
	p = 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if labels[i] == labels[j] {
				sp += d[p]
			} else {
				sn += d[p]
			}
			p++
		}
	}
	var mp, mn, vp, vn float64
	if npos > 0 {
		mp = sp / float64(npos)
	}
	if nneg > 0 {
		mn = sn / float64(nneg)
	}
	p = 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if labels[i] == labels[j] {
				vp += (d[p] - mp) * (d[p] - mp)
			} else {
				vn += (d[p] - mn) * (d[p] - mn)
			}
			p++
		}
	}
	if npos > 0 {
		vp /= float64(npos)
	}
	if nneg > 0 {
		vn /= float64(nneg)
	}
	global := vp + vn
	hinge := npos > 0 && nneg > 0 && mp-mn+s.T > 0
	if hinge {
		global += mp - mn + s.T
	}
	if grad != nil {
		p = 0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				var g float64
				if labels[i] == labels[j] {
					g = 2 * (d[p] - mp) / float64(npos)
					if hinge {
						g += 1 / float64(npos)
					}
				} else {
					g = 2 * (d[p] - mn) / float64(nneg)
					if hinge {
						g -= 1 / float64(nneg)
					}
				}
				grad[p] += s.Beta * g
				p++
			}
		}
	}
	return local + s.Beta*global
}

func checkPairs(d []float64, n int, grad []float64) {
	if len(d) != NumPairs(n) || (grad != nil && len(grad) != len(d)) {
		panic(fmt.Sprintf("model: %d distances (and %d gradients) for %d sequences, want %d",
			len(d), len(grad), n, NumPairs(n)))
	}
}
