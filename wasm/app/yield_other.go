//go:build !js

package app

import "runtime"

// yield lets other goroutines run (see yield_js.go for the browser).
func yield() { runtime.Gosched() }
