// exec_node.js runs a js/wasm test binary under Node, as the Go root's
// go_js_wasm_exec does, and also hands it the SIMD matrix kernels the page
// gives the engine (the imports "cgru" of wasm/kernels_simd.go), from the
// kernels.wasm that build.sh assembles. ./build.sh test runs
//
//   GOOS=js GOARCH=wasm go test -tags wasmsimd -exec="node …/exec_node.js" ./wasm/
//
// with CGRU_WASM_EXEC (the Go root's lib/wasm) and CGRU_KERNELS (the
// kernels.wasm) set.
"use strict";

const fs = require("fs");
const path = require("path");
if (process.argv.length < 3) {
  console.error("usage: node exec_node.js [wasm binary] [arguments]");
  process.exit(1);
}
globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto");
require(path.join(process.env.CGRU_WASM_EXEC, "wasm_exec.js"));

const go = new Go();
go.argv = process.argv.slice(2);
go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
go.exit = process.exit;
let kernels = null;
go.importObject.cgru = {
  kernels: () => (kernels ? kernels.exports.version() : 0),
  gemm: (m, n, k, a, sai, sap, b, ldb, c, ldc) => kernels.exports.gemm(m, n, k, a, sai, sap, b, ldb, c, ldc),
        sigmoid: (dst, src, n) => kernels.exports.sigmoid(dst, src, n),
        tanh: (dst, src, n) => kernels.exports.tanh(dst, src, n),
};
(async () => {
  const result = await WebAssembly.instantiate(fs.readFileSync(process.argv[2]), go.importObject);
  const km = await WebAssembly.compile(fs.readFileSync(process.env.CGRU_KERNELS));
  kernels = await WebAssembly.instantiate(km, { go: { mem: result.instance.exports.mem } });
  process.on("exit", (code) => {
    if (code === 0 && !go.exited) {
      // deadlock: make Go print the error and stack traces
      go._pendingEvent = { id: 0 };
      go._resume();
    }
  });
  await go.run(result.instance);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
