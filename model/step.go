package model

import (
	"fmt"
	"math"
)

// Engine computes losses, gradients and distances for a network. The CPU
// engine ([CPU]) implements it; the GPU engine implements it too, so the
// training loop and the commands do not care which one runs.
type Engine[F Float] interface {
	// LossGrad: see [CPU.LossGrad].
	LossGrad(net *Net[F], x Seqs[F], labels []int, loss Loss, grad []F) (float64, []float64)
	// Distances: see [CPU.Distances].
	Distances(net *Net[F], x Seqs[F], pairs []Pair) []float64
}

// StepEngine is an Engine that also runs a whole training step itself (the
// GPU engine: loss, gradient, clipping and the Adam update stay on the
// device). TrainStep hands the step to it. Its TrainStep has the contract of
// [TrainStep]: on a non-finite loss or gradient it returns a
// *NonFiniteError and leaves net and opt unchanged; on success net.Params
// and opt (T, M, V) are updated as Adam.Step would.
type StepEngine[F Float] interface {
	Engine[F]
	TrainStep(net *Net[F], opt *Adam[F], reg Regularization, x Seqs[F], labels []int, loss Loss) (StepResult, error)
}

// Regularization holds the terms DESIGN.md §4 adds to a training step.
type Regularization struct {
	// Coupling is the weight of ‖W_hc‖_F added to the training loss of a
	// CGRU (0.01).
	Coupling float64
	// ClipNorm is the global gradient norm clipped to (6; ≤ 0: none).
	ClipNorm float64
}

// DefaultRegularization is DESIGN.md §4's: coupling penalty 0.01, clip 6.
// (Weight decay is Adam's.)
var DefaultRegularization = Regularization{Coupling: 0.01, ClipNorm: 6}

// StepResult reports one training step.
type StepResult struct {
	Loss      float64   // the pair loss of the batch (before the step)
	Penalty   float64   // the coupling penalty added to it (CGRU)
	GradNorm  float64   // global gradient norm before clipping
	Distances []float64 // pair distances of the batch, row-major
}

// NonFiniteError reports a NaN or Inf in a step: which quantity, and for
// a gradient the tensor and index.
type NonFiniteError struct {
	What   string // "loss" or "gradient"
	Tensor string
	Index  int
}

func (e *NonFiniteError) Error() string {
	if e.What == "loss" {
		return "model: the loss is not finite"
	}
	return fmt.Sprintf("model: non-finite gradient of %s at index %d", e.Tensor, e.Index)
}

// TrainStep is one optimisation step on a batch: the loss and gradient of
// all pairs, the coupling penalty (CGRU), global norm clipping and an Adam
// step with its weight decay. grad is scratch of len(net.Params). On a
// non-finite loss or gradient it returns a *NonFiniteError and leaves net
// and opt unchanged. An engine that is a [StepEngine] runs the step itself
// (grad is then not used).
func TrainStep[F Float](e Engine[F], net *Net[F], opt *Adam[F], reg Regularization,
	x Seqs[F], labels []int, loss Loss, grad []F) (StepResult, error) {
	if se, ok := e.(StepEngine[F]); ok {
		return se.TrainStep(net, opt, reg, x, labels, loss)
	}
	l, d := e.LossGrad(net, x, labels, loss, grad)
	res := StepResult{Loss: l, Distances: d}
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return res, &NonFiniteError{What: "loss"}
	}
	if net.Kind == CGRU && reg.Coupling != 0 {
		// d/dW (c·‖W‖_F) = c·W/‖W‖_F.
		t, _ := net.Layout().Tensor("weight_hc")
		w := net.Params[t.Off : t.Off+t.Size()]
		norm := net.CouplingNorm()
		res.Penalty = reg.Coupling * norm
		if norm > 0 {
			s := reg.Coupling / norm
			for i, v := range w {
				grad[t.Off+i] += F(s * float64(v))
			}
		}
	}
	for i, g := range grad {
		if v := float64(g); math.IsNaN(v) || math.IsInf(v, 0) {
			t := tensorAt(net.Layout(), i)
			return res, &NonFiniteError{What: "gradient", Tensor: t.Name, Index: i - t.Off}
		}
	}
	res.GradNorm = ClipNorm(grad, reg.ClipNorm)
	opt.Step(net.Params, grad)
	return res, nil
}
