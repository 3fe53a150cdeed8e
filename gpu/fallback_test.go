//go:build cgo && !js

package gpu

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/cgru/cgru/gpu/internal/parity"
	"github.com/cgru/cgru/model"
)

// trainRun trains a small CGRU for 2 epochs of 3 batches (6 windows of 128
// steps each, structural loss) with validation, and returns the final
// network and the number of steps that reported a batch.
func trainRun(t *testing.T, e model.Engine[float32]) (*model.Net[float32], int) {
	t.Helper()
	x, labels := parity.Batch(3, 21) // 18 windows
	net := model.NewNet[float32](model.CGRU, x.I, 8)
	net.Init(4, model.CouplingWeak)
	st := model.NewTrainState(net, model.DefaultTrainConfig)
	cfg := model.DefaultTrainConfig
	cfg.Epochs = 2
	valPairs := model.AllPairs(6)
	val := model.Seqs[float32]{N: 6, T: x.T, I: x.I, X: x.X[:6*x.T*x.I]}
	d := model.TrainData[float32]{X: x, Labels: labels, Loss: model.DefaultStructural,
		Batches: func(epoch int) [][]int {
			var bs [][]int
			for b := 0; b < 3; b++ {
				var idx []int
				for i := 0; i < 6; i++ {
					idx = append(idx, (b*6+i+epoch)%18)
				}
				bs = append(bs, idx)
			}
			return bs
		},
		Validate: func(n *model.Net[float32]) (float64, error) {
			var s float64
			for _, v := range e.Distances(n, val, valPairs) {
				s += v
			}
			return -s, nil
		}}
	steps := 0
	err := model.Train(context.Background(), e, st, d, cfg, func(ev model.Event) {
		if ev.Kind == model.EventBatch {
			steps++
		}
	})
	if err != nil {
		t.Fatalf("training: %v", err)
	}
	if st.Epoch != 2 || len(st.History) != 2 {
		t.Fatalf("training ended after %d epochs (%d records), want 2", st.Epoch, len(st.History))
	}
	return st.Net, steps
}

func needGPU(t *testing.T) {
	if os.Getenv("CGRU_NO_GPU") == "1" {
		t.Skip("CGRU_NO_GPU=1")
	}
}

// TestFallbackNoAdapter: with adapter discovery failing, "auto" gives the
// CPU engine and says why, "webgpu" is an error, and training runs.
func TestFallbackNoAdapter(t *testing.T) {
	f := &faults{noAdapter: true}
	c, err := ChooseWith(context.Background(), "auto", 1, Options{faults: f})
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend != "cpu" || !strings.Contains(c.Reason, "no WebGPU adapter") {
		t.Fatalf("auto without an adapter: backend %q reason %q", c.Backend, c.Reason)
	}
	if _, ok := c.Engine.(*model.CPU[float32]); !ok {
		t.Fatalf("auto without an adapter gave a %T", c.Engine)
	}
	if _, err := ChooseWith(context.Background(), "webgpu", 1, Options{faults: f}); err == nil || !strings.Contains(err.Error(), "no WebGPU adapter") {
		t.Fatalf("webgpu without an adapter: err %v", err)
	}
	t.Logf("reason: %s", c.Reason)
	_, steps := trainRun(t, c.Engine)
	if steps != 6 {
		t.Errorf("%d steps, want 6", steps)
	}
}

// TestFallbackSelfTest: a self-test that does not match the CPU engine
// makes "auto" give the CPU engine with the mismatch as the reason.
func TestFallbackSelfTest(t *testing.T) {
	needGPU(t)
	// AllowSoftware: the self-test runs on lavapipe too.
	c, err := ChooseWith(context.Background(), "auto", 1, Options{AllowSoftware: true, faults: &faults{selfTestBias: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend != "cpu" || !strings.Contains(c.Reason, "self-test") || !strings.Contains(c.Reason, "differs from the CPU engine") {
		t.Fatalf("auto with a failing self-test: backend %q reason %q", c.Backend, c.Reason)
	}
	t.Logf("reason: %s", c.Reason)
	trainRun(t, c.Engine)
	// Without the fault the self-test passes and "auto" is the GPU.
	c, err = ChooseWith(context.Background(), "auto", 1, Options{AllowSoftware: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Engine.(*Auto).GPU().Close()
	if c.Backend != "webgpu" || c.Reason != "" || c.Adapter == "" {
		t.Fatalf("auto: backend %q reason %q adapter %q", c.Backend, c.Reason, c.Adapter)
	}
}

// TestFallbackDeviceLost loses the device in the middle of the second
// batch of the first epoch: the step is redone on the CPU from the
// unchanged weights, the run finishes with all its steps, Status reports
// the CPU and why, and the final weights are those of a run on the CPU
// engine alone (to float32 precision: no step was lost or taken twice).
func TestFallbackDeviceLost(t *testing.T) {
	needGPU(t)
	f := &faults{}
	var told []string
	c, err := ChooseWith(context.Background(), "auto", 1, Options{AllowSoftware: true, faults: f, OnFallback: func(r string) { told = append(told, r) }})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := c.Engine.(*Auto)
	if !ok || c.Backend != "webgpu" {
		t.Fatalf("auto gave %T on %q (%s)", c.Engine, c.Backend, c.Reason)
	}
	// Submits so far are the self-test's; a step is one submit, the
	// validation of an epoch one more. Lose the device at the second step.
	f.loseAtSubmit = a.GPU().Stats().Submits + 2
	got, steps := trainRun(t, a)
	backend, reason := a.Status()
	t.Logf("status: %s, %s", backend, reason)
	if backend != "cpu" || !strings.Contains(reason, "device lost") {
		t.Fatalf("after losing the device: backend %q reason %q", backend, reason)
	}
	if len(told) != 1 || told[0] != reason {
		t.Errorf("OnFallback was told %q, want once %q", told, reason)
	}
	if steps != 6 {
		t.Errorf("%d steps reported, want 6", steps)
	}
	want, _ := trainRun(t, &model.CPU[float32]{Threads: 1})
	for _, tn := range got.Layout().Tensors {
		r := parity.Rel(f64(got.Params[tn.Off:tn.Off+tn.Size()]), f64(want.Params[tn.Off:tn.Off+tn.Size()]), 0)
		if !(r <= parity.TrainTol) {
			t.Errorf("%s after the fallback differs from the CPU run by %.3g relative", tn.Name, r)
		}
	}
}

// TestAutoSoftware: "auto" passes a software adapter over for the CPU
// engine, saying so, unless AllowSoftware; it takes a hardware one;
// "webgpu" takes either. The adapter's kind is forced both ways, so the
// test means the same on lavapipe and on a real GPU.
func TestAutoSoftware(t *testing.T) {
	needGPU(t)
	yes, no := true, false
	ctx := context.Background()
	c, err := ChooseWith(ctx, "auto", 1, Options{faults: &faults{software: &yes}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Engine.(*model.CPU[float32]); !ok || c.Backend != "cpu" || c.Software || c.Adapter != "" ||
		!strings.HasPrefix(c.Reason, "only a software WebGPU adapter (") || !strings.HasSuffix(c.Reason, "): the pure-Go engine is faster here") {
		t.Fatalf("auto on a software adapter: %T backend %q software %v adapter %q reason %q", c.Engine, c.Backend, c.Software, c.Adapter, c.Reason)
	}
	t.Logf("reason: %s", c.Reason)
	for _, tc := range []struct {
		name    string
		backend string
		opt     Options
		soft    bool
	}{
		{"auto, AllowSoftware", "auto", Options{AllowSoftware: true, SkipSelfTest: true, faults: &faults{software: &yes}}, true},
		{"auto, hardware", "auto", Options{SkipSelfTest: true, faults: &faults{software: &no}}, false},
		{"webgpu, software", "webgpu", Options{faults: &faults{software: &yes}}, true},
	} {
		c, err := ChooseWith(ctx, tc.backend, 1, tc.opt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.Backend != "webgpu" || c.Software != tc.soft || c.Reason != "" || c.Adapter == "" {
			t.Errorf("%s: backend %q software %v reason %q adapter %q", tc.name, c.Backend, c.Software, c.Reason, c.Adapter)
		}
		switch e := c.Engine.(type) {
		case *Auto:
			e.GPU().Close()
		case *Engine:
			e.Close()
		default:
			t.Errorf("%s: a %T", tc.name, c.Engine)
		}
	}
}

// TestSoftwareReason names the software adapters as a reader knows them.
func TestSoftwareReason(t *testing.T) {
	for adapter, want := range map[string]string{
		"google swiftshader SwiftShader Device (Subzero)":             "SwiftShader",
		"llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, CPU, wgpu-native)": "Mesa's lavapipe",
		"Some CPU adapter (Vulkan, CPU, wgpu-native)":                 "Some CPU adapter (Vulkan, CPU, wgpu-native)",
		"": "unnamed",
	} {
		if got, w := SoftwareReason(adapter), "only a software WebGPU adapter ("+want+"): the pure-Go engine is faster here"; got != w {
			t.Errorf("SoftwareReason(%q) = %q, want %q", adapter, got, w)
		}
	}
}

// TestChooseCPU: "cpu" is the CPU engine with its threads; an unknown
// backend is an error.
func TestChooseCPU(t *testing.T) {
	c, err := Choose(context.Background(), "cpu", 3)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := c.Engine.(*model.CPU[float32]); !ok || e.Threads != 3 || c.Backend != "cpu" {
		t.Fatalf("cpu: %T %+v", c.Engine, c)
	}
	if _, err := Choose(context.Background(), "cuda", 1); err == nil {
		t.Fatal("backend cuda: no error")
	}
}
