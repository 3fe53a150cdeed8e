//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/cgru/cgru/wasm/app"
)

// theWorker is the program's worker (the operations of this package reach
// it through it).
var theWorker *worker

func main() {
	w := &worker{self: safejs.Global()}
	w.app = app.New(w)
	theWorker = w
	handle, err := safejs.FuncOf(w.handle)
	if err != nil {
		fatal(err)
	}
	if err := w.self.Set("cgruHandle", handle); err != nil {
		fatal(err)
	}
	// Choose the engine now, so that the badge says which one runs before
	// anything is asked of it (WebGPU set-up and self-test take a moment).
	go w.probe()
	ready, err := w.self.Get("cgruReady")
	if err == nil && !ready.IsUndefined() {
		if _, err := ready.Invoke(app.Version()); err != nil {
			fatal(err)
		}
	}
	select {} // serve requests until the worker is terminated
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "cgru worker:", err)
	os.Exit(1)
}

// worker is the app's Host in a dedicated Web Worker.
type worker struct {
	self safejs.Value
	app  *app.App

	postMu sync.Mutex
	engines
}

// handle is self.cgruHandle(op, argsJSON, files) → Promise of {json,
// bytes}: it returns at once (never blocking inside a JavaScript callback,
// DESIGN.md §7) and carries out the request on a goroutine. files is an
// array of {path, data: Uint8Array} (or undefined).
func (w *worker) handle(this safejs.Value, args []safejs.Value) any {
	req, err := request(args)
	return w.promise(func() (any, error) {
		if err != nil {
			return nil, err
		}
		rep, err := w.app.Handle(context.Background(), req)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(rep.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: encoding the reply: %v", req.Op, err)
		}
		out := map[string]any{"json": string(b)}
		if rep.Bytes != nil {
			u8, err := uint8Array(rep.Bytes)
			if err != nil {
				return nil, err
			}
			buf, _ := u8.Get("buffer")
			out["bytes"] = buf
		}
		return out, nil
	})
}

// request reads the arguments of cgruHandle.
func request(args []safejs.Value) (app.Request, error) {
	if len(args) < 2 {
		return app.Request{}, errors.New("cgruHandle(op, argsJSON, files): too few arguments")
	}
	op, err := args[0].String()
	if err != nil {
		return app.Request{}, fmt.Errorf("cgruHandle: op: %v", err)
	}
	req := app.Request{Op: op}
	if !args[1].IsUndefined() && !args[1].IsNull() {
		s, err := args[1].String()
		if err != nil {
			return req, fmt.Errorf("%s: arguments: %v", op, err)
		}
		req.Args = json.RawMessage(s)
	}
	if len(args) < 3 || args[2].IsUndefined() || args[2].IsNull() {
		return req, nil
	}
	n, err := args[2].Length()
	if err != nil {
		return req, fmt.Errorf("%s: files: %v", op, err)
	}
	for i := 0; i < n; i++ {
		f, err := args[2].Index(i)
		if err != nil {
			return req, err
		}
		p, err := f.Get("path")
		if err != nil {
			return req, err
		}
		path, err := p.String()
		if err != nil {
			return req, fmt.Errorf("%s: file %d: path: %v", op, i, err)
		}
		d, err := f.Get("data")
		if err != nil {
			return req, err
		}
		size, err := d.Length()
		if err != nil {
			return req, fmt.Errorf("%s: %s: data: %v", op, path, err)
		}
		b := make([]byte, size)
		if _, err := safejs.CopyBytesToGo(b, d); err != nil {
			return req, fmt.Errorf("%s: %s: data must be a Uint8Array: %v", op, path, err)
		}
		req.Files = append(req.Files, app.File{Path: path, Data: b})
	}
	return req, nil
}

// promise returns a JavaScript Promise settled by fn, which runs on a new
// goroutine: resolved with its value, or rejected with an Error carrying
// its error's message.
func (w *worker) promise(fn func() (any, error)) any {
	ctor, err := safejs.Global().Get("Promise")
	if err != nil {
		return nil
	}
	executor, err := safejs.FuncOf(func(this safejs.Value, args []safejs.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := fn()
			if err != nil {
				errCtor, _ := safejs.Global().Get("Error")
				e, _ := errCtor.New(err.Error())
				reject.Invoke(e)
				return
			}
			if _, err := resolve.Invoke(v); err != nil {
				errCtor, _ := safejs.Global().Get("Error")
				e, _ := errCtor.New("cgru worker: " + err.Error())
				reject.Invoke(e)
			}
		}()
		return nil
	})
	if err != nil {
		return nil
	}
	defer executor.Release()
	p, err := ctor.New(executor)
	if err != nil {
		return nil
	}
	return p
}

func uint8Array(b []byte) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return safejs.Value{}, err
	}
	u8, err := ctor.New(len(b))
	if err != nil {
		return safejs.Value{}, err
	}
	_, err = safejs.CopyBytesToJS(u8, b)
	return u8, err
}

// Yield implements app.Host: it returns from a fresh JavaScript macrotask
// (self.cgruYield of worker.js: a MessageChannel message, which browsers
// do not delay as they delay nested timers; setTimeout elsewhere). While
// the goroutine waits for it, and the others do too, the Go program gives
// control back to the worker's event loop, which delivers the page's
// messages: with two runs training, a goroutine woken by a Go timer would
// always be ready and the worker would never hear "pause".
func (w *worker) Yield() {
	done := make(chan struct{})
	fn, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		close(done)
		return nil
	})
	if err != nil {
		return
	}
	defer fn.Release()
	if y, err := w.self.Get("cgruYield"); err == nil && !y.IsUndefined() {
		_, err = y.Invoke(fn)
	} else {
		_, err = w.self.Call("setTimeout", fn, 0)
	}
	if err != nil {
		return
	}
	<-done
}

// Emit posts {event, json} to the page.
func (w *worker) Emit(event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	w.postMu.Lock()
	defer w.postMu.Unlock()
	if _, err := w.self.Call("postMessage", map[string]any{"event": event, "json": string(b)}); err != nil {
		fmt.Fprintln(os.Stderr, "cgru worker: posting", event+":", err)
	}
}
