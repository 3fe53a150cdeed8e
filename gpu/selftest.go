//go:build cgo || js

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cgru/cgru/model"
)

// selfTestTol is the largest relative difference (max |gpu − cpu| over max
// |cpu|, per tensor) the start-up self-test accepts. The parity tests hold
// the engine to 1e-5 and 1e-4; this only has to tell a working device from
// a broken one.
const selfTestTol = 1e-3

// SelfTest runs a tiny forward and backward pass of both models (CGRU with
// the contrastive loss, SGRU with the structural loss: N = 5 sequences of
// T = 6 steps, I = 3, H = 4) on e and on the CPU engine and returns an
// *Error if they differ by more than 1e-3 relative.
func SelfTest(e *Engine) error { return selfTest(e, nil) }

func selfTest(e *Engine, f *faults) error {
	rng := rand.New(rand.NewPCG(5, 5))
	x := model.NewSeqs[float32](5, 6, 3)
	for i := range x.X {
		x.X[i] = float32(rng.NormFloat64())
	}
	labels := []int{0, 1, 0, 1, 2}
	for _, c := range []struct {
		kind model.Kind
		loss model.Loss
	}{{model.CGRU, model.Contrastive{Margin: 1}}, {model.SGRU, model.DefaultStructural}} {
		net := model.NewNet[float32](c.kind, 3, 4)
		net.Init(11, model.CouplingPaper)
		var cpu model.CPU[float32]
		gc := make([]float32, len(net.Params))
		lc, dc := cpu.LossGrad(net, x, labels, c.loss, gc)
		gg := make([]float32, len(net.Params))
		lg, dg, err := e.LossGradErr(net, x, labels, c.loss, gg)
		if err != nil {
			return &Error{Op: "self-test", Err: err}
		}
		if f != nil {
			lg += f.selfTestBias
		}
		for _, t := range []struct {
			what      string
			got, want []float64
		}{{"loss", []float64{lg}, []float64{lc}}, {"distances", dg, dc}, {"gradient", f64(gg), f64(gc)}} {
			if r := relDiff(t.got, t.want); !(r <= selfTestTol) {
				return &Error{Op: "self-test", Err: fmt.Errorf("the %s %s on the GPU differs from the CPU engine's by %.3g relative (limit %g)",
					c.kind, t.what, r, selfTestTol)}
			}
		}
	}
	return nil
}

// relDiff is max |got − want| / max |want| (NaN when the lengths differ or
// a value is not finite; 0 when both are all zero).
func relDiff(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.NaN()
	}
	var num, den float64
	for i := range want {
		if math.IsNaN(got[i]) || math.IsInf(got[i], 0) {
			return math.NaN()
		}
		num = math.Max(num, math.Abs(got[i]-want[i]))
		den = math.Max(den, math.Abs(want[i]))
	}
	if num == 0 {
		return 0
	}
	return num / den
}
