//go:build js

package app

import "time"

// yield lets the browser's event loop run: on js/wasm the Go program gives
// control back to JavaScript only when every goroutine is blocked, so a
// long computation sleeps briefly between its pieces for the worker to
// receive messages (pause, stop, another request) and post its events.
func yield() { time.Sleep(time.Millisecond) }
