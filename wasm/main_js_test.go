//go:build js && wasm

package main

// The worker's JavaScript side under Node (./build.sh test runs the js/wasm
// tests with go_js_wasm_exec): requests as the page sends them, replies as
// Promises, errors as rejections, bytes as ArrayBuffers, events through
// postMessage, and the engine choice without WebGPU.

import (
	"encoding/json"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/cgru/cgru/wasm/app"
)

type posted struct {
	mu     sync.Mutex
	events map[string][]string
}

var (
	setupOnce sync.Once
	testW     *worker
	testPost  = &posted{events: map[string][]string{}}
)

// setup installs a postMessage that records events, and the worker.
func setup(t *testing.T) *worker {
	setupOnce.Do(func() {
		js.Global().Set("postMessage", js.FuncOf(func(this js.Value, args []js.Value) any {
			m := args[0]
			if ev := m.Get("event"); ev.Type() == js.TypeString {
				testPost.mu.Lock()
				testPost.events[ev.String()] = append(testPost.events[ev.String()], m.Get("json").String())
				testPost.mu.Unlock()
			}
			return nil
		}))
		testW = &worker{self: safejs.Global()}
		testW.app = app.New(testW)
		theWorker = testW
		go testW.probe()
	})
	return testW
}

func (p *posted) get(name string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.events[name]...)
}

type result struct {
	json  string
	bytes js.Value
	err   string
}

// call invokes the worker's handle as worker.js does and waits for its
// Promise (from this goroutine, not from a callback).
func call(t *testing.T, w *worker, op string, args any, files js.Value) result {
	t.Helper()
	b, _ := json.Marshal(args)
	v := w.handle(safejs.Null(), []safejs.Value{safejs.Safe(js.ValueOf(op)), safejs.Safe(js.ValueOf(string(b))), safejs.Safe(files)})
	p := safejs.Unsafe(v.(safejs.Value))
	if p.Get("then").Type() != js.TypeFunction {
		t.Fatalf("%s: handle returned %v, not a Promise", op, p.Type())
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(this js.Value, a []js.Value) any {
		r := result{json: a[0].Get("json").String(), bytes: a[0].Get("bytes")}
		ch <- r
		return nil
	})
	fail := js.FuncOf(func(this js.Value, a []js.Value) any {
		ch <- result{err: a[0].Get("message").String()}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	select {
	case r := <-ch:
		return r
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: no answer", op)
	}
	return result{}
}

func files(fs ...[2]string) js.Value {
	arr := js.Global().Get("Array").New()
	for _, f := range fs {
		u8 := js.Global().Get("Uint8Array").New(len(f[1]))
		js.CopyBytesToJS(u8, []byte(f[1]))
		o := js.Global().Get("Object").New()
		o.Set("path", f[0])
		o.Set("data", u8)
		arr.Call("push", o)
	}
	return arr
}

func TestWorker(t *testing.T) {
	w := setup(t)
	r := call(t, w, "hello", nil, js.Undefined())
	var hello struct {
		Version string
		Data    struct{ Train struct{ N int } }
		Ops     []string
	}
	if r.err != "" || json.Unmarshal([]byte(r.json), &hello) != nil || hello.Data.Train.N != 432 || len(hello.Ops) < 10 {
		t.Fatalf("hello: %+v (%s)", hello, r.err)
	}
	// An upload refused: a rejection naming the file, line and field.
	csv := "window,split,subject,label,a\nw1,train,1,up,1\nw1,train,1,up,x\n"
	r = call(t, w, "data.load", map[string]string{"name": "bad.csv"}, files([2]string{"bad.csv", csv}))
	if !strings.Contains(r.err, "bad.csv:3: field 5 (a)") {
		t.Errorf("bad upload: error %q", r.err)
	}
	// Bytes come back as an ArrayBuffer.
	good := "window,split,subject,label,a\nw1,train,1,up,1\nw1,train,1,up,2\nw2,test,2,up,3\nw2,test,2,up,4\n"
	if r = call(t, w, "data.load", map[string]string{"name": "good.csv"}, files([2]string{"good.csv", good})); r.err != "" {
		t.Fatalf("data.load: %s", r.err)
	}
	r = call(t, w, "data.export", nil, js.Undefined())
	if r.err != "" || !r.bytes.InstanceOf(js.Global().Get("ArrayBuffer")) || r.bytes.Get("byteLength").Int() < 20 {
		t.Errorf("data.export: %v bytes, error %q", r.bytes.Type(), r.err)
	}
	if r = call(t, w, "data.load", map[string]string{"name": "embedded"}, js.Null()); r.err != "" {
		t.Fatal(r.err)
	}
	// Unknown operations and bad arguments are rejections too.
	if r = call(t, w, "nope", nil, js.Undefined()); !strings.Contains(r.err, "unknown operation") {
		t.Errorf("unknown op: %q", r.err)
	}
	// The engine: Node has no WebGPU, so the CPU engine, with the reason.
	deadline := time.Now().Add(time.Minute)
	for len(testPost.get("engine")) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ev := testPost.get("engine")
	if len(ev) == 0 || !strings.Contains(ev[0], `"backend":"cpu"`) || !strings.Contains(ev[0], "WebGPU") {
		t.Errorf("engine events %v, want the CPU engine and why", ev)
	}
	// The engine setting.
	for _, c := range []struct{ backend, want string }{
		{"cpu", "chosen in the page"}, {"webgpu", "WebGPU was asked for, but"}, {"auto", "WebGPU"},
	} {
		r = call(t, w, "engine.set", map[string]string{"backend": c.backend}, js.Undefined())
		if r.err != "" || !strings.Contains(r.json, `"backend":"cpu"`) || !strings.Contains(r.json, c.want) {
			t.Errorf("engine.set %s: %s %s", c.backend, r.json, r.err)
		}
	}
	if r = call(t, w, "engine.set", map[string]string{"backend": "tpu"}, js.Undefined()); !strings.Contains(r.err, "want auto, webgpu or cpu") {
		t.Errorf("engine.set tpu: %q", r.err)
	}
	// A short training: events arrive through postMessage.
	r = call(t, w, "train.start", map[string]any{"kinds": []string{"cgru"}, "config": map[string]any{
		"hidden": 4, "loss": "contrastive", "margin": 1, "tau": 1, "lr": 0.001, "per_class": 1, "epochs": 1, "seed": 1,
		"coupling_init": "weak", "folds": 7, "fold": 0, "train_per_class": 2, "weight_decay": 0, "coupling_penalty": 0.01,
		"clip": 6, "plateau_patience": 10, "early_stop": 0}}, js.Undefined())
	if r.err != "" {
		t.Fatal(r.err)
	}
	deadline = time.Now().Add(2 * time.Minute)
	for !strings.Contains(strings.Join(testPost.get("train.status"), ""), `"status":"done"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(testPost.get("train.epoch")); n != 1 {
		t.Errorf("%d epoch events, want 1; status events %v", n, testPost.get("train.status"))
	}
}

// BenchmarkPageStep times, under Node, what the page's bench operation
// times in a browser: one CGRU training step of 36 windows (630 pairs)
// with the pure-Go engine, as cgru bench does natively.
func BenchmarkPageStep(b *testing.B) {
	w := setup(&testing.T{})
	var ms []float64
	for b.Loop() {
		r := call(&testing.T{}, w, "bench", map[string]any{"kind": "cgru", "batch": 36, "rounds": 1, "warmup": 0}, js.Undefined())
		var res app.BenchResult
		json.Unmarshal([]byte(r.json), &res)
		ms = append(ms, res.TrainStepMS)
	}
	var sum float64
	for _, v := range ms {
		sum += v
	}
	b.ReportMetric(sum/float64(len(ms)), "ms/step")
}
