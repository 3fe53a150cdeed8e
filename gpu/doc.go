// Package gpu is cgru's WebGPU engine: the forward and backward passes of the
// SGRU and the CGRU (DESIGN.md §2–3) as WGSL compute shaders (package
// shaders), through github.com/cogentcore/webgpu/wgpu, from one source that
// builds natively (cgo, wgpu-native bundled in that module; Vulkan, Metal or
// D3D12 underneath, Mesa's lavapipe on a machine without a GPU) and for
// js/wasm (the browser's navigator.gpu, in a dedicated Web Worker).
//
// # Choosing an engine
//
// [Choose] returns the engine for a backend name: "cpu" (model.CPU), "webgpu"
// (the GPU engine on any adapter; an error when WebGPU is not available) or
// "auto" (WebGPU when a hardware adapter and a device are obtained and a
// start-up self-test, a tiny forward and backward pass of both models
// compared with the CPU engine, passes; otherwise the CPU engine, with the
// reason in [Choice.Reason]). A build without WebGPU (CGO_ENABLED=0
// natively, or another GOOS) compiles and gives the CPU engine for "auto",
// with that reason.
//
// "auto" passes a software adapter over: when the adapter is a CPU
// implementation of WebGPU (Mesa's lavapipe or llvmpipe natively,
// SwiftShader in Chromium without a GPU; [Choice.Software] for "webgpu"),
// it gives the CPU engine with the reason "only a software WebGPU adapter
// (SwiftShader): the pure-Go engine is faster here" ([SoftwareReason]).
// Such an adapter computes correctly but slowly: a CGRU step of 36 windows
// took 2.7 s on lavapipe against 72 ms on the CPU engine, and 3.3 to 6.7 s
// on SwiftShader against 0.28 s on the page's pure-Go engine (README, "The
// GPU engine"). "webgpu" still takes it, and so does "auto" with
// [Options].AllowSoftware (the fallback tests use it on lavapipe).
//
// The engine "auto" returns, when it is the GPU one, is an [*Auto]: on device
// loss or any GPU error it switches to the CPU engine for the rest of the run,
// redoes the failed call there (a training step from the unchanged host
// weights, so no step and no epoch is lost), and says so through
// [Auto.Status] (the backend that runs now and why) and the optional
// [Auto.OnFallback] callback. The engine "webgpu" returns, an [*Engine], has
// no fallback: its model.Engine methods panic with an [*Error] when the GPU
// fails, and its ...Err methods return the error.
//
// In js/wasm, call Choose from a goroutine, never synchronously inside a
// js.FuncOf callback (it waits on promises). The engine writes GPU buffers
// itself (GPUQueue.writeBuffer on a copy), not with the binding's
// Queue.WriteBuffer, which views wasm memory through globalThis.wasm and
// failed now and then on a detached ArrayBuffer when the memory grew; so
// globalThis.wasm is not needed by this package.
//
// # The training step
//
// Both engines implement model.Engine[float32]; the GPU ones also implement
// model.StepEngine[float32], so model.TrainStep (and model.Train) hands them
// the whole step: for a CGRU batch of N sequences (P = N(N−1)/2 pairs) one
// command buffer with six dispatches and one readback:
//
//	project         W_ih·x + b_ih for every sequence and step    ceil(N·T·3H/64) workgroups
//	cgru_forward    every pair through all T steps, tape of h_t  P workgroups of 2H
//	loss            loss and dL/dd (contrastive or structural)  1 workgroup of 256
//	cgru_backward   BPTT, one gradient row per pair             P workgroups of 2H
//	reduce          sum of the rows in a fixed order            ceil(NP/64) workgroups
//	adam            penalty, finite check, clipping, Adam       1 workgroup of 256
//
// (the SGRU adds pair_distance after its per-sequence forward: seven). The
// readback holds the loss, penalty, gradient norm and finite flag, the
// distances, and the updated parameters and Adam moments (3·NP floats, 27 KiB
// for H = 20), so net.Params and the optimiser state on the host stay those
// of the device. Parameters and moments stay on the GPU between steps: the
// engine keeps a mirror of what the device holds and uploads them only when
// the host changed them (a rollback, a resumed checkpoint, a CPU step after
// a fallback). No float atomics anywhere: every sum has a fixed order, so a
// step gives the same numbers on every run on the same device.
//
// The backward passes recompute each step's gates from the saved states h_t
// instead of saving the gates (a tape of 2H floats per pair and step instead
// of 11H: 13 MB instead of 71 MB for N = 36, T = 128, H = 20, and within
// the default 128 MiB binding limit up to H = 128); see README "The GPU
// engine" for the measurements behind these choices.
//
// # Precision
//
// Everything on the GPU is float32 (WGSL has no float64). exp and tanh are
// the CPU engine's own float32 functions (WGSL's are implementation-defined),
// sums run in the CPU engine's order where it has one, and the losses are
// float32 versions of model/loss.go. Against the CPU engine (float32) the
// distances and losses agree to about 1e-6 relative and the gradients to
// about 1e-5 (see the parity tests).
//
// # The binding, as measured here
//
// DESIGN.md §7 lists what was measured about cogentcore/webgpu v0.23.0
// before this package; building it taught five more things:
//
//   - Device.Poll(true) after a submit that ran for seconds on lavapipe made
//     the next Poll crash: poll without waiting, with a short sleep between.
//   - The binding's DeviceLostCallback panics under cgo's pointer check
//     ("Go pointer to unpinned Go pointer"), so natively a lost device shows
//     as failing calls, which is how the fallback detects it.
//   - Releasing a bind group while a command buffer is still being recorded
//     makes wgpu-native abort: release them after the submit.
//   - naga wants WGSL array sizes as one identifier (array<f32, H2>, not
//     2 * H) and refuses workgroupUniformLoad on an atomic.
//   - In js/wasm the binding's Queue.WriteBuffer can fail on a detached
//     ArrayBuffer when the wasm memory grows (see above).
package gpu
