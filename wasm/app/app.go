package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
)

// Host is what the app needs from the program around it: in the browser
// the Web Worker (package main of wasm/), in tests a recorder.
type Host interface {
	// Emit posts an event to the page. data is marshalled to JSON.
	Emit(event string, data any)
	// Yield lets the host run. In a browser the Go program gives control
	// back to JavaScript only when every goroutine waits, so long
	// computations call Yield between their pieces (each batch, each piece
	// of a distance matrix): the worker then receives messages (pause,
	// stop, other requests) even while two runs train. It blocks until
	// the host's event loop has turned.
	Yield()
	// Engine returns an engine for one consumer (a training run, an
	// evaluation): consumers never share one, since an engine is not safe
	// for concurrent use. It may block (WebGPU set-up) and is called from
	// a goroutine of the app, never from a JavaScript callback.
	Engine(ctx context.Context) (model.Engine[float32], EngineInfo)
	// Release gives back an engine that Engine gave, when its consumer is
	// done with it (the host may hand it to the next one).
	Release(model.Engine[float32])
}

// EngineInfo says which engine runs and why.
type EngineInfo struct {
	// Backend is "webgpu" or "cpu".
	Backend string `json:"backend"`
	// Adapter names the GPU adapter (WebGPU only).
	Adapter string `json:"adapter,omitempty"`
	// Software is set when the adapter is a CPU implementation of WebGPU
	// (SwiftShader): correct, but slower than the pure-Go engine.
	Software bool `json:"software,omitempty"`
	// Reason says why the CPU engine runs ("" with WebGPU).
	Reason string `json:"reason,omitempty"`
}

// File is an uploaded file: its path (a file name, or a path relative to
// the dropped or picked folder) and its bytes.
type File struct {
	Path string
	Data []byte
}

// Request is one message from the page.
type Request struct {
	Op    string          // the operation, e.g. "compare"
	Args  json.RawMessage // its arguments, a JSON object (may be empty)
	Files []File          // uploaded files, for the operations that take them
}

// Reply is the result of a request: Value is marshalled to JSON; Bytes,
// when not nil, travels beside it as an ArrayBuffer.
type Reply struct {
	Value any
	Bytes []byte
}

// Handler carries out one operation.
type Handler func(ctx context.Context, a *App, req Request) (Reply, error)

var (
	opsMu sync.RWMutex
	ops   = map[string]Handler{}
)

// Register adds the operation op. Panels register their operations from
// init functions in their own files (see the package documentation). It
// panics if op is registered twice.
func Register(op string, h Handler) {
	opsMu.Lock()
	defer opsMu.Unlock()
	if _, dup := ops[op]; dup {
		panic("app: operation " + op + " registered twice")
	}
	ops[op] = h
}

// Ops returns the registered operations, sorted.
func Ops() []string {
	opsMu.RLock()
	defer opsMu.RUnlock()
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// App is the state of the page's engine: the dataset, the two runs (SGRU
// and CGRU) and the task in progress. Its methods may be called from any
// goroutine.
type App struct {
	host Host

	mu   sync.Mutex
	data *dataset
	runs map[model.Kind]*run
	seq  uint64 // of RunInfo

	// task serialises evaluations, noise sweeps and benchmarks: one at a
	// time, on one engine.
	task       sync.Mutex
	taskCancel context.CancelFunc
	taskName   string
	taskEngine model.Engine[float32]
	taskInfo   EngineInfo
}

// New returns an app holding the embedded dataset and two untrained runs
// with the default settings.
func New(h Host) *App {
	a := &App{host: h, runs: map[model.Kind]*run{}}
	a.data = newDataset(data.Embedded(), data.EmbeddedName, "UCI HAR, embedded subset")
	for _, k := range kinds {
		a.runs[k] = newRun(k, DefaultConfig(), a.data)
	}
	return a
}

// kinds are the two networks, in the order the page shows them.
var kinds = []model.Kind{model.SGRU, model.CGRU}

// Handle carries out a request. Errors are meant for the user: they name
// the file, line and field at fault where there is one. A panic in a
// handler is returned as an internal error.
func (a *App) Handle(ctx context.Context, req Request) (rep Reply, err error) {
	opsMu.RLock()
	h := ops[req.Op]
	opsMu.RUnlock()
	if h == nil {
		return Reply{}, fmt.Errorf("unknown operation %q", req.Op)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in %s: %v\n%s", req.Op, p, debug.Stack())
		}
	}()
	return h(ctx, a, req)
}

// args decodes a request's arguments into v, refusing unknown fields so
// that a misspelt setting is an error rather than a silent default.
func args(req Request, v any) error {
	if len(req.Args) == 0 || string(req.Args) == "null" {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(string(req.Args)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: arguments: %v", req.Op, err)
	}
	return nil
}

// Version names the build: the module version and VCS revision when the
// build recorded them.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += "+dirty"
		}
	}
	return v
}

// errBusy is returned when a task is asked for while another one runs.
var errBusy = errors.New("another computation is running: wait for it, or cancel it")

// beginTask starts the task name, returning its context and a function
// that ends it, and the task engine (created on first use).
func (a *App) beginTask(ctx context.Context, name string) (context.Context, func(), model.Engine[float32], EngineInfo, error) {
	if !a.task.TryLock() {
		return nil, nil, nil, EngineInfo{}, errBusy
	}
	tctx, cancel := context.WithCancel(ctx)
	a.mu.Lock()
	a.taskCancel, a.taskName = cancel, name
	a.mu.Unlock()
	if a.taskEngine == nil {
		a.taskEngine, a.taskInfo = a.host.Engine(tctx)
	}
	end := func() {
		cancel()
		a.mu.Lock()
		a.taskCancel, a.taskName = nil, ""
		a.mu.Unlock()
		a.task.Unlock()
	}
	return tctx, end, a.taskEngine, a.taskInfo, nil
}

// DropTaskEngine forgets the engine of evaluations, noise sweeps and
// benchmarks (after the host's engine setting changed): the next task asks
// the host for a new one. It waits for a task in progress.
func (a *App) DropTaskEngine() {
	a.task.Lock()
	defer a.task.Unlock()
	if a.taskEngine != nil {
		a.host.Release(a.taskEngine)
	}
	a.taskEngine = nil
}

func init() {
	Register("hello", opHello)
	Register("task.cancel", opTaskCancel)
}

// helloReply is the answer to "hello": everything the page needs to draw
// itself after a (re)load.
type helloReply struct {
	Version  string     `json:"version"`
	Ops      []string   `json:"ops"`
	Defaults Config     `json:"defaults"`
	Data     *Summary   `json:"data"`
	Runs     []*RunInfo `json:"runs"`
}

func opHello(ctx context.Context, a *App, req Request) (Reply, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := helloReply{Version: Version(), Ops: Ops(), Defaults: DefaultConfig(), Data: a.data.summary()}
	for _, k := range kinds {
		r.Runs = append(r.Runs, a.info(a.runs[k]))
	}
	return Reply{Value: r}, nil
}

func opTaskCancel(ctx context.Context, a *App, req Request) (Reply, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.taskCancel == nil {
		return Reply{Value: map[string]any{"cancelled": ""}}, nil
	}
	a.taskCancel()
	return Reply{Value: map[string]any{"cancelled": a.taskName}}, nil
}
