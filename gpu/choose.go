package gpu

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cgru/cgru/model"
)

// Choice is the engine Choose picked and why.
type Choice struct {
	// Engine runs the networks. It is also a model.StepEngine[float32]
	// when it is the GPU one (an *Auto for "auto", an *Engine for "webgpu").
	Engine model.Engine[float32]
	// Backend is what runs now: "webgpu" or "cpu".
	Backend string
	// Adapter describes the GPU adapter when Backend is "webgpu".
	Adapter string
	// Software is set when that adapter is a CPU implementation of WebGPU
	// (Mesa's lavapipe natively, SwiftShader in Chromium without a GPU):
	// it computes correctly but slower than the CPU engine (measured: a
	// CGRU step of 36 windows took 3.3 to 6.7 s on SwiftShader against
	// 0.28 s on the page's pure-Go engine, 2.7 s on lavapipe against 72 ms
	// natively; README, "The GPU engine"). Only "webgpu", or
	// "auto" with Options.AllowSoftware, gives such an adapter.
	Software bool
	// Reason says why the CPU engine runs ("" otherwise): no adapter, only
	// a software adapter (SoftwareReason), a failed self-test, a build
	// without WebGPU, or "--backend cpu".
	Reason string
}

// Options adjust Choose; the zero value is what Choose uses.
type Options struct {
	// AllowSoftware lets "auto" take a software adapter (Choice.Software:
	// lavapipe, SwiftShader), which it otherwise passes over for the CPU
	// engine, faster there. "webgpu" takes any adapter.
	AllowSoftware bool
	// SkipSelfTest leaves out the start-up self-test of "auto".
	SkipSelfTest bool
	// OnFallback, if not nil, is set as the OnFallback of the *Auto that
	// "auto" returns.
	OnFallback func(reason string)

	// Fault injection for the fallback tests (see fault.go).
	faults *faults
}

// Choose returns the engine for backend "auto", "webgpu" or "cpu"; threads
// is the CPU engine's number of goroutines (0: GOMAXPROCS). "auto" gives the
// WebGPU engine, wrapped in an *Auto that falls back to the CPU engine,
// when a hardware adapter and a device are obtained and the self-test
// passes, and the CPU engine with the reason otherwise (a software adapter
// too: SoftwareReason); "webgpu" gives the *Engine on any adapter, or an
// error saying why there is none; "cpu" gives the CPU engine. ctx bounds the
// time spent getting an adapter and a device. In js/wasm call it from a
// goroutine, never inside a js.FuncOf callback.
func Choose(ctx context.Context, backend string, threads int) (Choice, error) {
	return ChooseWith(ctx, backend, threads, Options{})
}

// ChooseWith is Choose with options.
func ChooseWith(ctx context.Context, backend string, threads int, opt Options) (Choice, error) {
	cpu := func(reason string) Choice {
		return Choice{Engine: &model.CPU[float32]{Threads: threads}, Backend: "cpu", Reason: reason}
	}
	switch backend {
	case "cpu":
		return cpu("--backend cpu"), nil
	case "webgpu", "auto":
	default:
		return Choice{}, fmt.Errorf("gpu: unknown backend %q (want auto, webgpu or cpu)", backend)
	}
	e, err := open(ctx, opt.faults)
	if err == nil && backend == "auto" && e.Software() && !opt.AllowSoftware {
		reason := SoftwareReason(e.Adapter())
		e.Close()
		return cpu(reason), nil
	}
	if err == nil && backend == "auto" && !opt.SkipSelfTest {
		if err = selfTest(e, opt.faults); err != nil {
			e.Close()
		}
	}
	if err != nil {
		if backend == "webgpu" {
			return Choice{}, err
		}
		return cpu(err.Error()), nil
	}
	if backend == "webgpu" {
		return Choice{Engine: e, Backend: "webgpu", Adapter: e.Adapter(), Software: e.Software()}, nil
	}
	a := &Auto{gpu: e, cpu: &model.CPU[float32]{Threads: threads}, backend: "webgpu", OnFallback: opt.OnFallback}
	return Choice{Engine: a, Backend: "webgpu", Adapter: e.Adapter(), Software: e.Software()}, nil
}

// SoftwareReason is the reason "auto" gives for the CPU engine when the only
// WebGPU adapter is a software one (adapter as Engine.Adapter says it):
// "only a software WebGPU adapter (SwiftShader): the pure-Go engine is
// faster here".
func SoftwareReason(adapter string) string {
	name := adapter
	switch a := strings.ToLower(adapter); {
	case strings.Contains(a, "swiftshader"):
		name = "SwiftShader"
	case strings.Contains(a, "llvmpipe"), strings.Contains(a, "lavapipe"), strings.Contains(a, "mesa"):
		name = "Mesa's lavapipe"
	case name == "":
		name = "unnamed"
	}
	return "only a software WebGPU adapter (" + name + "): the pure-Go engine is faster here"
}

// Error is a failure of the GPU engine: no WebGPU, no adapter or device,
// limits too small for a batch, a shader or validation error, a lost
// device, or results that fail a check.
type Error struct {
	Op  string // what the engine was doing
	Err error
}

func (e *Error) Error() string { return "webgpu: " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrNoWebGPU is returned (wrapped) by Open in a build without WebGPU.
var ErrNoWebGPU = errors.New("this build has no WebGPU (built without cgo)")

// ErrLimits is returned (wrapped) when a network or batch exceeds the
// device's limits.
var ErrLimits = errors.New("the device's limits are too small")

// ErrDeviceLost is returned (wrapped) once the device is lost.
var ErrDeviceLost = errors.New("device lost")

// Stats counts the engine's GPU work since Open.
type Stats struct {
	Dispatches    int   // compute dispatches
	Submits       int   // command buffers submitted
	Readbacks     int   // buffers mapped for reading (each waits for the GPU)
	ReadbackBytes int64 // bytes read back
	UploadBytes   int64 // bytes written with Queue.WriteBuffer
}
