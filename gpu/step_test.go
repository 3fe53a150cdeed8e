//go:build cgo && !js

package gpu

import (
	"errors"
	"math"
	"testing"

	"github.com/cgru/cgru/gpu/internal/parity"
	"github.com/cgru/cgru/model"
)

// TestTrainParity runs ten training steps (structural loss, default
// regularisation: coupling penalty, clipping at 6, Adam with weight decay)
// on the GPU and on the CPU from the same initial weights and compares the
// weights at the end, tensor by tensor.
func TestTrainParity(t *testing.T) {
	e := testEngine(t)
	for _, c := range []struct {
		kind     model.Kind
		perClass int
	}{{model.CGRU, 2}, {model.SGRU, 6}} {
		r := parity.Train(e, c.kind, 10, c.perClass)
		t.Logf("%s, %d steps of %d windows: weights rel %.2g (%s), loss rel %.2g; %v", r.Kind, r.Steps, r.N, r.Rel, r.Worst, r.LossRel, r.Tensors)
		if r.Err != "" {
			t.Fatalf("%s: %s", c.kind, r.Err)
		}
		if !(r.Rel <= parity.TrainTol) {
			t.Errorf("%s: weights after %d steps differ by %.3g relative (%s), limit %g", c.kind, r.Steps, r.Rel, r.Worst, parity.TrainTol)
		}
	}
}

// TestStepWork counts the GPU work of a training step once the buffers are
// sized: one submit, one readback, six dispatches for the CGRU (project,
// cgru_forward, loss, cgru_backward, reduce, adam) and seven for the SGRU
// (sgru_forward and pair_distance instead of cgru_forward) — none per time
// step. The readback is the result header, the distances and the new
// parameters and moments; the only upload besides the batch (x, labels) and
// the 96-byte uniform is none: the weights stay on the GPU.
func TestStepWork(t *testing.T) {
	e := testEngine(t)
	x, labels := parity.Batch(1, 3) // 6 windows of 128 steps
	for _, c := range []struct {
		kind       model.Kind
		dispatches int
	}{{model.CGRU, 6}, {model.SGRU, 7}} {
		net := model.NewNet[float32](c.kind, x.I, 20)
		net.Init(1, model.CouplingWeak)
		opt := model.NewAdam[float32]()
		grad := make([]float32, len(net.Params))
		step := func() {
			t.Helper()
			if _, err := model.TrainStep[float32](e, net, opt, model.DefaultRegularization, x, labels, model.DefaultStructural, grad); err != nil {
				t.Fatal(err)
			}
		}
		step() // sizes the buffers, uploads the weights
		s0 := e.Stats()
		step()
		s1 := e.Stats()
		np := len(net.Params)
		P := model.NumPairs(x.N)
		batchBytes := int64(4*(len(x.X)+x.N) + dimsBytes)
		readBytes := int64(4 * (res + P + 3*np))
		got := Stats{Dispatches: s1.Dispatches - s0.Dispatches, Submits: s1.Submits - s0.Submits, Readbacks: s1.Readbacks - s0.Readbacks,
			ReadbackBytes: s1.ReadbackBytes - s0.ReadbackBytes, UploadBytes: s1.UploadBytes - s0.UploadBytes}
		want := Stats{Dispatches: c.dispatches, Submits: 1, Readbacks: 1, ReadbackBytes: readBytes, UploadBytes: batchBytes}
		t.Logf("%s step: %+v", c.kind, got)
		if got != want {
			t.Errorf("%s step: %+v, want %+v", c.kind, got, want)
		}
		// A change of the host's weights (a rollback) is uploaded once.
		net.Params[0] += 0.01
		step()
		s2 := e.Stats()
		if up := s2.UploadBytes - s1.UploadBytes; up != batchBytes+int64(4*np) {
			t.Errorf("%s step after a host change uploaded %d bytes, want %d (batch + parameters)", c.kind, up, batchBytes+int64(4*np))
		}
	}
}

// TestStepNonFinite checks that a non-finite loss leaves the network and
// the optimiser unchanged, as the CPU engine's step does.
func TestStepNonFinite(t *testing.T) {
	e := testEngine(t)
	x, labels := parity.Batch(1, 4)
	net := model.NewNet[float32](model.CGRU, x.I, 8)
	net.Init(1, model.CouplingPaper)
	opt := model.NewAdam[float32]()
	if _, err := e.TrainStep(net, opt, model.DefaultRegularization, x, labels, model.Contrastive{Margin: 1}); err != nil {
		t.Fatal(err)
	}
	before, m := net.Clone(), append([]float32(nil), opt.M...)
	x.X[5] = float32(math.Inf(1))
	_, err := e.TrainStep(net, opt, model.DefaultRegularization, x, labels, model.Contrastive{Margin: 1})
	var nf *model.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("step with an infinite input: err %v, want a *model.NonFiniteError", err)
	}
	t.Logf("non-finite step: %v", err)
	for i := range net.Params {
		if net.Params[i] != before.Params[i] || opt.M[i] != m[i] {
			t.Fatalf("parameter %d changed by a non-finite step", i)
		}
	}
	if opt.T != 1 {
		t.Errorf("Adam's step count %d after one good and one bad step, want 1", opt.T)
	}
}
