// Command wasm is the engine of cgru's web page: the Go program compiled to
// WebAssembly (GOOS=js GOARCH=wasm) that runs in a dedicated Web Worker, so
// that training never freezes the page. site/worker.js loads it; the page
// talks to it through a small message API, documented in README.md next to
// this file, whose operations live in package wasm/app (pure Go, tested
// natively and under Node).
//
// It reaches JavaScript only through github.com/hack-pad/safejs, returns a
// Promise for every request and carries the request out on a goroutine
// (blocking inside a JavaScript callback deadlocks js/wasm: DESIGN.md §7).
// The engine is chosen in engine.go: WebGPU through package gpu when the
// browser has it and its self-test passes, the pure-Go engine otherwise.
//
// Built for another platform it only prints how to build it.
package main
