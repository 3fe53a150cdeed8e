//go:build js && wasm && wasmsimd

package main

// The engine's matrix products, sigmoid and tanh on WebAssembly SIMD: Go
// does not compile to SIMD for wasm, so the kernels are a small hand-written
// module (kernels/kernels.wat, assembled by build.sh into kernels.wasm) that
// site/worker.js instantiates on this program's memory and hands in as the
// imports below. Built with -tags wasmsimd (build.sh does); without the tag,
// or when the browser could not compile the module, the engine keeps its
// portable loops. The kernels do the portable code's float32 operations in
// its order, so the numbers are the same.

import (
	"unsafe"

	"github.com/cgru/cgru/model"
)

//go:wasmimport cgru gemm
func wasmGemm(m, n, k int32, a unsafe.Pointer, sai, sap int32, b unsafe.Pointer, ldb int32, c unsafe.Pointer, ldc int32)

//go:wasmimport cgru sigmoid
func wasmSigmoid(dst, src unsafe.Pointer, n int32)

//go:wasmimport cgru tanh
func wasmTanh(dst, src unsafe.Pointer, n int32)

// wasmKernels returns the kernel module's version, 0 when there is none.
//
//go:wasmimport cgru kernels
func wasmKernels() int32

// kernelsVersion is the version of kernels/kernels.wat this program calls.
const kernelsVersion = 2

// simdGemm calls the kernel module (model.UseGemm has checked the shapes
// and the slices' lengths).
func simdGemm(m, n, k int, a []float32, sai, sap int, b []float32, ldb int, c []float32, ldc int) {
	wasmGemm(int32(m), int32(n), int32(k), unsafe.Pointer(&a[0]), int32(sai), int32(sap),
		unsafe.Pointer(&b[0]), int32(ldb), unsafe.Pointer(&c[0]), int32(ldc))
}

func simdSigmoid(dst, src []float32) {
	wasmSigmoid(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), int32(len(dst)))
}

func simdTanh(dst, src []float32) {
	wasmTanh(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), int32(len(dst)))
}

// simdKernels are the module's kernels (model.UseKernels checks shapes and
// lengths before calling them).
var simdKernels = model.Kernels{Gemm: simdGemm, Sigmoid: simdSigmoid, Tanh: simdTanh}

func init() {
	if wasmKernels() == kernelsVersion {
		model.UseKernels(simdKernels)
	}
}
