//go:build cgo && !js

package gpu

import (
	"fmt"
	"testing"

	"github.com/cgru/cgru/gpu/internal/parity"
	"github.com/cgru/cgru/model"
)

// BenchmarkTrainStep times one training step (structural loss, H = 20,
// T = 128) on the GPU engine, with the loss and dL/dd computed in the loss
// kernel (one submit, one readback) and on the CPU (two submits, two
// readbacks), and on the CPU engine for comparison. On lavapipe the GPU
// figures are correctness-grade only: lavapipe runs the shaders on the CPU.
//
//	go test -run '^$' -bench TrainStep -benchtime 3x ./gpu/
func BenchmarkTrainStep(b *testing.B) {
	e, err := Open(b.Context())
	if err != nil {
		b.Skipf("no WebGPU: %v", err)
	}
	defer e.Close()
	b.Logf("adapter: %s", e.Adapter())
	for _, kind := range []model.Kind{model.CGRU, model.SGRU} {
		for _, perClass := range []int{2, 6} {
			x, labels := parity.Batch(perClass, 1)
			for _, mode := range []string{"gpu-loss", "cpu-loss", "cpu-engine"} {
				b.Run(fmt.Sprintf("%s/N=%d/%s", kind, x.N, mode), func(b *testing.B) {
					net := model.NewNet[float32](kind, x.I, 20)
					net.Init(1, model.CouplingWeak)
					opt := model.NewAdam[float32]()
					grad := make([]float32, len(net.Params))
					var eng model.Engine[float32] = e
					if mode == "cpu-engine" {
						eng = &model.CPU[float32]{}
					}
					e.LossOnCPU = mode == "cpu-loss"
					defer func() { e.LossOnCPU = false }()
					step := func() {
						if _, err := model.TrainStep(eng, net, opt, model.DefaultRegularization, x, labels, model.DefaultStructural, grad); err != nil {
							b.Fatal(err)
						}
					}
					step()
					b.ResetTimer()
					for b.Loop() {
						step()
					}
				})
			}
		}
	}
}
