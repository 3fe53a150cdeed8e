package gpu

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cgru/cgru/model"
)

// Auto is the engine of backend "auto" when WebGPU works: it runs the GPU
// engine and, on the first GPU failure (device lost, validation error,
// a readback that fails), switches to the CPU engine for the rest of its
// life, redoing the failed call there. Non-finite losses and gradients are
// not GPU failures: they are returned as the CPU engine returns them.
//
// An Auto must not be used by several goroutines at once (like model.CPU);
// Status may be called from any goroutine.
type Auto struct {
	// OnFallback, if not nil, is called once, on the goroutine of the
	// failed call, when the engine switches to the CPU.
	OnFallback func(reason string)

	gpu *Engine
	cpu *model.CPU[float32]

	mu      sync.Mutex
	backend string
	reason  string
}

// Status returns the backend that runs now ("webgpu" or "cpu") and, after a
// fallback, why the CPU engine took over.
func (a *Auto) Status() (backend, reason string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.backend, a.reason
}

// GPU returns the GPU engine, or nil after a fallback.
func (a *Auto) GPU() *Engine {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gpu
}

func (a *Auto) fallback(err error) {
	a.mu.Lock()
	g := a.gpu
	a.gpu = nil
	a.backend = "cpu"
	a.reason = fmt.Sprintf("the GPU failed, the CPU engine continues: %v", err)
	reason := a.reason
	a.mu.Unlock()
	if g != nil {
		g.Close()
	}
	if a.OnFallback != nil {
		a.OnFallback(reason)
	}
}

// LossGrad implements model.Engine.
func (a *Auto) LossGrad(net *model.Net[float32], x model.Seqs[float32], labels []int, loss model.Loss, grad []float32) (float64, []float64) {
	if g := a.GPU(); g != nil {
		l, d, err := g.LossGradErr(net, x, labels, loss, grad)
		if err == nil {
			return l, d
		}
		a.fallback(err)
	}
	return a.cpu.LossGrad(net, x, labels, loss, grad)
}

// Distances implements model.Engine.
func (a *Auto) Distances(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) []float64 {
	if g := a.GPU(); g != nil {
		d, err := g.DistancesErr(net, x, pairs)
		if err == nil {
			return d
		}
		a.fallback(err)
	}
	return a.cpu.Distances(net, x, pairs)
}

// TrainStep implements model.StepEngine: the whole step on the GPU, or, after
// a fallback, model.TrainStep on the CPU engine from the same (unchanged)
// network and optimiser.
func (a *Auto) TrainStep(net *model.Net[float32], opt *model.Adam[float32], reg model.Regularization,
	x model.Seqs[float32], labels []int, loss model.Loss) (model.StepResult, error) {
	if g := a.GPU(); g != nil {
		res, err := g.TrainStep(net, opt, reg, x, labels, loss)
		var nf *model.NonFiniteError
		if err == nil || errors.As(err, &nf) {
			return res, err
		}
		a.fallback(err)
	}
	grad := make([]float32, len(net.Params))
	return model.TrainStep[float32](a.cpu, net, opt, reg, x, labels, loss, grad)
}
