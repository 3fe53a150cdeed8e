//go:build !cgo && !js

package gpu

import (
	"context"

	"github.com/cgru/cgru/model"
)

// Engine is the WebGPU engine; this build (no cgo, not js/wasm) has none,
// and Open always fails with ErrNoWebGPU.
type Engine struct{ _ int }

// Open fails: this build has no WebGPU.
func Open(ctx context.Context) (*Engine, error) { return open(ctx, nil) }

func open(ctx context.Context, f *faults) (*Engine, error) {
	return nil, &Error{Op: "open", Err: ErrNoWebGPU}
}

// SelfTest fails: this build has no WebGPU.
func SelfTest(e *Engine) error { return selfTest(e, nil) }

func selfTest(e *Engine, f *faults) error { return &Error{Op: "self-test", Err: ErrNoWebGPU} }

func (e *Engine) Adapter() string { return "" }
func (e *Engine) Software() bool  { return false }
func (e *Engine) Stats() Stats    { return Stats{} }
func (e *Engine) Close()          {}

func (e *Engine) LossGradErr(net *model.Net[float32], x model.Seqs[float32], labels []int, loss model.Loss, grad []float32) (float64, []float64, error) {
	return 0, nil, &Error{Op: "loss and gradient", Err: ErrNoWebGPU}
}

func (e *Engine) DistancesErr(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) ([]float64, error) {
	return nil, &Error{Op: "distances", Err: ErrNoWebGPU}
}

func (e *Engine) TrainStep(net *model.Net[float32], opt *model.Adam[float32], reg model.Regularization,
	x model.Seqs[float32], labels []int, loss model.Loss) (model.StepResult, error) {
	return model.StepResult{}, &Error{Op: "training step", Err: ErrNoWebGPU}
}

func (e *Engine) LossGrad(net *model.Net[float32], x model.Seqs[float32], labels []int, loss model.Loss, grad []float32) (float64, []float64) {
	panic(&Error{Op: "loss and gradient", Err: ErrNoWebGPU})
}

func (e *Engine) Distances(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) []float64 {
	panic(&Error{Op: "distances", Err: ErrNoWebGPU})
}
