//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cgru/cgru/gpu"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/wasm/app"
)

// The engine choice, in one place: WebGPU when the browser gives an adapter
// and a device and the engine's start-up self-test passes (gpu.Choose
// "auto"), the pure-Go engine otherwise, with the reason. Every consumer
// (each training run, the evaluations) gets its own engine, since an engine
// is not safe for concurrent use; the first choice is made at start-up for
// the badge and handed to the first consumer.

// chooseTimeout bounds the WebGPU set-up and self-test.
const chooseTimeout = 60 * time.Second

type engines struct {
	mu      sync.Mutex
	first   chan struct{} // closed when the start-up choice is made
	probed  bool
	primary *gpu.Choice // the start-up choice, until a consumer takes it
	webgpu  bool        // WebGPU worked at start-up
	reason  string      // why not
}

// probe makes the start-up choice and announces it with an "engine"
// event.
func (w *worker) probe() {
	w.engines.mu.Lock()
	if w.engines.first == nil {
		w.engines.first = make(chan struct{})
	}
	w.engines.mu.Unlock()
	c := w.choose()
	w.engines.mu.Lock()
	w.engines.primary, w.engines.probed = &c, true
	w.engines.webgpu, w.engines.reason = c.Backend == "webgpu", c.Reason
	close(w.engines.first)
	w.engines.mu.Unlock()
	w.Emit("engine", info(c))
}

// choose runs gpu.ChooseWith("auto"), reporting a later fallback to the
// CPU engine as an "engine" event.
func (w *worker) choose() gpu.Choice {
	ctx, cancel := context.WithTimeout(context.Background(), chooseTimeout)
	defer cancel()
	c, err := gpu.ChooseWith(ctx, "auto", 1, gpu.Options{OnFallback: func(reason string) {
		w.Emit("engine", app.EngineInfo{Backend: "cpu", Reason: reason})
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cgru worker: choosing the engine:", err)
		return gpu.Choice{Engine: cpuEngine(), Backend: "cpu", Reason: err.Error()}
	}
	return c
}

func cpuEngine() model.Engine[float32] { return &model.CPU[float32]{Threads: 1} }

func info(c gpu.Choice) app.EngineInfo {
	return app.EngineInfo{Backend: c.Backend, Adapter: c.Adapter, Reason: c.Reason}
}

// Engine implements app.Host.
func (w *worker) Engine(ctx context.Context) (model.Engine[float32], app.EngineInfo) {
	w.engines.mu.Lock()
	if w.engines.first == nil {
		w.engines.first = make(chan struct{})
	}
	first := w.engines.first
	w.engines.mu.Unlock()
	select {
	case <-first:
	case <-ctx.Done():
		return cpuEngine(), app.EngineInfo{Backend: "cpu", Reason: "cancelled before the engine was chosen"}
	}
	w.engines.mu.Lock()
	if c := w.engines.primary; c != nil {
		w.engines.primary = nil
		w.engines.mu.Unlock()
		return c.Engine, info(*c)
	}
	webgpu, reason := w.engines.webgpu, w.engines.reason
	w.engines.mu.Unlock()
	if !webgpu {
		return cpuEngine(), app.EngineInfo{Backend: "cpu", Reason: reason}
	}
	c := w.choose()
	return c.Engine, info(c)
}
