//go:build js

package gpu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"unsafe"

	"github.com/cogentcore/webgpu/wgpu"
)

// device is the browser's GPUDevice (navigator.gpu, in a Web Worker or a
// page) wrapped by the binding, with the raw JS objects for what the
// binding leaves out: error scopes, device.lost and the adapter's info.
type device struct {
	dev      *wgpu.Device
	queue    *wgpu.Queue
	name     string
	software bool // a CPU implementation (SwiftShader)
	limits   wgpu.Limits

	js     js.Value // the GPUDevice
	lostCB js.Func
	errCB  js.Func

	uncaptured string // the first uncaptured error (outside the engine's error scopes), under mu

	lostState
}

// await waits for a JS promise from a goroutine (never call it inside a
// js.FuncOf callback: the callback would block the event loop that has to
// settle the promise).
func await(ctx context.Context, p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return p, nil
	}
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(this js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	bad := js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "rejected"
		if len(args) > 0 {
			msg = jsString(args[0])
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	defer ok.Release()
	defer bad.Release()
	p.Call("then", ok, bad)
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

func jsString(v js.Value) string {
	if v.Type() == js.TypeObject {
		if m := v.Get("message"); m.Type() == js.TypeString {
			return m.String()
		}
	}
	return v.String()
}

func openDevice(ctx context.Context, f *faults) (*device, error) {
	if f != nil && f.noAdapter {
		return nil, errors.New("no WebGPU adapter (simulated by a test)")
	}
	nav := js.Global().Get("navigator")
	if !nav.Truthy() || !nav.Get("gpu").Truthy() {
		return nil, errors.New("navigator.gpu is not available: this browser or context has no WebGPU")
	}
	a, err := await(ctx, nav.Get("gpu").Call("requestAdapter"))
	if err != nil {
		return nil, fmt.Errorf("requestAdapter: %w", err)
	}
	if !a.Truthy() {
		return nil, errors.New("no WebGPU adapter: navigator.gpu.requestAdapter() returned null")
	}
	d := &device{}
	var parts []string
	if info := a.Get("info"); info.Truthy() {
		for _, k := range []string{"vendor", "architecture", "device", "description"} {
			if v := info.Get(k); v.Type() == js.TypeString && v.String() != "" {
				parts = append(parts, v.String())
			}
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "unknown adapter")
	}
	fallback := a.Get("isFallbackAdapter")
	if info := a.Get("info"); info.Truthy() && info.Get("isFallbackAdapter").Type() == js.TypeBoolean {
		fallback = info.Get("isFallbackAdapter")
	}
	d.software = (fallback.Type() == js.TypeBoolean && fallback.Bool()) ||
		strings.Contains(strings.ToLower(strings.Join(parts, " ")), "swiftshader")
	d.name = strings.Join(parts, " ") + " (browser WebGPU)"
	dv, err := await(ctx, a.Call("requestDevice", map[string]any{"label": "cgru"}))
	if err != nil {
		return nil, fmt.Errorf("requestDevice on %s: %w", d.name, err)
	}
	if !dv.Truthy() {
		return nil, fmt.Errorf("requestDevice on %s gave nothing", d.name)
	}
	d.js = dv
	d.lostCB = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "device lost"
		if len(args) > 0 && args[0].Truthy() {
			msg = fmt.Sprintf("%s: %s", jsString(args[0].Get("reason")), jsString(args[0]))
		}
		d.setLost(msg)
		return nil
	})
	dv.Get("lost").Call("then", d.lostCB)
	// Errors outside an error scope would only be console warnings: keep
	// the first one (popErrors returns it) and log it as an error.
	d.errCB = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "uncaptured WebGPU error"
		if len(args) > 0 {
			msg = "uncaptured WebGPU error: " + jsString(args[0].Get("error"))
		}
		js.Global().Get("console").Call("error", "cgru gpu: "+msg)
		d.mu.Lock()
		if d.uncaptured == "" {
			d.uncaptured = msg
		}
		d.mu.Unlock()
		return nil
	})
	dv.Call("addEventListener", "uncapturederror", d.errCB)
	w := wgpu.NewDevice(dv)
	d.dev = &w
	d.queue = w.GetQueue()
	d.limits = w.GetLimits().Limits
	return d, nil
}

// poll is nothing in the browser: the binding's MapAsync awaits the promise.
func (d *device) poll() {}

// pushErrors opens error scopes for an operation: in the browser the
// binding returns no errors (validation errors only show as console
// warnings), so the engine asks the device itself.
func (d *device) pushErrors() {
	for _, f := range []string{"validation", "out-of-memory", "internal"} {
		d.js.Call("pushErrorScope", f)
	}
}

// popErrors closes the scopes of pushErrors and returns the first error
// they caught.
func (d *device) popErrors() error {
	var first error
	for i := 0; i < 3; i++ {
		v, err := await(context.Background(), d.js.Call("popErrorScope"))
		if err == nil && v.Truthy() {
			err = errors.New(jsString(v))
		}
		if err != nil && first == nil {
			first = err
		}
	}
	d.mu.Lock()
	if first == nil && d.uncaptured != "" {
		first = errors.New(d.uncaptured)
	}
	d.mu.Unlock()
	return first
}

// writeBuffer writes b at offset off of buf with GPUQueue.writeBuffer on a
// copy of b. The binding's Queue.WriteBuffer views wasm memory through
// globalThis.wasm instead, and failed here now and then with "Cannot
// perform Construct on a detached ArrayBuffer" (wasm memory grew between
// its fetching the memory's buffer and making the view), so the engine
// does not use it and needs no globalThis.wasm.
func (d *device) writeBuffer(buf *wgpu.Buffer, off uint64, b []byte) error {
	jb := jsBuffer(buf)
	if jb.Type() != js.TypeObject || jb.Get("size").Type() != js.TypeNumber {
		return errors.New("writeBuffer: not a GPUBuffer (the wgpu binding's Buffer changed?)")
	}
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	d.js.Get("queue").Call("writeBuffer", jb, off, a)
	return nil
}

// jsBuffer returns the GPUBuffer of a binding Buffer, whose only field (in
// cogentcore/webgpu v0.23.0, js build) is that js.Value; writeBuffer checks
// that it is one.
func jsBuffer(b *wgpu.Buffer) js.Value {
	return *(*js.Value)(unsafe.Pointer(b))
}

func (d *device) release() {
	d.setClosing()
	d.js.Call("destroy")
}
