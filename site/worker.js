// worker.js — the dedicated Web Worker that runs cgru's Go engine
// (cgru.wasm, built from wasm/). The page compiles the module and posts it
// here; requests and replies follow the message API of wasm/README.md.
//
//   page → worker  {boot: WebAssembly.Module, kernels: WebAssembly.Module | null}
//                  {id, op, args, files?: [{path, data: ArrayBuffer}]}
//   worker → page  {ready: version}
//                  {id, ok: true, json, bytes?}  |  {id, ok: false, error}
//                  {event, json}
//                  {log: "error" | "warn", text}   (console of the worker)
//                  {fatal: text}                    (the engine stopped)
"use strict";

// Forward the worker's console errors and warnings, and uncaught errors,
// to the page (tests and users watch the page's console).
for (const level of ["error", "warn"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    original(...args);
    postMessage({ log: level, text: args.map(String).join(" ") });
  };
}
self.addEventListener("error", (e) => postMessage({ log: "error", text: `${e.message} (${e.filename}:${e.lineno})` }));
self.addEventListener("unhandledrejection", (e) => postMessage({ log: "error", text: String(e.reason && e.reason.stack || e.reason) }));

importScripts("wasm_exec.js");

// Go writes its standard error (panics included) through fs.writeSync:
// make each line a console error, which the code above forwards.
{
  const decoder = new TextDecoder();
  const write = globalThis.fs.writeSync;
  let pending = "";
  globalThis.fs.writeSync = function (fd, buf) {
    if (fd !== 2) return write.call(this, fd, buf);
    pending += decoder.decode(buf);
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      console.error("cgru engine: " + pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    return buf.length;
  };
}

const queue = [];

// cgruYield(fn) calls fn from a new task. The Go program hands control back
// to JavaScript only when all its goroutines wait: its long computations
// wait here between pieces, so that messages from the page get through. A
// MessageChannel message is not clamped as nested timers are.
{
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  self.cgruYield = (fn) => {
    waiting.push(fn);
    channel.port2.postMessage(null);
  };
}

// cgruReady is called by the Go program once it has installed
// self.cgruHandle.
self.cgruReady = (version) => {
  postMessage({ ready: version });
  for (const m of queue.splice(0)) dispatch(m);
};

function dispatch(m) {
  if (!self.cgruHandle) {
    queue.push(m);
    return;
  }
  const files = (m.files || []).map((f) => ({ path: f.path, data: new Uint8Array(f.data) }));
  let p;
  try {
    p = self.cgruHandle(m.op, JSON.stringify(m.args ?? {}), files);
  } catch (err) {
    p = Promise.reject(err);
  }
  Promise.resolve(p).then(
    (r) => postMessage({ id: m.id, ok: true, json: r.json, bytes: r.bytes }, r.bytes ? [r.bytes] : []),
    (err) => postMessage({ id: m.id, ok: false, error: String((err && err.message) || err) }),
  );
}

self.onmessage = async (e) => {
  const m = e.data;
  if (m && m.boot) {
    try {
      const go = new Go();
      // The SIMD matrix kernels (wasm/kernels): a second module working on
      // the Go program's memory, reached through the imports "cgru".
      let kernels = null;
      go.importObject.cgru = {
        kernels: () => (kernels ? kernels.exports.version() : 0),
        gemm: (m, n, k, a, sai, sap, b, ldb, c, ldc) => kernels.exports.gemm(m, n, k, a, sai, sap, b, ldb, c, ldc),
        sigmoid: (dst, src, n) => kernels.exports.sigmoid(dst, src, n),
        tanh: (dst, src, n) => kernels.exports.tanh(dst, src, n),
      };
      const instance = await WebAssembly.instantiate(m.boot, go.importObject);
      if (m.kernels) kernels = await WebAssembly.instantiate(m.kernels, { go: { mem: instance.exports.mem } });
      // The WebGPU binding reads the module's memory through globalThis.wasm
      // (DESIGN.md §7): the shape of WebAssembly.instantiate's result.
      globalThis.wasm = { module: m.boot, instance };
      go.run(instance).then(
        () => postMessage({ fatal: "the engine stopped (see the console)" }),
        (err) => postMessage({ fatal: String(err) }),
      );
    } catch (err) {
      postMessage({ fatal: "could not start the engine: " + err });
    }
    return;
  }
  dispatch(m);
};
