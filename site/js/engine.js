// engine.js — the page's side of the worker: boots the Go engine in a
// dedicated Web Worker and turns the message API (wasm/README.md) into
// promises and events.

export class Engine {
  constructor(url = "worker.js") {
    this.worker = new Worker(url);
    this.nextID = 1;
    this.pending = new Map();
    this.listeners = new Map();
    this.version = "";
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.worker.onmessage = (e) => this.receive(e.data);
    this.worker.onerror = (e) => {
      console.error("cgru worker: " + (e.message || "failed to start"));
      this.rejectReady(new Error(e.message || "the worker failed to start"));
    };
  }

  // boot fetches and compiles cgru.wasm (streaming: compiling while
  // downloading), reporting progress as (bytes, expected), and kernels.wasm,
  // and starts them in the worker. It resolves with the engine's version once the Go program
  // is ready.
  async boot(url, expected, progress) {
    // The SIMD kernels (a few hundred bytes) compile alongside; a browser
    // without WebAssembly SIMD gets null, and the engine its portable loops.
    const kernels = WebAssembly.compileStreaming(fetch("kernels.wasm")).catch(() => null);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    let loaded = 0;
    const reader = res.body.getReader();
    const counted = new ReadableStream({
      async pull(ctrl) {
        const { done, value } = await reader.read();
        if (done) {
          ctrl.close();
          return;
        }
        loaded += value.byteLength;
        progress?.(loaded, expected);
        ctrl.enqueue(value);
      },
    });
    const module = await WebAssembly.compileStreaming(
      new Response(counted, { headers: { "Content-Type": "application/wasm" } }),
    );
    this.worker.postMessage({ boot: module, kernels: await kernels });
    this.version = await this.ready;
    return this.version;
  }

  receive(m) {
    if (m.ready !== undefined) {
      this.resolveReady(m.ready);
    } else if (m.fatal) {
      console.error("cgru worker: " + m.fatal);
      this.rejectReady(new Error(m.fatal));
      this.emit("fatal", { message: m.fatal });
    } else if (m.log) {
      // The worker's console, forwarded (its own console is not the page's).
      (m.log === "warn" ? console.warn : console.error)("[worker] " + m.text);
    } else if (m.event) {
      this.emit(m.event, JSON.parse(m.json));
    } else if (m.id) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) {
        const value = JSON.parse(m.json);
        if (m.bytes) Object.defineProperty(value, "bytes", { value: m.bytes, enumerable: false });
        p.resolve(value);
      } else {
        p.reject(new Error(m.error));
      }
    }
  }

  // call sends a request: op, its arguments (an object) and files
  // ([{path, data: ArrayBuffer}], transferred). It resolves with the
  // decoded reply (a reply with bytes has them as its .bytes).
  call(op, args = {}, files = undefined) {
    const id = this.nextID++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const transfer = files ? files.map((f) => f.data) : [];
      this.worker.postMessage({ id, op, args, files }, transfer);
    });
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return () => this.listeners.get(event).delete(fn);
  }

  emit(event, data) {
    for (const fn of this.listeners.get(event) || []) {
      try {
        fn(data);
      } catch (err) {
        console.error(`cgru page: handling ${event}:`, err);
      }
    }
  }
}
