// The Synchronization panel: the synchronization lab of cgru (paper
// §3.1–3.2; model/dynamics, cgru sync) to play with. A gain slider sets
// how strongly a GRU feeds back on itself and shows its largest Lyapunov
// exponent λ_max live (chaotic or not); a coupling slider, with the
// threshold c* marked, couples two copies started apart and draws both
// trajectories in a plane and their distance on a log scale, locking or
// drifting apart as the slider crosses c*; a sweep over c shows the
// threshold; and a trained CGRU's own gate is shown on real pairs of the
// loaded data, positive against negative, gate on against gate forced to 0.
//
// Requests go through lanes (see Lane): a slider's next request leaves
// when the previous answer is back, and the positions in between are
// never computed. The settings live in IndexedDB ("sync") and, while the
// panel is shown, in the URL hash (#sync?sync_gain=6.5&sync_c=0.05), so a
// link opens the same experiment.

import { h, clear, card, field, fmt, showAlert, hideAlert, progressBar, toast, readFiles } from "../ui.js";
import { LineChart, COLORS, axis } from "../charts.js";
import uPlot from "../../vendor/uplot/uPlot.esm.js";

const DEFAULTS = {
  net: "random", // random | sgru | cgru | file
  hidden: 20,
  seed: 1,
  gain: 7.5,
  inits: 1,
  form: "diffusive",
  c: 0.02,
  steps: 500,
  gate_net: "cgru", // cgru | file
  split: "test",
  ppc: 20,
  gate_seed: 1,
};
// The settings kept in the hash, as sync_<name>, and their types.
const HASHED = { net: "string", hidden: "int", seed: "int", gain: "number", inits: "int", form: "string", c: "number", steps: "int" };
const TRANSIENT = 1000;
const LYAP_STEPS = 5000;
const C_MAX = 0.5;
const ERR_RANGE = [1e-16, 10];
const COPY = ["#2563eb", "#ea580c"]; // h and h'
const NET_NAMES = { sgru: "SGRU", cgru: "CGRU" };

// saveNote says, after a command line, that the model file it reads has
// to be written first (the page's run, not loaded from a file: Save model
// gives it that name).
const saveNote = (r) => (r.save_as ? `, after saving the network with Train › Save model as ${r.save_as}` : "");

// Lane sends one kind of request: with coalesce, one at a time, the newest
// arguments waiting for the answer to the current one (the ones in
// between are dropped without being sent) and every answer drawn; without,
// each request is sent at once, the worker cancels the older one of the
// same lane (wasm/app/sync.go), and only the newest answer is drawn.
class Lane {
  constructor(app, op, name, { coalesce, onResult, onError, onStart, onEnd }) {
    Object.assign(this, { app, op, name, coalesce, onResult, onError, onStart, onEnd });
    this.version = 0;
    this.inflight = 0;
    this.waiting = null;
  }

  request(args) {
    this.version++;
    if (this.coalesce && this.inflight > 0) {
      this.waiting = args;
      return;
    }
    this.send(args);
  }

  async send(args) {
    const version = this.version;
    this.inflight++;
    this.onStart?.();
    try {
      const res = await this.app.engine.call(this.op, { ...args, lane: this.name });
      if (this.coalesce || version === this.version) this.onResult(res, args);
    } catch (err) {
      if (version === this.version) this.onError(err);
    } finally {
      this.inflight--;
      if (this.coalesce && this.waiting) {
        const next = this.waiting;
        this.waiting = null;
        this.send(next);
      } else if (this.inflight === 0) {
        this.onEnd?.();
      }
    }
  }

  busy() {
    return this.inflight > 0 || this.waiting !== null;
  }
}

// decades labels a log axis at every k-th power of ten.
const decades = (k) => (u, vals) => vals.map((v) => {
  if (!(v > 0)) return "";
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-6 && Math.round(e) % k === 0 ? (Math.round(e) === 0 ? "1" : "1e" + Math.round(e)) : "";
});

// Chart is a uPlot chart on a log y scale (with an optional linear y2),
// following its container's width, with vertical markers ({x, color,
// dash, label}) drawn from opts.markers().
class Chart {
  constructor(el, series, opts) {
    this.el = el;
    this.series = series;
    this.opts = opts;
    this.data = [[], ...series.map(() => [])];
    const width = Math.max(200, el.clientWidth || 400);
    const scales = { x: { time: false, range: opts.xRange }, y: { distr: 3, range: opts.yRange } };
    const axes = [axis(opts.xLabel), axis(opts.yLabel, { values: decades(opts.decades || 1), size: 48 })];
    if (opts.y2Label) {
      scales.y2 = { range: opts.y2Range };
      axes.push(axis(opts.y2Label, { scale: "y2", side: 1, grid: { show: false } }));
    }
    this.plot = new uPlot({
      width,
      height: opts.height || 240,
      scales,
      axes,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      series: [
        { label: opts.xLabel, value: (u, v) => (v == null ? "–" : fmt(v, 4)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash,
          scale: s.scale || "y",
          spanGaps: false,
          points: s.points ? { show: true, size: 5, fill: s.color } : { show: false },
          value: (u, v) => (v == null ? "–" : fmt(v, 3)),
        })),
      ],
      hooks: { draw: [(u) => this.drawMarkers(u)] },
    }, this.data, el);
    new ResizeObserver(() => this.resize()).observe(el);
  }

  drawMarkers(u) {
    const ctx = u.ctx;
    const dpr = uPlot.pxRatio;
    for (const m of this.opts.markers?.() || []) {
      if (m.x == null || !Number.isFinite(m.x)) continue;
      const x = u.valToPos(m.x, "x", true);
      if (x < u.bbox.left - 1 || x > u.bbox.left + u.bbox.width + 1) continue;
      ctx.save();
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash((m.dash || []).map((d) => d * dpr));
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      if (m.label) {
        ctx.fillStyle = m.color;
        ctx.font = `${11 * dpr}px system-ui, sans-serif`;
        ctx.fillText(m.label, x + 4 * dpr, u.bbox.top + 12 * dpr);
      }
      ctx.restore();
    }
  }

  set(x, ...ys) {
    this.data = [x, ...ys];
    this.plot.setData(this.data, true);
  }

  redraw() {
    this.plot.redraw(false);
  }

  resize() {
    const w = this.el.clientWidth;
    if (w > 0 && Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: this.plot.height });
  }
}

// drawPlane draws both trajectories (u, v) on a canvas: older steps
// fainter, the start as a ring, the end as a dot.
function drawPlane(canvas, r, box) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 400;
  const hgt = canvas.clientHeight || 300;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, hgt);
  const pad = 14;
  const sx = (w - 2 * pad) / (box.u[1] - box.u[0] || 1);
  const sy = (hgt - 2 * pad) / (box.v[1] - box.v[0] || 1);
  const s = Math.min(sx, sy);
  const ox = w / 2 - s * (box.u[0] + box.u[1]) / 2;
  const oy = hgt / 2 + s * (box.v[0] + box.v[1]) / 2;
  const X = (u) => ox + s * u;
  const Y = (v) => oy - s * v;
  g.strokeStyle = COLORS.grid;
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(X(0), 0);
  g.lineTo(X(0), hgt);
  g.moveTo(0, Y(0));
  g.lineTo(w, Y(0));
  g.stroke();
  const n = r.u1.length;
  const paths = [[r.u1, r.v1], [r.u2, r.v2]];
  const chunk = Math.max(1, Math.ceil(n / 40));
  paths.forEach(([us, vs], k) => {
    g.strokeStyle = COPY[k];
    g.lineWidth = 1.3;
    for (let a = 0; a < n - 1; a += chunk) {
      g.globalAlpha = 0.12 + 0.68 * (a / n); // both show where they overlap
      g.beginPath();
      g.moveTo(X(us[a]), Y(vs[a]));
      for (let t = a + 1; t <= Math.min(n - 1, a + chunk); t++) g.lineTo(X(us[t]), Y(vs[t]));
      g.stroke();
    }
    g.globalAlpha = 1;
    g.fillStyle = COPY[k];
    g.beginPath();
    g.arc(X(us[0]), Y(vs[0]), 4.5, 0, 2 * Math.PI);
    g.stroke();
    g.beginPath();
    g.arc(X(us[n - 1]), Y(vs[n - 1]), 3.5 + (1 - k), 0, 2 * Math.PI);
    g.fill();
  });
}

// floor puts exact zeros (and what rounding leaves below 1e-16) on the
// bottom of a log chart.
const floor = (v) => Math.max(v, ERR_RANGE[0]);

const fixed = (v, d = 5) => (v == null || !Number.isFinite(v) ? (v === -Infinity ? "−∞" : "–") : v.toFixed(d));

export default {
  id: "sync",
  title: "Synchronization",

  async init(app) {
    this.app = app;
    this.s = { ...DEFAULTS };
    const kept = await app.store.get("sync");
    if (kept) Object.assign(this.s, kept);
    this.readHash();
    this.drawn = { lyapunov: null, pair: null, sweep: null, gate: null };
    this.box = null;
    this.stale = true;
    this.build(app.section("sync"));
    this.lanes = {
      lyapunov: new Lane(app, "sync.lyapunov", "lyapunov", {
        coalesce: true,
        onResult: (r, a) => this.onLyapunov(r, a),
        onError: (e) => this.fail("λ_max", e, this.lambdaEl),
        onStart: () => this.lambdaBox.classList.add("computing"),
        onEnd: () => this.lambdaBox.classList.remove("computing"),
      }),
      pair: new Lane(app, "sync.pair", "pair", { coalesce: true, onResult: (r, a) => this.onPair(r, a), onError: (e) => this.fail("the pair", e, this.pairState) }),
      sweep: new Lane(app, "sync.sweep", "sweep", {
        coalesce: false,
        onResult: (r, a) => this.onSweep(r, a),
        onError: (e) => this.fail("the sweep", e, this.sweepText),
        onStart: () => (this.sweepText.textContent = "sweeping…"),
      }),
      gate: new Lane(app, "sync.gate", "gate", {
        coalesce: false,
        onResult: (r, a) => this.onGate(r, a),
        onError: (e) => this.gateFail(e),
        onStart: () => {
          this.gateProgress.el.hidden = false;
          this.gateProgress.set(0, "running the pairs…");
          // The progress stands for the summary until there is one.
          this.gateSummary.hidden = !this.gateSummary.querySelector("table");
        },
        onEnd: () => {
          this.gateProgress.el.hidden = true;
          this.gateSummary.hidden = false;
        },
      }),
    };
    app.engine.on("task.progress", (p) => {
      if (p.task === "sync.gate") this.gateProgress.set(p.done / Math.max(1, p.total), `${p.done} of ${p.total} pair runs`);
    });
    // The panel's model file, kept as the file itself.
    const file = await app.store.get("sync:model");
    if (file && file.blob) {
      try {
        this.model = await app.engine.call("sync.model", {}, [{ path: file.name, data: await file.blob.arrayBuffer() }]);
      } catch (err) {
        await app.store.delete("sync:model");
        console.warn(`cgru: the Synchronization panel's model file could not be read again: ${err.message}`);
      }
    }
    app.on("runs", () => this.onRuns());
    app.on("data", () => this.onData());
    window.addEventListener("hashchange", () => {
      if (this.app.state.panel === "sync" && this.readHash()) this.refresh();
    });
    this.fillControls();
  },

  show() {
    this.charts.forEach((c) => c.resize());
    this.writeHash();
    if (this.stale) this.refresh();
    else if (this.drawn.pair) this.drawPlane();
  },

  // ------------------------------------------------------------ settings

  readHash() {
    const q = decodeURIComponent(location.hash.replace(/^#/, "")).split("?")[1];
    if (!q) return false;
    let any = false;
    for (const [k, v] of new URLSearchParams(q)) {
      const name = k.replace(/^sync_/, "");
      if (!k.startsWith("sync_") || !(name in HASHED)) continue;
      const type = HASHED[name];
      const val = type === "string" ? v : type === "int" ? Number.parseInt(v, 10) : Number(v);
      if (type !== "string" && !Number.isFinite(val)) continue;
      this.s[name] = val;
      any = true;
    }
    return any;
  },

  // writeHash adds the settings that differ from the defaults to the hash
  // the page's State writes (it keeps only its own keys).
  writeHash() {
    if (this.app.state.panel !== "sync") return;
    const base = this.app.state.hash();
    const p = new URLSearchParams();
    for (const k of Object.keys(HASHED)) if (this.s[k] !== DEFAULTS[k]) p.set("sync_" + k, String(this.s[k]));
    const q = p.toString();
    const hash = q ? base + (base.includes("?") ? "&" : "?") + q : base;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  },

  set(changes) {
    Object.assign(this.s, changes);
    this.app.store.put("sync", { ...this.s });
    this.writeHash();
  },

  // ---------------------------------------------------------------- DOM

  build(sec) {
    const opt = (v, t) => h("option", { value: v }, t);
    this.netSel = h("select", { id: "sync-net", onchange: () => this.onNetwork() });
    this.hiddenIn = h("input", { type: "number", id: "sync-hidden", min: 1, max: 128, step: 1 });
    this.seedIn = h("input", { type: "number", id: "sync-seed", min: 0, step: 1 });
    this.hiddenIn.addEventListener("change", () => this.onRandomChange());
    this.seedIn.addEventListener("change", () => this.onRandomChange());
    this.initsSel = h("select", { id: "sync-inits", onchange: () => { this.set({ inits: Number(this.initsSel.value) }); this.requestLyapunov(); } },
      opt(1, "1 initial state (quick)"), opt(5, "5 initial states, as cgru sync lyapunov"));
    this.formSel = h("select", { id: "sync-form", onchange: () => { this.set({ form: this.formSel.value }); this.requestPair(); this.requestSweep(); this.showThreshold(); } },
      opt("diffusive", "diffusive: h ← (1−c)·F(h) + c·F(h')"), opt("cgru", "CGRU form: the candidates mix, ñ = (1−c)·n + c·n'"));
    this.stepsSel = h("select", { id: "sync-steps", onchange: () => { this.set({ steps: Number(this.stepsSel.value) }); this.box = null; this.requestPair(); } },
      [200, 500, 1000, 2000].map((n) => opt(n, `${n} steps`)));
    this.modelIn = h("input", { type: "file", accept: ".json,application/json", hidden: true, id: "sync-model-file", onchange: (e) => this.loadModel(e) });
    this.modelText = h("small", { class: "help", id: "sync-model-text" });
    this.randomRow = h("div", { class: "sync-random" }, field("Hidden units H", this.hiddenIn), field("Weight seed", this.seedIn));

    this.gainIn = h("input", { type: "range", id: "sync-gain", min: 0, max: 10, step: 0.05, "aria-label": "gain on the recurrent weights" });
    this.gainIn.addEventListener("input", () => this.onGain());
    this.gainOut = h("output", { id: "sync-gain-value", for: "sync-gain" });
    this.lambdaEl = h("div", { class: "sync-big", id: "sync-lambda" }, "…");
    this.regimeEl = h("p", { class: "sync-regime", id: "sync-regime" });
    this.commandEl = h("code", { id: "sync-command" });
    this.lambdaBox = h("div", { class: "sync-lambda-box" },
      h("div", { class: "sync-big-label" }, "λ", h("sub", {}, "max"), " (nats per step)"), this.lambdaEl, this.regimeEl,
      h("p", { class: "help" }, "The same number, from the command line: ", this.commandEl, this.commandSaveEl = h("span", { id: "sync-command-save" })));

    this.cIn = h("input", { type: "range", id: "sync-coupling", min: 0, max: C_MAX, step: 0.0025, "aria-label": "coupling strength c" });
    this.cIn.addEventListener("input", () => this.onCoupling(Number(this.cIn.value)));
    this.cNum = h("input", { type: "number", id: "sync-coupling-number", min: 0, max: 1, step: 0.001 });
    this.cNum.addEventListener("change", () => this.onCoupling(Number(this.cNum.value)));
    this.cMark = h("div", { class: "sync-mark", id: "sync-cstar-mark", hidden: true }, h("span", {}, "c*"));
    this.cStarText = h("p", { class: "help", id: "sync-cstar-text" });
    this.pairState = h("p", { class: "sync-state", id: "sync-pair-state" });

    this.planeEl = h("canvas", { class: "sync-plane", id: "sync-plane", "aria-label": "both trajectories in the principal plane" });
    this.planeCap = h("p", { class: "help", id: "sync-plane-cap" });
    this.errEl = h("div", { class: "chart", id: "sync-error-chart" });
    this.sweepEl = h("div", { class: "chart", id: "sync-sweep-chart" });
    this.sweepText = h("p", { class: "help", id: "sync-sweep-text" });

    this.gateNetSel = h("select", { id: "sync-gate-net", onchange: () => { this.set({ gate_net: this.gateNetSel.value }); this.gateNetDesc.textContent = this.runDesc(this.s.gate_net); this.requestGate(); } });
    this.splitSel = h("select", { id: "sync-gate-split", onchange: () => { this.set({ split: this.splitSel.value }); this.requestGate(); } }, opt("test", "test"), opt("train", "train"));
    this.ppcIn = h("input", { type: "number", id: "sync-gate-pairs", min: 1, max: 1000, step: 1 });
    this.gseedIn = h("input", { type: "number", id: "sync-gate-seed", min: 0, step: 1 });
    const gateNum = () => {
      const ppc = Number.parseInt(this.ppcIn.value, 10);
      const seed = Number.parseInt(this.gseedIn.value, 10);
      this.set({ ppc: Number.isFinite(ppc) && ppc > 0 ? ppc : this.s.ppc, gate_seed: Number.isFinite(seed) && seed >= 0 ? seed : this.s.gate_seed });
      this.requestGate();
    };
    this.ppcIn.addEventListener("change", gateNum);
    this.gseedIn.addEventListener("change", gateNum);
    this.gateProgress = progressBar("");
    this.gateProgress.el.hidden = true;
    this.gateSummary = h("div", { id: "sync-gate-summary" }, h("p", { class: "muted" }, "No trained CGRU looked at yet."));
    this.netDesc = h("small", { class: "help", id: "sync-net-desc" });
    this.gateNetDesc = h("small", { class: "help", id: "sync-gate-net-desc" });
    this.gateGateEl = h("div", { class: "chart", id: "sync-gate-chart" });
    this.gateErrEl = h("div", { class: "chart", id: "sync-gate-error-chart" });

    sec.append(
      h("div", { class: "panel-head" },
        h("h2", {}, "Synchronization: why coupling works"),
        h("p", { class: "lead" }, "A GRU that gets no input is a dynamical system: its state h moves by h ← F(h) forever. Turn up the gain on its recurrent weights and it becomes chaotic. Two copies started apart then never meet — unless they are coupled strongly enough. That threshold is set by one number, the largest Lyapunov exponent λ", h("sub", {}, "max"), ". The coupled GRU (CGRU) learns its own coupling, pair by pair.")),
      h("div", { class: "sync-top" },
        card("The network", "Random weights as PyTorch initialises a GRU, or a trained network's recurrent weights (with no input).",
          field("Network", this.netSel), this.netDesc,
          this.randomRow,
          h("div", { class: "button-row" },
            h("button", { type: "button", id: "sync-model-load", onclick: () => this.modelIn.click() }, "Load a model file…"), this.modelIn),
          this.modelText,
          field("λ_max estimated from", this.initsSel, `Benettin's method: ${LYAP_STEPS} steps averaged after ${TRANSIENT} discarded`)),
        card("Gain: is it chaotic?", "Multiplies the recurrent weights W_hh. Small gains settle down; larger ones can make the network chaotic.",
          h("div", { class: "sync-slider" }, h("label", { for: "sync-gain" }, "gain"), this.gainIn, this.gainOut),
          this.lambdaBox)),
      card("Coupling two copies", "Two copies of this network start from different states on their attractor and are coupled with strength c from step 0.",
        h("div", { class: "sync-coupling-row" },
          h("div", { class: "sync-slider sync-slider-c" }, h("label", { for: "sync-coupling" }, "c"),
            h("div", { class: "sync-range" }, this.cIn, this.cMark), this.cNum),
          field("Coupling form", this.formSel),
          field("Run for", this.stepsSel)),
        this.cStarText,
        this.pairState,
        h("div", { class: "grid-2" },
          h("figure", {}, h("figcaption", {}, "Both trajectories, in the plane of the uncoupled orbit's two main directions"), this.planeEl, this.planeCap),
          h("figure", {}, h("figcaption", {}, "Synchronization error ‖h", h("sub", {}, "t"), " − h'", h("sub", {}, "t"), "‖ (log scale; 0 on the floor), and the rate λ⊥ predicts"), this.errEl))),
      card("Threshold sweep", `Every c from 0 to ${C_MAX}: the distance left after the run (log scale, left; 0 drawn on the floor, 10⁻¹⁶) and the transverse exponent λ⊥(c) (right): the copies lock where λ⊥ < 0, from the threshold c* on.`,
        this.sweepEl, this.sweepText),
      card("The trained CGRU's gate", "A CGRU sets the coupling itself at every step: c_t = σ(W_hc (h_{t−1} + h'_{t−1}) + b_hc), per hidden unit. Here it reads real pairs of the loaded data, as cgru sync gate does: pairs of the same activity (positive) and of different activities (negative), with its gate, and with the gate forced to 0 (the same GRU, uncoupled).",
        h("div", { class: "form-grid" },
          h("div", { class: "field wide" }, h("label", { for: "sync-gate-net" }, "Trained CGRU"), this.gateNetSel, this.gateNetDesc),
          field("Windows from", this.splitSel),
          field("Pairs per activity", this.ppcIn, "positive, and as many negative"),
          field("Seed", this.gseedIn, "which pairs")),
        this.gateProgress.el,
        this.gateSummary,
        h("div", { class: "grid-2" },
          h("figure", {}, h("figcaption", {}, "Mean coupling gate per step"), this.gateGateEl),
          h("figure", {}, h("figcaption", {}, "Mean synchronization error per step"), this.gateErrEl))),
      card("For the classroom", null,
        h("div", { class: "sync-explain" },
          h("p", {}, h("b", {}, "What λ_max means. "), "Start the network twice from almost the same state. The tiny difference grows or shrinks by a factor e", h("sup", {}, "λ_max"), " per step on average. Above 0 the network is chaotic: differences double every ln 2 / λ_max steps, so it soon forgets where it started, and two copies run side by side never meet. Below 0 every start settles to the same rhythm."),
          h("p", {}, h("b", {}, "Why coupling above c* synchronizes. "), "Coupling lets each copy take a share c of the other's step: h ← (1 − c)·F(h) + c·F(h'). Their difference then shrinks by the factor |1 − 2c| every step while chaos stretches it by e", h("sup", {}, "λ_max"), ". The shrinking wins when |1 − 2c|·e", h("sup", {}, "λ_max"), " < 1, that is above c* = (1 − e", h("sup", {}, "−λ_max"), ")/2. Move c across the mark: the error curve turns from a flat band into a straight line falling at the rate λ⊥ = λ_max + ln|1 − 2c| on the log scale, and the two trajectories merge. (The CGRU form mixes only the candidate state, so the update gate keeps part of each copy's own past: it needs a larger c.)"),
          h("p", {}, h("b", {}, "What the CGRU's learned gate does. "), "A trained CGRU does not use one fixed c: it computes the gate from both states at every step. If it learned what the paper argues, it couples windows of the same activity more, so their runs synchronize (a small distance), and keeps different activities apart. Compare the gate of positive and negative pairs, then the error with the gate on and forced to 0."))),
    );
    this.errChart = new Chart(this.errEl, [
      { label: "‖h − h'‖", color: COLORS.cgru },
      { label: "e^{λ⊥ t} from the start", color: "#64748b", dash: [5, 4], width: 1.5 },
    ], { xLabel: "step t", yLabel: "‖h − h'‖", yRange: () => ERR_RANGE, decades: 4, height: 280 });
    this.sweepChart = new Chart(this.sweepEl, [
      { label: "distance after the run", color: COLORS.cgru, points: true },
      { label: "λ⊥(c), theory", color: "#0f172a", scale: "y2", width: 1.5 },
      { label: "measured decay rate", color: "#16a34a", scale: "y2", points: true, width: 0 },
    ], {
      xLabel: "coupling c", yLabel: "distance", y2Label: "λ⊥ (per step)", xRange: () => [0, C_MAX], yRange: () => ERR_RANGE, decades: 4, height: 260,
      markers: () => [
        { x: this.threshold(), color: "#dc2626", label: "c*" },
        { x: this.s.c, color: "#475569", dash: [4, 4], label: "c" },
      ],
    });
    this.gateChart = new LineChart(this.gateGateEl, [
      { label: "positive pairs", color: COLORS.cgru },
      { label: "negative pairs", color: COLORS.sgru },
    ], { xLabel: "step t", height: 240, integerX: true });
    this.gateErrChart = new LineChart(this.gateErrEl, [
      { label: "positive, gate on", color: COLORS.cgru },
      { label: "negative, gate on", color: COLORS.sgru },
      { label: "positive, gate 0", color: COLORS.cgru, dash: [5, 4], width: 1.5 },
      { label: "negative, gate 0", color: COLORS.sgru, dash: [5, 4], width: 1.5 },
    ], { xLabel: "step t", height: 240, integerX: true });
    this.charts = [this.errChart, this.sweepChart, this.gateChart, this.gateErrChart];
    new ResizeObserver(() => this.drawn.pair && this.drawPlane()).observe(this.planeEl);
  },

  fillControls() {
    const s = this.s;
    const runs = this.app.runs;
    // The options name the run only (a select cannot wrap); the line under
    // the select says which network of the run it is.
    const runText = (k) => `the Train panel's ${NET_NAMES[k]}${runs[k]?.status === "new" ? " (untrained)" : ""}`;

    const fileText = this.model?.loaded ? `model file ${this.model.name} (${this.model.kind.toUpperCase()}, H = ${this.model.hidden})` : null;
    const opts = [["random", "a random GRU"], ["sgru", runText("sgru")], ["cgru", runText("cgru")]];
    if (fileText) opts.push(["file", fileText]);
    if (s.net === "file" && !fileText) s.net = "random";
    clear(this.netSel).append(...opts.map(([v, t]) => h("option", { value: v }, t)));
    this.netSel.value = s.net;
    const gateOpts = [["cgru", runText("cgru")]];
    if (fileText && this.model.kind === "cgru") gateOpts.push(["file", fileText]);
    if (s.gate_net === "file" && !gateOpts.some(([v]) => v === "file")) s.gate_net = "cgru";
    clear(this.gateNetSel).append(...gateOpts.map(([v, t]) => h("option", { value: v }, t)));
    this.gateNetSel.value = s.gate_net;
    this.netDesc.textContent = this.runDesc(s.net);
    this.gateNetDesc.textContent = this.runDesc(s.gate_net);
    this.randomRow.hidden = s.net !== "random";
    this.hiddenIn.value = s.hidden;
    this.seedIn.value = s.seed;
    this.initsSel.value = String(s.inits);
    this.formSel.value = s.form;
    this.stepsSel.value = String(s.steps);
    this.gainIn.value = s.gain;
    this.gainOut.textContent = Number(s.gain).toFixed(2);
    this.setCouplingControls(s.c);
    this.splitSel.value = s.split;
    this.ppcIn.value = s.ppc;
    this.gseedIn.value = s.gate_seed;
    this.modelText.textContent = this.model?.loaded
      ? `Kept here: ${this.model.name}, ${this.model.kind.toUpperCase()} with H = ${this.model.hidden}${this.model.dataset ? ", trained on " + this.model.dataset : ""}. The Train panel's networks stay as they are.`
      : "A model file (cgru train, or Save model) can be studied here without replacing the Train panel's networks: docs/results/cgru.json is the CGRU trained on full UCI HAR with the paper's coupling initialisation, docs/results/cgru-weak.json the one with the weak initialisation.";
  },

  setCouplingControls(c) {
    this.cIn.value = Math.min(C_MAX, c);
    this.cNum.value = c;
  },

  // ------------------------------------------------------------- requests

  network() {
    const s = this.s;
    return s.net === "random" ? { source: "random", hidden: s.hidden, seed: s.seed } : { source: s.net };
  },

  pairArgs() {
    return { network: this.network(), gain: this.s.gain, form: this.s.form, transient: TRANSIENT, start: 1, lyapunov_steps: LYAP_STEPS };
  },

  refresh() {
    this.stale = false;
    this.fillControls();
    this.requestLyapunov();
    this.requestPair();
    this.requestSweep();
    this.requestGate();
  },

  requestLyapunov() {
    const s = this.s;
    this.lanes.lyapunov.request({ network: this.network(), gain: s.gain, steps: LYAP_STEPS, transient: TRANSIENT, inits: s.inits });
  },

  requestPair() {
    this.lanes.pair.request({ ...this.pairArgs(), coupling: this.s.c, steps: this.s.steps });
  },

  // requestSweep asks for the sweep once the gain has rested for a moment
  // (each gain is a new sweep of 51 runs; the worker drops superseded ones).
  requestSweep() {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = setTimeout(() => this.lanes.sweep.request({ ...this.pairArgs(), steps: this.s.steps, from: 0, to: C_MAX, count: 51, runs: 1 }), 150);
  },

  requestGate() {
    if (this.app.state.panel !== "sync") {
      this.stale = true;
      return;
    }
    const s = this.s;
    this.lanes.gate.request({ network: { source: s.gate_net }, split: s.split, pairs_per_class: s.ppc, seed: s.gate_seed });
  },

  // runDesc says which network of a Train panel's run (net "sgru" or
  // "cgru") the panel uses; "" for the others and an untrained run.
  runDesc(net) {
    const r = this.app.runs[net];
    return r && r.status !== "new" ? `The Train panel's ${NET_NAMES[net]}: ${r.model}.` : "";
  },

  onNetwork() {
    const net = this.netSel.value;
    // A trained network is studied as trained (gain 1); random weights
    // need a gain to be chaotic.
    this.set({ net, gain: net === "random" ? DEFAULTS.gain : 1 });
    this.box = null;
    this.fillControls();
    this.requestLyapunov();
    this.requestPair();
    this.requestSweep();
  },

  onRandomChange() {
    const hidden = Number.parseInt(this.hiddenIn.value, 10);
    const seed = Number.parseInt(this.seedIn.value, 10);
    this.set({ hidden: Number.isFinite(hidden) && hidden >= 1 && hidden <= 128 ? hidden : this.s.hidden, seed: Number.isFinite(seed) && seed >= 0 ? seed : this.s.seed });
    this.hiddenIn.value = this.s.hidden;
    this.seedIn.value = this.s.seed;
    this.box = null;
    this.requestLyapunov();
    this.requestPair();
    this.requestSweep();
  },

  onGain() {
    const gain = Number(this.gainIn.value);
    this.gainOut.textContent = gain.toFixed(2);
    this.set({ gain });
    this.box = null;
    this.requestLyapunov();
    this.requestPair();
    this.requestSweep();
  },

  onCoupling(c) {
    if (!Number.isFinite(c) || c < 0 || c > 1) {
      this.setCouplingControls(this.s.c);
      return;
    }
    this.set({ c });
    this.setCouplingControls(c);
    this.sweepChart.redraw();
    this.requestPair();
  },

  onRuns() {
    // Training changes the networks: redraw what uses them when seen.
    const key = Object.values(this.app.runs).map((r) => `${r.kind}:${r.status}:${r.best_epoch}:${r.history.length}:${r.origin}`).join("|");
    if (key === this.runsKey) return;
    this.runsKey = key;
    this.fillControls();
    if (this.app.state.panel !== "sync") {
      this.stale = true;
      return;
    }
    if (this.s.net !== "random") {
      this.requestLyapunov();
      this.requestPair();
      this.requestSweep();
    }
    if (this.s.gate_net === "cgru") this.requestGate();
  },

  onData() {
    if (this.app.state.panel === "sync") this.requestGate();
    else this.stale = true;
  },

  async loadModel(e) {
    const f = e.target.files[0];
    e.target.value = "";
    if (!f) return;
    hideAlert();
    try {
      this.model = await this.app.engine.call("sync.model", {}, await readFiles([f]));
    } catch (err) {
      showAlert(`Could not load the model ${f.name}`, err.message);
      return;
    }
    await this.app.store.put("sync:model", { name: f.name, blob: f });
    toast(`${f.name} is in the Synchronization panel (the Train panel's networks are unchanged)`, "ok");
    this.set({ net: "file", gain: 1, ...(this.model.kind === "cgru" ? { gate_net: "file" } : {}) });
    this.box = null;
    this.refresh();
  },

  fail(what, err, el) {
    if (/superseded|cancelled/.test(err.message)) return;
    el.textContent = `Could not compute ${what}: ${err.message}`;
    console.warn(`cgru: sync: ${what}: ${err.message}`);
  },

  // ------------------------------------------------------------- drawing

  // threshold is the c* marked: the diffusive form's from the λ_max
  // shown, the CGRU form's from the sweep (the root of its λ⊥).
  threshold() {
    if (this.s.form === "diffusive") return this.drawn.lyapunov ? this.drawn.lyapunov.threshold : null;
    const sw = this.drawn.sweep;
    return sw && sw.form === "cgru" && sw.gain === this.s.gain ? sw.threshold : null;
  },

  showThreshold() {
    const c = this.threshold();
    const l = this.drawn.lyapunov;
    if (c == null) {
      this.cMark.hidden = true;
      this.cStarText.textContent = this.s.form === "cgru" ? "c* of the CGRU form: computing (it has no closed form: it is where λ⊥(c), computed along the synchronized orbit, crosses 0)…" : "";
    } else {
      this.cMark.hidden = false;
      // The range's thumb (about 16 px) travels its width less the thumb.
      this.cMark.style.left = `calc(8px + (100% - 16px) * ${Math.min(1, c / C_MAX)})`;
      this.cMark.dataset.c = String(c);
      if (this.s.form === "diffusive") {
        this.cStarText.textContent = l.lambda_max > 0
          ? `Threshold c* = (1 − e^(−λ_max))/2 = ${fixed(c, 4)}: the copies lock for c* < c < 1 − c*.`
          : "λ_max ≤ 0: nearby states already converge, so any coupling (even none) lets the copies meet (c* = 0).";
      } else {
        this.cStarText.textContent = `Threshold of the CGRU form c* = ${fixed(c, 4)}: the root of λ⊥(c), computed along the synchronized orbit (no closed form: the update gate keeps part of each copy's past).`;
      }
    }
    this.sweepChart.redraw();
  },

  onLyapunov(r, a) {
    this.drawn.lyapunov = r;
    const el = this.lambdaEl;
    el.textContent = fixed(r.lambda_max);
    el.dataset.lambda = String(r.lambda_max);
    el.dataset.gain = String(r.gain);
    el.dataset.inits = String(r.inits);
    el.dataset.network = JSON.stringify(a.network);
    el.className = "sync-big sync-" + r.regime;
    // One initial state has no spread to show (and its batch-means
    // standard error rounds to ± 0.0000): say it is one.
    const spread = r.inits > 1 ? ` (spread over ${r.inits} initial states ${fixed(r.sd, 4)}; standard error of one estimate ${fixed(r.stderr, 4)})` : " (one initial state)";
    const l = r.lambda_max;
    this.regimeEl.textContent = {
      chaotic: `Chaotic: nearby states separate like e^(${fixed(l, 3)}·t) — a difference doubles about every ${Math.round(Math.LN2 / l)} steps${spread}.`,
      stable: `Not chaotic: nearby states converge (a stable fixed point or cycle); two copies meet even without coupling${spread}.`,
      marginal: `At the edge of chaos: λ_max ≈ 0, nearby states neither separate nor converge quickly (quasi-periodic motion)${spread}.`,
    }[r.regime];
    this.regimeEl.dataset.regime = r.regime;
    this.commandEl.textContent = r.command;
    this.commandSaveEl.textContent = saveNote(r);
    this.showThreshold();
  },

  onPair(r, a) {
    const network = JSON.stringify(a.network);
    if (!this.box || this.boxKey !== network + a.gain) {
      this.box = { u: [Infinity, -Infinity], v: [Infinity, -Infinity] };
      this.boxKey = network + a.gain;
    }
    for (const [us, vs] of [[r.u1, r.v1], [r.u2, r.v2]]) {
      for (let t = 0; t < us.length; t++) {
        this.box.u[0] = Math.min(this.box.u[0], us[t]);
        this.box.u[1] = Math.max(this.box.u[1], us[t]);
        this.box.v[0] = Math.min(this.box.v[0], vs[t]);
        this.box.v[1] = Math.max(this.box.v[1], vs[t]);
      }
    }
    this.drawn.pair = { ...r, network: a.network };
    this.drawPlane();
    const x = r.error.map((_, t) => t);
    // Exact 0 (copies equal bit for bit) has no place on a log scale: it
    // is drawn on the floor of the chart.
    const e = r.error.map(floor);
    const lt = r.transverse;
    const theory = lt == null ? x.map(() => null) : x.map((t) => {
      const v = r.error[0] * Math.exp(lt * t);
      return v >= ERR_RANGE[0] && v <= ERR_RANGE[1] ? v : null;
    });
    this.errChart.set(x, e, theory);
    this.errEl.dataset.coupling = String(r.coupling);
    this.errEl.dataset.final = String(r.error[r.error.length - 1]);
    this.errEl.dataset.points = String(r.error.length);
    const final = r.error[r.error.length - 1];
    const zero = r.error.findIndex((v) => v === 0);
    let state;
    if (r.synced_at >= 0) {
      state = `Locked: ‖h − h'‖ < 10⁻⁶ from step ${r.synced_at} on` + (zero > 0 ? ` (equal bit for bit from step ${zero})` : "") + ".";
    } else if (lt != null && lt < 0) {
      state = `Closing in: the distance fell from ${fmt(r.error[0], 3)} to ${fmt(final, 3)} but is not below 10⁻⁶ after ${r.steps} steps (λ⊥ is barely below 0: run longer).`;
    } else {
      const late = r.error.slice(Math.floor(r.error.length / 2));
      state = `Apart: over the last ${late.length} steps the distance wanders between ${fmt(Math.min(...late), 2)} and ${fmt(Math.max(...late), 2)} (it started at ${fmt(r.error[0], 3)}).`;
    }
    const ltText = lt == null ? "λ⊥ = −∞ (one step makes them equal)" : `λ⊥ = ${fixed(lt, 4)} per step ${lt < 0 ? "< 0: small differences die out" : "> 0: small differences grow"}`;
    this.pairState.textContent = `c = ${fmt(r.coupling, 4)}, ${r.form === "cgru" ? "CGRU form" : "diffusive"}: ${state} ${ltText}.`;
    this.pairState.dataset.synced = String(r.synced_at >= 0);
    this.planeCap.textContent = `Blue: h, orange: h' (rings: the start, dots: step ${r.steps}; older steps fainter). The axes are the two principal components of one copy's uncoupled orbit (variances ${fmt(r.variance[0], 3)} and ${fmt(r.variance[1], 3)}).`;
  },

  drawPlane() {
    const r = this.drawn.pair;
    if (!r || !this.box || !this.planeEl.clientWidth) return;
    drawPlane(this.planeEl, r, this.box);
  },

  onSweep(r) {
    this.drawn.sweep = r;
    const worst = r.final.map((f) => Math.max(...f));
    const y = worst.map(floor);
    // λ⊥ at the sweep's c (the CGRU form's is on a coarser grid: placed at
    // the nearest sweep point).
    const tr = r.couplings.map(() => null);
    r.theory_c.forEach((c, i) => {
      const k = r.couplings.reduce((best, x, j) => (Math.abs(x - c) < Math.abs(r.couplings[best] - c) ? j : best), 0);
      tr[k] = r.transverse[i];
    });
    this.sweepChart.set(r.couplings, y, tr, r.rate);
    this.sweepEl.dataset.threshold = String(r.threshold);
    this.sweepEl.dataset.measured = String(r.measured);
    const th = r.threshold == null ? "none up to 1/2" : fixed(r.threshold, 4);
    const meas = r.measured == null ? "no c of the grid up to 1/2 locks them all" : `the copies lock from c = ${fmt(r.measured, 3)} on (grid step 0.01)`;
    this.sweepText.textContent = `Theory (λ_max = ${fixed(r.lambda_max, 4)}, ${r.form === "cgru" ? "CGRU form" : "diffusive"}): c* = ${th}. Measured over ${r.steps} steps: ${meas}, locked meaning ‖h − h'‖ < 10⁻⁶ at the end. A finite run needs λ⊥ a little below 0 to get there, so the measured threshold sits just above c* (cgru sync threshold states the tolerance). Computed in ${Math.round(r.ms)} ms.`;
    this.showThreshold();
  },

  onGate(r) {
    this.drawn.gate = r;
    const x = r.positive.gate.map((_, t) => t + 1);
    this.gateChart.set(x, r.positive.gate, r.negative.gate);
    this.gateErrChart.set(x, r.positive.error, r.negative.error, r.positive.error_gate_off, r.negative.error_gate_off);
    const z = (r.gate_auc - 0.5) / r.gate_auc_null_se;
    const verdict = z > 3
      ? `couples pairs of the same activity more: a positive pair's gate exceeds a negative pair's ${Math.round(100 * r.gate_auc)}% of the time, ${z.toFixed(1)} standard errors above chance`
      : z < -3
        ? `couples pairs of different activities more (AUC ${fixed(r.gate_auc, 3)}, ${(-z).toFixed(1)} standard errors below chance)`
        : `does not tell positive from negative pairs (AUC ${fixed(r.gate_auc, 3)}, chance 0.5 ± ${fixed(r.gate_auc_null_se, 3)})`;
    const row = (name, s, id) => h("tr", { id },
      h("th", {}, name), h("td", { class: "num" }, s.pairs), h("td", { class: "num" }, fixed(s.mean_gate, 4)),
      h("td", { class: "num" }, fixed(s.distance, 4)), h("td", { class: "num" }, fixed(s.distance_gate_off, 4)));
    clear(this.gateSummary).append(
      // Five columns: on a phone the table scrolls sideways, not cut.
      h("div", { class: "scroll-x" }, h("table", { class: "metrics sync-gate-table", id: "sync-gate-table" },
        h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { class: "num" }, "pairs"), h("th", { class: "num" }, "mean gate"), h("th", { class: "num" }, "distance, gate on"), h("th", { class: "num" }, "distance, gate 0"))),
        h("tbody", {}, row("positive", r.positive, "sync-gate-pos"), row("negative", r.negative, "sync-gate-neg")))),
      h("p", { id: "sync-gate-verdict", dataset: { auc: String(r.gate_auc), pos: String(r.positive.mean_gate), neg: String(r.negative.mean_gate) } },
        `The gate of ${r.model} ${verdict}. Negative pairs end further apart than positive ones ${Math.round(100 * r.distance_auc)}% of the time with the gate, ${Math.round(100 * r.distance_auc_gate_off)}% with it forced to 0.`),
      h("p", { class: "help" }, `${r.positive.pairs} positive and ${r.negative.pairs} negative pairs of the ${r.split} split of ${r.data}${r.normalized ? " (standardised as the network was trained)" : ""}, float64, ${Math.round(r.ms)} ms. The same figures: `, h("code", {}, r.command), saveNote(r) + "."),
    );
  },

  gateFail(err) {
    if (/superseded|cancelled/.test(err.message)) return;
    this.drawn.gate = null;
    this.gateChart.set([], [], []);
    this.gateErrChart.set([], [], [], [], []);
    clear(this.gateSummary).append(h("p", { class: "muted", id: "sync-gate-error" }, "No gate view: " + err.message));
  },
};
