//go:build js

// Command paritywasm runs the GPU engine's parity cases (package
// gpu/internal/parity) in a browser: built with GOOS=js GOARCH=wasm and
// started in a dedicated Web Worker by the page of gpu's browser test, it
// takes the WebGPU engine (navigator.gpu), runs the golden cases (fetched
// from golden.json next to the worker), the real-size cases and ten
// training steps against the CPU engine, and posts each result and a final
// report to the page as {type: "result"|"done", json: "…"}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"syscall/js"
	"time"

	"github.com/cgru/cgru/gpu"
	"github.com/cgru/cgru/gpu/internal/parity"
	"github.com/cgru/cgru/model"
)

// Report is what the worker posts at the end.
type Report struct {
	Adapter     string `json:"adapter"`
	AutoBackend string `json:"auto_backend"` // what "auto" with AllowSoftware picked (its self-test)
	AutoReason  string `json:"auto_reason"`
	// What plain "auto" picked: the CPU engine on a software adapter.
	PlainBackend string               `json:"plain_backend"`
	PlainReason  string               `json:"plain_reason"`
	Results      []parity.Result      `json:"results"`
	Train        []parity.TrainResult `json:"train"`
	StepWork     gpu.Stats            `json:"step_work"` // one CGRU training step
	StepMS       float64              `json:"step_ms"`   // its wall time
	// Median step times (ms) of an SGRU of 12 windows with the loss in the
	// loss kernel and on the CPU (Engine.LossOnCPU: a second submit and
	// readback).
	LossGPUms float64 `json:"loss_gpu_ms"`
	LossCPUms float64 `json:"loss_cpu_ms"`
	Seconds   float64 `json:"seconds"`
	Error     string  `json:"error"`
}

func post(kind string, v any) {
	b, _ := json.Marshal(v)
	msg := js.Global().Get("Object").New()
	msg.Set("type", kind)
	msg.Set("json", string(b))
	js.Global().Call("postMessage", msg)
}

func main() {
	run()
	// Stay alive: the devices closed by run settle their lost promises
	// later, and their callbacks call into Go.
	select {}
}

func run() {
	start := time.Now()
	var rep Report
	defer func() {
		if r := recover(); r != nil {
			rep.Error = fmt.Sprint(r)
		}
		rep.Seconds = time.Since(start).Seconds()
		post("done", rep)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	auto, err := gpu.ChooseWith(ctx, "auto", 1, gpu.Options{AllowSoftware: true})
	if err != nil {
		rep.Error = err.Error()
		return
	}
	rep.AutoBackend, rep.AutoReason = auto.Backend, auto.Reason
	if a, ok := auto.Engine.(*gpu.Auto); ok {
		a.GPU().Close()
	}
	plain, err := gpu.Choose(ctx, "auto", 1)
	if err != nil {
		rep.Error = err.Error()
		return
	}
	rep.PlainBackend, rep.PlainReason = plain.Backend, plain.Reason
	if a, ok := plain.Engine.(*gpu.Auto); ok {
		a.GPU().Close()
	}
	c, err := gpu.Choose(ctx, "webgpu", 1)
	if err != nil {
		rep.Error = err.Error()
		return
	}
	e := c.Engine.(*gpu.Engine)
	defer e.Close()
	rep.Adapter = c.Adapter

	origin := js.Global().Get("location").Get("origin").String()
	path := js.Global().Get("location").Get("pathname").String()
	dir := path[:strings.LastIndex(path, "/")+1]
	resp, err := http.Get(origin + dir + "golden.json")
	if err != nil {
		rep.Error = err.Error()
		return
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		rep.Error = fmt.Sprintf("golden.json: status %d, %v", resp.StatusCode, err)
		return
	}
	cases, err := parity.GoldenCases(b)
	if err != nil {
		rep.Error = err.Error()
		return
	}
	cases = append(cases, parity.RealCases()...)
	for _, cs := range cases {
		r := parity.Check(e, cs)
		post("result", r)
		rep.Results = append(rep.Results, r)
	}
	for _, k := range []model.Kind{model.CGRU, model.SGRU} {
		per := 6
		if k == model.CGRU {
			per = 2
		}
		rep.Train = append(rep.Train, parity.Train(e, k, 10, per))
	}
	// The GPU work of one CGRU training step on a real batch.
	x, labels := parity.Batch(6, 1)
	net := model.NewNet[float32](model.CGRU, x.I, 20)
	net.Init(1, model.CouplingWeak)
	opt := model.NewAdam[float32]()
	if _, err := e.TrainStep(net, opt, model.DefaultRegularization, x, labels, model.DefaultStructural); err != nil {
		rep.Error = err.Error()
		return
	}
	s0 := e.Stats()
	t0 := time.Now()
	if _, err := e.TrainStep(net, opt, model.DefaultRegularization, x, labels, model.DefaultStructural); err != nil {
		rep.Error = err.Error()
		return
	}
	rep.StepMS = float64(time.Since(t0).Microseconds()) / 1000
	s1 := e.Stats()
	rep.LossGPUms, rep.LossCPUms = lossPlacement(e)
	rep.StepWork = gpu.Stats{Dispatches: s1.Dispatches - s0.Dispatches, Submits: s1.Submits - s0.Submits,
		Readbacks: s1.Readbacks - s0.Readbacks, ReadbackBytes: s1.ReadbackBytes - s0.ReadbackBytes, UploadBytes: s1.UploadBytes - s0.UploadBytes}
}

// lossPlacement times SGRU steps of 12 windows with the loss on the GPU and
// on the CPU, alternating, and returns the medians in ms.
func lossPlacement(e *gpu.Engine) (onGPU, onCPU float64) {
	x, labels := parity.Batch(2, 5)
	net := model.NewNet[float32](model.SGRU, x.I, 20)
	net.Init(2, model.CouplingWeak)
	opt := model.NewAdam[float32]()
	var g, c []float64
	for i := 0; i < 7; i++ {
		for _, cpu := range []bool{false, true} {
			e.LossOnCPU = cpu
			t0 := time.Now()
			if _, err := e.TrainStep(net, opt, model.DefaultRegularization, x, labels, model.DefaultStructural); err != nil {
				panic(err)
			}
			ms := float64(time.Since(t0).Microseconds()) / 1000
			if i == 0 {
				continue // warm-up
			}
			if cpu {
				c = append(c, ms)
			} else {
				g = append(g, ms)
			}
		}
	}
	e.LossOnCPU = false
	return median(g), median(c)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
