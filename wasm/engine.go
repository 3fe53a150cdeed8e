//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cgru/cgru/gpu"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/wasm/app"
)

// The engine choice, in one place. The page's setting (operation
// "engine.set") is "auto" by default: gpu.ChooseWith("auto") gives WebGPU
// when a hardware adapter and a device are obtained and the engine's
// start-up self-test passes, the pure-Go engine otherwise, with the reason
// (a software adapter such as SwiftShader is slower than the pure-Go
// engine: "only a software WebGPU adapter (SwiftShader): the pure-Go engine
// is faster here"); "webgpu" insists on WebGPU, software adapters included
// (the CPU engine, and why, when there is none); "cpu" takes the pure-Go
// engine. Every consumer (each training run, the
// evaluation task) gets its own engine, since an engine is not safe for
// concurrent use; the start-up choice is made at once, for the badge, and
// handed to the first consumer.

// chooseTimeout bounds the WebGPU set-up and self-test.
const chooseTimeout = 60 * time.Second

type engines struct {
	mu    sync.Mutex
	pref  string        // "auto", "webgpu" or "cpu"
	first chan struct{} // closed when the start-up choice is made
	// idle are chosen engines no consumer holds (the start-up choice,
	// engines given back), for the setting of generation gen.
	idle []gpu.Choice
	gen  int
	held map[model.Engine[float32]]int // engine → generation, while held
	last app.EngineInfo
}

func (e *engines) init() chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.first == nil {
		e.first = make(chan struct{})
		e.pref = "auto"
	}
	return e.first
}

// probe makes the start-up choice and announces it with an "engine"
// event.
func (w *worker) probe() {
	first := w.engines.init()
	w.engines.mu.Lock()
	pref := w.engines.pref
	w.engines.mu.Unlock()
	c := w.choose(pref)
	w.engines.mu.Lock()
	w.engines.idle, w.engines.last = append(w.engines.idle, c), info(c)
	close(first)
	w.engines.mu.Unlock()
	w.Emit("engine", info(c))
}

// choose makes a choice for pref, reporting a later fallback to the CPU
// engine as an "engine" event. "webgpu" goes through gpu's "auto" too, with
// AllowSoftware, so that a GPU failing mid-run still hands over to the CPU
// engine.
func (w *worker) choose(pref string) gpu.Choice {
	if pref == "cpu" {
		return gpu.Choice{Engine: cpuEngine(), Backend: "cpu", Reason: "chosen in the page's settings"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), chooseTimeout)
	defer cancel()
	c, err := gpu.ChooseWith(ctx, "auto", 1, gpu.Options{AllowSoftware: pref == "webgpu", OnFallback: func(reason string) {
		w.Emit("engine", app.EngineInfo{Backend: "cpu", Reason: reason})
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cgru worker: choosing the engine:", err)
		c = gpu.Choice{Engine: cpuEngine(), Backend: "cpu", Reason: err.Error()}
	}
	if pref == "webgpu" && c.Backend != "webgpu" {
		c.Reason = "WebGPU was asked for, but " + c.Reason
	}
	return c
}

func cpuEngine() model.Engine[float32] { return &model.CPU[float32]{Threads: 1} }

func info(c gpu.Choice) app.EngineInfo {
	return app.EngineInfo{Backend: c.Backend, Adapter: c.Adapter, Software: c.Software && c.Backend == "webgpu", Reason: c.Reason}
}

// Engine implements app.Host: an idle engine of the current setting, or a
// new one.
func (w *worker) Engine(ctx context.Context) (model.Engine[float32], app.EngineInfo) {
	select {
	case <-w.engines.init():
	case <-ctx.Done():
		return cpuEngine(), app.EngineInfo{Backend: "cpu", Reason: "cancelled before the engine was chosen"}
	}
	e := &w.engines
	e.mu.Lock()
	if n := len(e.idle); n > 0 {
		c := e.idle[n-1]
		e.idle = e.idle[:n-1]
		e.hold(c.Engine)
		e.mu.Unlock()
		return c.Engine, info(c)
	}
	pref, last, gen := e.pref, e.last, e.gen
	e.mu.Unlock()
	c := gpu.Choice{Engine: cpuEngine(), Backend: "cpu", Reason: last.Reason}
	if last.Backend != "cpu" || pref == "webgpu" {
		c = w.choose(pref)
	}
	e.mu.Lock()
	if e.held == nil {
		e.held = map[model.Engine[float32]]int{}
	}
	e.held[c.Engine] = gen
	e.mu.Unlock()
	return c.Engine, info(c)
}

func (e *engines) hold(eng model.Engine[float32]) {
	if e.held == nil {
		e.held = map[model.Engine[float32]]int{}
	}
	e.held[eng] = e.gen
}

// Release implements app.Host: the engine waits for the next consumer, or,
// if the setting changed since it was chosen, is closed.
func (w *worker) Release(eng model.Engine[float32]) {
	e := &w.engines
	e.mu.Lock()
	gen, ok := e.held[eng]
	delete(e.held, eng)
	if ok && gen == e.gen {
		c := gpu.Choice{Engine: eng, Backend: "cpu", Reason: e.last.Reason}
		if a, isGPU := eng.(*gpu.Auto); isGPU {
			// After a fallback mid-run the engine is the CPU one now.
			c.Backend, c.Reason = a.Status()
			if c.Backend == "webgpu" {
				c.Adapter, c.Software = e.last.Adapter, e.last.Software
			}
		}
		e.idle = append(e.idle, c)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	closeEngine(eng)
}

// closeEngine frees a GPU engine's device.
func closeEngine(eng model.Engine[float32]) {
	if a, ok := eng.(*gpu.Auto); ok {
		if g := a.GPU(); g != nil {
			g.Close()
		}
	}
}

func init() {
	app.Register("engine.set", opEngineSet)
}

// opEngineSet sets the engine for what starts from now on: {backend:
// "auto" | "webgpu" | "cpu"}; it answers (and announces with an "engine"
// event) the engine that choice gives. Runs in progress keep theirs.
func opEngineSet(ctx context.Context, a *app.App, req app.Request) (app.Reply, error) {
	var arg struct {
		Backend string `json:"backend"`
	}
	if len(req.Args) > 0 {
		if err := json.Unmarshal(req.Args, &arg); err != nil {
			return app.Reply{}, fmt.Errorf("engine.set: %v", err)
		}
	}
	switch arg.Backend {
	case "auto", "webgpu", "cpu":
	default:
		return app.Reply{}, fmt.Errorf("engine.set: backend %q, want auto, webgpu or cpu", arg.Backend)
	}
	w := theWorker
	e := &w.engines
	<-e.init()
	e.mu.Lock()
	e.pref = arg.Backend
	e.gen++
	old := e.idle
	e.idle = nil
	e.mu.Unlock()
	for _, c := range old {
		closeEngine(c.Engine)
	}
	a.DropTaskEngine()
	c := w.choose(arg.Backend)
	e.mu.Lock()
	e.idle, e.last = append(e.idle, c), info(c)
	e.mu.Unlock()
	w.Emit("engine", info(c))
	return app.Reply{Value: info(c)}, nil
}
