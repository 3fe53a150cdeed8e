// The Train panel: the settings (the paper's defaults, editable, kept in
// the URL hash), the SGRU and the CGRU training side by side with live
// charts, progress, pause/resume/stop, and saving or loading model files.

import { h, clear, card, field, fmt, pct, plural, duration, download, showAlert, hideAlert, toast, progressBar } from "../ui.js";
import { LineChart, COLORS, percentFormat } from "../charts.js";

const KINDS = ["sgru", "cgru"];
const NAMES = { sgru: "SGRU", cgru: "CGRU" };
const LONG = { sgru: "Siamese GRU", cgru: "Coupled GRU" };

// FOLD_HELP is the Validation fold's help when folds can run.
const FOLD_HELP = "people held out to measure progress (0: none)";

// The settings form: [key, label, type, help, options].
const MAIN = [
  ["hidden", "Hidden size H", "int", "units of each GRU (the paper: 20)"],
  ["lr", "Learning rate", "number", "Adam's step size, halved when the loss stalls for 10 epochs"],
  ["loss", "Loss", "select", "how distances are pushed apart", [["structural", "structural (paper)"], ["contrastive", "contrastive"]]],
  ["margin", "Margin m", "number", "negative pairs closer than m are pushed apart", null, (c) => c.loss === "contrastive"],
  ["alpha", "α", "number", "structural: offset of the negatives' term", null, (c) => c.loss === "structural"],
  ["tau", "τ", "number", "structural: temperature of the hard-positive weights", null, (c) => c.loss === "structural"],
  ["beta", "β", "number", "structural: weight of the global term", null, (c) => c.loss === "structural"],
  ["t", "t", "number", "structural: gap wanted between mean negative and positive distance", null, (c) => c.loss === "structural"],
  ["per_class", "Batch: windows per activity", "int", "the paper: 6 × 6 activities = 36 windows, 630 pairs"],
  ["epochs", "Epochs (at most)", "int", "training stops early when validation stops improving"],
  ["seed", "Seed", "int", "same seed, same start and same batches"],
  ["coupling_init", "Coupling at the start", "select", "CGRU only. On the full UCI HAR (docs/results, one run each) weak did better: 89.6% test accuracy against the paper's 87.6% (SGRU 88.3%)", [["paper", "paper: c ≈ 0.5 (strong)"], ["weak", "weak: c ≈ 0.02 (close to an SGRU)"]]],
  ["fold", "Validation fold", "fold", FOLD_HELP],
];
const MORE = [
  ["train_per_class", "Training windows per activity", "int", "0: all; a few make a quick demonstration"],
  ["val_refs_per_class", "Validation references per activity", "int", "windows the validation queries are compared with (0: all)"],
  ["val_queries_per_class", "Validation queries per activity", "int", "0: every window of the held-out people"],
  ["folds", "Folds", "int", "groups of people for leave-subjects-out validation"],
  ["weight_decay", "Weight decay", "number", "L2 decay inside Adam"],
  ["coupling_penalty", "Coupling penalty", "number", "weight of ‖W_hc‖ in the loss (CGRU)"],
  ["clip", "Gradient clipping", "number", "global norm (0: none)"],
  ["plateau_patience", "Plateau patience", "int", "epochs without a lower loss before halving the rate"],
  ["early_stop", "Early stopping", "int", "epochs without better validation before stopping (0: never)"],
  ["normalize", "Standardise channels", "bool", "off in the paper (raw signals)"],
];

// ENGINE_HELP explains the engine setting (the select's tooltip).
const ENGINE_HELP = "automatic: WebGPU on a hardware GPU, else the pure-Go engine — also when the browser's WebGPU is only emulated in software (SwiftShader, lavapipe), which is slower than pure Go. WebGPU: WebGPU on any adapter, software ones too. CPU: always the pure-Go engine.";

export default {
  id: "train",
  title: "Train",

  async init(app) {
    this.app = app;
    this.live = {};
    this.epochTimes = { sgru: [], cgru: [] };
    const sec = app.section("train");
    this.form = h("form", { class: "settings", id: "settings", onsubmit: (e) => e.preventDefault() });
    this.more = h("details", { class: "more" }, h("summary", {}, "More settings"));
    this.form.append(this.more);
    this.buildForm();

    this.check = {};
    const kindBoxes = KINDS.map((k) => {
      this.check[k] = h("input", { type: "checkbox", id: "train-" + k, checked: true, onchange: () => this.renderCards() });
      return h("label", { class: "check" }, this.check[k], " ", NAMES[k]);
    });
    this.btn = {
      start: h("button", { type: "button", class: "primary", id: "train-start", onclick: () => this.start("new") }, "Train from scratch"),
      cont: h("button", { type: "button", id: "train-continue", onclick: () => this.start("continue") }, "Continue"),
      pause: h("button", { type: "button", id: "train-pause", onclick: () => this.control("train.pause") }, "Pause"),
      resume: h("button", { type: "button", id: "train-resume", onclick: () => this.control("train.resume") }, "Resume"),
      stop: h("button", { type: "button", id: "train-stop", onclick: () => this.control("train.stop") }, "Stop"),
    };
    this.cards = {};
    const cardsEl = h("div", { class: "grid-2 runs" });
    for (const k of KINDS) {
      this.cards[k] = this.runCard(k);
      cardsEl.append(this.cards[k].el);
    }
    const chartBox = (id) => h("div", { class: "chart", id });
    this.chartEls = { loss: chartBox("chart-loss"), norm: chartBox("chart-norm"), acc: chartBox("chart-acc") };
    sec.append(
      h("div", { class: "panel-head" },
        h("h2", {}, "Train both networks side by side"),
        h("p", { class: "lead" }, "Both networks start from the same GRU weights and see the same batches. The siamese GRU runs each window alone; the coupled GRU runs every pair as one system whose two halves exchange information through a learned gate.")),
      h("div", { class: "train-top" },
        card("Settings", "The paper's protocol; change anything. The link keeps these settings.", this.form,
          h("div", { class: "button-row" },
            h("button", { type: "button", class: "link", id: "paper-defaults", onclick: () => { this.app.state.resetConfig(); this.fillForm(); } }, "Paper defaults"),
            h("button", { type: "button", class: "link", id: "quick-demo", title: "The paper's settings for 10 epochs: about a minute on the pure-Go engine (57 s measured on a 2-core machine: a CGRU epoch on the embedded data is 11 batches of about 0.3 s each, then the validation, 5 to 6 s in all)",
              onclick: () => { this.app.state.resetConfig(); this.app.state.set({ epochs: 10 }); this.fillForm(); } }, "Quick demo"),
            h("button", { type: "button", class: "link", id: "copy-link", onclick: () => this.copyLink() }, "Copy link"))),
        h("div", { class: "train-side" },
          card("Run", null,
            h("div", { class: "button-row" }, kindBoxes,
              h("label", { class: "engine-choice", for: "engine-pref", title: ENGINE_HELP }, "Engine",
                this.enginePref = h("select", { id: "engine-pref", onchange: () => this.setEngine(this.enginePref.value) },
                  h("option", { value: "auto" }, "automatic"),
                  h("option", { value: "webgpu" }, "WebGPU"),
                  h("option", { value: "cpu" }, "CPU (pure Go)")))),
            h("div", { class: "button-row" }, this.btn.start, this.btn.cont, this.btn.pause, this.btn.resume, this.btn.stop),
            h("p", { class: "help", id: "train-hint" })),
          cardsEl)),
      card("Training curves", "Per epoch. Dots on the accuracy curves mark the epochs where validation improved: the network kept.",
        h("div", { class: "grid-3" },
          h("figure", {}, h("figcaption", {}, "Loss (training batches)"), this.chartEls.loss),
          h("figure", {}, h("figcaption", {}, "Coupling weight norm ‖W", h("sub", {}, "hc"), "‖ (CGRU)"), this.chartEls.norm),
          h("figure", {}, h("figcaption", {}, "Validation 1-NN accuracy"), this.chartEls.acc))),
    );
    const seriesBoth = (extra = {}) => KINDS.map((k) => ({ label: NAMES[k], color: COLORS[k], points: true, ...extra }));
    this.charts = {
      loss: new LineChart(this.chartEls.loss, seriesBoth(), { xLabel: "epoch", height: 220, integerX: true }),
      norm: new LineChart(this.chartEls.norm, [{ label: "CGRU", color: COLORS.cgru, points: true }], { xLabel: "epoch", height: 220, integerX: true }),
      acc: new LineChart(this.chartEls.acc, [
        ...seriesBoth({ points: false }),
        { label: "SGRU best", color: COLORS.sgru, points: true, width: 0 },
        { label: "CGRU best", color: COLORS.cgru, points: true, width: 0 },
      ], { xLabel: "epoch", height: 220, integerX: true, yFormat: percentFormat }),
    };
    const e = app.engine;
    e.on("train.batch", (b) => this.onBatch(b));
    e.on("train.epoch", (ev) => this.onEpoch(ev));
    e.on("train.status", (info) => this.onStatus(info));
    e.on("train.checkpoint", (c) => app.store.put("run:" + c.kind, { text: c.text, data_id: app.data.id, saved: Date.now() }));
    e.on("log", (m) => toast(`${m.kind ? NAMES[m.kind] + ": " : ""}${m.message}`, m.level === "warning" ? "warn" : "info"));
    app.on("runs", () => this.render());
    this.enginePref.value = (await app.store.get("engine")) || "auto";
    app.on("data", () => this.fillForm());
    app.on("config", () => this.fillForm());
    this.render();
  },

  show() {
    for (const c of Object.values(this.charts)) c.resize();
  },

  // setEngine chooses the engine of what starts from now on: automatic
  // (WebGPU on a hardware GPU that passes the self-test; the pure-Go engine
  // when the browser's WebGPU is only software, such as SwiftShader, which
  // is slower than it), WebGPU (any adapter, software ones too), or the
  // pure-Go engine. Kept across reloads.
  async setEngine(backend) {
    try {
      const info = await this.app.engine.call("engine.set", { backend });
      await this.app.store.put("engine", backend);
      toast(`Runs started from now on use ${engineText(info)}`, info.backend === "webgpu" || backend === "cpu" ? "ok" : "warn");
    } catch (err) {
      showAlert("Could not change the engine", err.message);
    }
  },

  buildForm() {
    this.inputs = {};
    const make = ([key, label, type, help, options, visible]) => {
      let input;
      if (type === "select") {
        input = h("select", { name: key }, options.map(([v, t]) => h("option", { value: v }, t)));
      } else if (type === "fold") {
        input = h("select", { name: key });
      } else if (type === "bool") {
        input = h("input", { type: "checkbox", name: key });
      } else {
        input = h("input", { type: "number", name: key, step: type === "int" ? "1" : "any", min: "0", inputmode: type === "int" ? "numeric" : "decimal" });
      }
      input.id = "cfg-" + key;
      input.addEventListener("change", () => this.readForm(key));
      const row = field(label, input, help);
      this.inputs[key] = { input, type, row, visible };
      return row;
    };
    const grid = h("div", { class: "form-grid" }, MAIN.map(make));
    const moreGrid = h("div", { class: "form-grid" }, MORE.map(make));
    this.form.insertBefore(grid, this.more);
    this.more.append(moreGrid);
    this.fillForm();
  },

  fillForm() {
    const foldSel = this.inputs.fold.input;
    clear(foldSel).append(h("option", { value: 0 }, "none: train on everyone"));
    const subj = this.app.data ? this.app.data.train.subjects.length : 21;
    const folds = Math.min(this.app.state.config.folds, subj);
    // A fold holds people out: with one fold (one person, or Folds 1) it
    // would hold out everyone, which training refuses, so only "none" is
    // offered, and the help says why.
    if (folds >= 2) {
      for (let f = 1; f <= folds; f++) foldSel.append(h("option", { value: f }, `fold ${f} of ${folds}`));
    }
    const help = this.inputs.fold.row.querySelector(".help");
    if (help) {
      help.textContent = subj < 2
        ? `the training data has ${subj === 1 ? "one person" : "no people"}: validation needs people held out, so training uses everyone`
        : folds < 2
          ? "Folds is 1 (More settings): one fold would hold out everyone, so training uses everyone"
          : FOLD_HELP;
    }
    // Never keep a fold that cannot run (from a link, or other data).
    const fold = this.app.state.config.fold;
    if (fold > folds || (fold > 0 && folds < 2)) this.app.state.set({ fold: folds >= 2 ? 1 : 0 });
    const c = this.app.state.config;
    for (const [key, { input, type, row, visible }] of Object.entries(this.inputs)) {
      if (type === "bool") input.checked = !!c[key];
      else input.value = c[key];
      if (visible) row.hidden = !visible(c);
    }
    // Epochs may have changed (Paper defaults, Quick demo, a link): the
    // hint names them.
    if (this.cards) this.renderCards();
  },

  readForm(changed) {
    const c = {};
    for (const [key, { input, type }] of Object.entries(this.inputs)) {
      if (type === "bool") c[key] = input.checked;
      else if (type === "int" || type === "fold") c[key] = Number.parseInt(input.value, 10);
      else if (type === "number") c[key] = Number(input.value);
      else c[key] = input.value;
      if ((type === "int" || type === "number" || type === "fold") && !Number.isFinite(c[key])) c[key] = this.app.state.config[key];
    }
    this.app.state.set(c);
    if (changed === "loss" || changed === "folds") this.fillForm();
    this.render();
  },

  copyLink() {
    const url = this.app.state.link();
    navigator.clipboard?.writeText(url).then(
      () => toast("Link copied: it opens this page with these settings", "ok"),
      () => toast(url),
    );
  },

  runCard(kind) {
    const bar = progressBar("");
    bar.el.id = "progress-" + kind;
    const chip = h("span", { class: "chip", id: "status-" + kind });
    const facts = h("dl", { class: "facts", id: "facts-" + kind });
    const msg = h("p", { class: "run-msg", id: "msg-" + kind });
    const fileIn = h("input", {
      type: "file",
      accept: ".json,application/json",
      hidden: true,
      id: "load-" + kind,
      onchange: async (e) => {
        const f = e.target.files[0];
        e.target.value = "";
        if (f) await this.app.loadModel(f, kind).catch(() => {});
      },
    });
    const el = h("section", { class: `card run run-${kind}`, id: "run-" + kind },
      h("div", { class: "run-head" }, h("h3", {}, h("i", { class: "swatch", style: { background: COLORS[kind] } }), `${NAMES[kind]} `, h("span", { class: "muted" }, LONG[kind])), chip),
      bar.el, facts, msg,
      h("div", { class: "button-row" },
        h("button", { type: "button", id: "save-" + kind, onclick: () => this.save(kind) }, "Save model"),
        h("button", { type: "button", onclick: () => fileIn.click() }, "Load model…"), fileIn));
    return { el, bar, chip, facts, msg };
  },

  async start(mode) {
    hideAlert();
    const kinds = KINDS.filter((k) => this.check[k].checked);
    if (kinds.length === 0) {
      toast("Tick the SGRU, the CGRU or both", "warn");
      return;
    }
    try {
      const res = await this.app.engine.call("train.start", { kinds, mode, config: this.app.state.config });
      if (mode === "new") {
        for (const k of kinds) {
          this.epochTimes[k] = [];
          delete this.live[k];
        }
      }
      this.app.setRuns(res.runs);
    } catch (err) {
      showAlert("Training could not start", err.message);
    }
  },

  async control(op) {
    try {
      const res = await this.app.engine.call(op, {});
      this.app.setRuns(res.runs);
    } catch (err) {
      showAlert("The engine refused", err.message);
    }
  },

  async save(kind) {
    try {
      const res = await this.app.engine.call("model.save", { kind });
      download(res.name, res.text);
      toast(`Saved ${res.name}: the ${NAMES[kind]}, ${res.model}`, "ok");
    } catch (err) {
      showAlert("Could not save the model", err.message);
    }
  },

  onBatch(b) {
    this.live[b.kind] = b;
    this.schedule();
  },

  onEpoch(ev) {
    const r = this.app.runs[ev.kind];
    if (!r) return;
    r.history = [...(r.history || []).filter((x) => x.epoch < ev.record.epoch), ev.record];
    r.epoch = ev.record.epoch;
    r.best_epoch = ev.best_epoch;
    r.best_val_acc = ev.best_val_acc;
    this.epochTimes[ev.kind].push(ev.record.seconds);
    this.schedule(true);
  },

  onStatus(info) {
    this.app.setRuns([info]);
  },

  // schedule redraws on the next animation frame (events come faster than
  // the screen needs them).
  schedule(charts = false) {
    this.chartsDirty = this.chartsDirty || charts;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.renderCards();
      if (this.chartsDirty) this.renderCharts();
      this.chartsDirty = false;
    });
  },

  render() {
    this.renderCards();
    this.renderCharts();
  },

  renderCards() {
    const runs = this.app.runs;
    let active = false;
    let paused = false;
    let resumable = false;
    for (const k of KINDS) {
      const r = runs[k];
      if (!r) continue;
      const c = this.cards[k];
      const live = this.live[k];
      const running = r.status === "running" || r.status === "paused";
      active = active || running;
      paused = paused || r.status === "paused";
      resumable = resumable || (!running && r.status !== "new" && r.status !== "failed" && this.check[k].checked);
      c.chip.textContent = statusText(r.status);
      c.chip.className = "chip chip-" + r.status;
      const epochs = r.config.epochs;
      const done = r.history.length;
      let frac = done / epochs;
      let text = done ? `epoch ${done} of ${epochs} done` : "not trained yet";
      if (running && live && live.epoch > done) {
        frac = (live.epoch - 1 + live.batch / live.batches) / epochs;
        const eta = this.eta(k, live, epochs);
        text = `epoch ${live.epoch} of ${epochs} · batch ${live.batch}/${live.batches}` + (eta ? ` · ${eta} left at most` : "");
      } else if (r.status === "done") {
        frac = 1;
        text = `finished after ${plural(done, "epoch")}`;
      }
      c.bar.set(frac, text);
      const last = r.history[done - 1];
      const rows = [
        ["loss", live && running ? fmt(live.loss) : last ? fmt(last.loss) : "–"],
        k === "cgru" ? ["‖W_hc‖", last ? fmt(last.coupling_norm, 3) : "–"] : null,
        ["best validation", r.best_val_acc >= 0 ? `${pct(r.best_val_acc)} (epoch ${r.best_epoch})` : "–"],
        ["learning rate", last ? fmt(last.lr, 2) : fmt(r.config.lr, 2)],
        ["windows", windowsText(r)],
        r.trained_by ? ["trained by", r.trained_by] : null,
        r.engine || !r.trained_by ? ["engine", r.engine ? engineText(r.engine) : "–"] : null,
      ].filter(Boolean);
      clear(c.facts).append(...rows.flatMap(([a, b]) => [h("dt", {}, a), h("dd", {}, b)]));
      c.msg.textContent = r.message || (r.status === "loaded" || r.status === "new" ? r.origin : "");
      c.el.dataset.status = r.status;
      c.el.dataset.epochs = String(done);
    }
    this.btn.start.disabled = active;
    this.btn.cont.disabled = active || !resumable;
    this.btn.pause.disabled = !active || paused;
    this.btn.resume.disabled = !paused;
    this.btn.stop.disabled = !active;
    for (const { input } of Object.values(this.inputs)) input.disabled = active;
    this.enginePref.disabled = active;
    this.renderHint(active, resumable);
  },

  // renderHint says what the buttons do with the form as it is; fillForm
  // calls it too, as Paper defaults and Quick demo change Epochs.
  renderHint(active, resumable) {
    const hint = document.getElementById("train-hint");
    if (!hint) return;
    const runs = this.app.runs;
    const target = this.app.state.config.epochs;
    // Continue refuses a run that already did the epochs asked: name the
    // one that did the most.
    let past = null;
    for (const k of KINDS) {
      const r = runs[k];
      if (!r || !this.check[k].checked || r.status === "new" || r.status === "failed") continue;
      if (r.history.length >= target && (!past || r.history.length > runs[past].history.length)) past = k;
    }
    const cont = past
      ? `“Continue” needs Epochs above ${runs[past].history.length}, the epochs the ${NAMES[past]} has done.`
      : `“Continue” carries on the runs below with their own settings, taking only Epochs from here (on to epoch ${target}).`;
    hint.textContent = active
      ? "Training runs in a worker: the page stays usable. Compare and Evaluate use the best networks so far."
      : resumable
        // A loaded or finished run keeps its own settings, which the form
        // does not show: say which button uses which.
        ? `“Train from scratch” starts new networks with these settings. ${cont}`
        : "“Train from scratch” starts new networks with these settings.";
  },

  eta(kind, live, epochs) {
    const perBatch = live.seconds / Math.max(1, live.batch);
    const times = this.epochTimes[kind];
    const perEpoch = times.length ? times.reduce((a, b) => a + b, 0) / times.length : perBatch * live.batches;
    const left = perBatch * (live.batches - live.batch) + perEpoch * (epochs - live.epoch);
    return live.batch >= 1 ? duration(left) : "";
  },

  renderCharts() {
    const runs = this.app.runs;
    const n = Math.max(0, ...KINDS.map((k) => (runs[k] ? runs[k].history.length : 0)));
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const col = (k, f) => x.map((e) => {
      const rec = runs[k] && runs[k].history[e - 1];
      return rec ? f(rec) : null;
    });
    this.charts.loss.set(x, col("sgru", (r) => r.loss), col("cgru", (r) => r.loss));
    this.charts.norm.set(x, col("cgru", (r) => r.coupling_norm));
    const acc = (r) => (r.val_acc >= 0 ? r.val_acc : null);
    const best = (r) => (r.improved && r.val_acc >= 0 ? r.val_acc : null);
    this.charts.acc.set(x, col("sgru", acc), col("cgru", acc), col("sgru", best), col("cgru", best));
  },
};

// windowsText says what a run trained and validated on, from what its
// description has: a model file from cgru train records the training
// windows and the validation people, not the page's validation counts.
function windowsText(r) {
  const parts = [];
  if (r.train_windows) parts.push(`${r.train_windows} train`);
  if (r.val_queries) parts.push(`${r.val_queries} val vs ${r.val_refs || "all"} refs`);
  else if (r.val_subjects?.length) parts.push(`validated on people ${r.val_subjects.join(", ")}`);
  return parts.join(" · ") || "–";
}

function statusText(s) {
  return { new: "untrained", running: "training", paused: "paused", stopped: "stopped", done: "done", failed: "failed", loaded: "loaded" }[s] || s;
}

export function engineText(e) {
  if (e.backend === "webgpu") return "WebGPU" + (e.adapter ? ` (${e.adapter})` : "");
  return "CPU, pure Go" + (e.reason ? `: ${shortReason(e.reason)}` : "");
}

// shortReason says in a few words why the CPU engine runs (the full
// reason is in the badge's tooltip and the About panel).
export function shortReason(r = "") {
  if (/software/i.test(r)) return "WebGPU only in software";
  if (/no webgpu|navigator\.gpu|adapter/i.test(r)) return "no WebGPU here";
  if (/self-test/i.test(r)) return "WebGPU self-test failed";
  if (/failed|lost/i.test(r)) return "the GPU failed";
  if (/without cgo|this build/i.test(r)) return "no WebGPU in this build";
  return r.length > 40 ? r.slice(0, 38) + "…" : r || "pure Go";
}
