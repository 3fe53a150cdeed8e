// The baselines, drawn inside the Evaluate panel: 1-NN retrieval under DTW,
// RVSML-DTW and RVSML-OPW (model/baseline, run in the worker by the
// "baseline" op) on the current data with the Evaluate panel's references,
// test windows and seed, their figures beside the SGRU's and the CGRU's,
// what each would cost on this data (measured in the worker by
// "baseline.cost"), and what they are. The last result of each method is
// kept in IndexedDB ("baselines") for the data it was computed on.

import { h, clear, card, field, fmt, pct, duration, showAlert, hideAlert, progressBar, toast } from "../ui.js";
import { COLORS } from "../charts.js";
import { confusionFigure } from "./evaluate.js";

const METHODS = ["dtw", "rvsml-dtw", "rvsml-opw"];
const NAMES = { sgru: "SGRU", cgru: "CGRU", dtw: "DTW", "rvsml-dtw": "RVSML-DTW", "rvsml-opw": "RVSML-OPW" };
const SWATCH = { ...COLORS, dtw: "#64748b", "rvsml-dtw": "#0d9488", "rvsml-opw": "#a855f7" };

// The default of "RVSML training windows per activity": the embedded
// subset's 72 (all of it there); on full UCI HAR (1,226 per activity at
// most) it keeps an alternation, during which the worker does not answer,
// under a quarter of a second.
const TRAIN_PER_CLASS = 72;

export default {
  id: "baselines",
  title: "Baselines",
  parent: "evaluate",

  async init(app) {
    this.app = app;
    this.ev = app.panels.get("evaluate");
    this.kept = {}; // method → the reply's result
    this.costKey = "";
    const sec = app.section("baselines");
    this.check = {};
    this.costEl = {};
    const methods = METHODS.map((m) => {
      this.check[m] = h("input", { type: "checkbox", id: "bl-" + m, checked: m === "dtw" });
      this.costEl[m] = h("small", { class: "help", id: "bl-cost-" + m }, "cost: not measured yet");
      return h("div", { class: "field" }, h("label", { class: "check" }, this.check[m], " ", NAMES[m]), this.costEl[m]);
    });
    this.trainPer = h("input", { type: "number", id: "bl-train", value: TRAIN_PER_CLASS, min: 0 });
    this.band = h("input", { type: "number", id: "bl-band", value: -1, min: -1 });
    this.btnRun = h("button", { type: "button", class: "primary", id: "bl-run", onclick: () => this.run() }, "Run the baselines");
    this.btnCancel = h("button", { type: "button", id: "bl-cancel", disabled: true, onclick: () => app.engine.call("task.cancel") }, "Cancel");
    this.progress = progressBar("");
    this.progress.el.hidden = true;
    this.costText = h("p", { class: "help", id: "bl-cost-text" });
    this.results = h("div", { id: "bl-results" }, h("p", { class: "muted" }, "No baseline run yet."));
    const term = (name, ...text) => h("p", {}, h("b", {}, name + ". "), ...text);
    sec.append(
      card("Baselines without a neural network", "The paper's yardsticks, on the same test windows and references as above (the settings of “Retrieval on the test split”): each test window takes the activity of its nearest reference, with a distance that is computed (DTW) or learnt by a linear method (RVSML) on the raw signals.",
        h("div", { class: "form-grid" }, methods),
        this.costText,
        h("div", { class: "form-grid" },
          field("RVSML training windows per activity", this.trainPer, "at most, from the training split; 0: all of it"),
          field("DTW band (steps)", this.band, "Sakoe–Chiba half-width; −1: no band")),
        h("div", { class: "button-row" }, this.btnRun, this.btnCancel),
        this.progress.el,
        this.results,
        h("details", { class: "more", id: "bl-explain" }, h("summary", {}, "How do these baselines work?"),
          term("DTW (dynamic time warping)", "Lines two recordings up by stretching and squeezing time, so that the heel strike of one step meets the heel strike of the other even when one person walks faster; the distance is the sum of squared differences along the best such matching (computed by dynamic programming, 128 × 128 cells per pair). No training at all. The Sakoe–Chiba band forbids matching moments more than a few steps apart: faster, and no absurd stretching."),
          term("RVSML (learning a ground metric)", "Learns which mixtures of the 9 sensor channels matter. Each activity gets a short made-up “virtual sequence” of 4 steps; RVSML finds a linear projection of the channels under which every training recording, aligned in time, lands close to its activity's virtual sequence. Training alternates two easy steps: align every recording to its virtual sequence, then solve a least-squares problem for the projection. Retrieval then compares projected recordings with the same alignment."),
          term("RVSML-DTW and RVSML-OPW", "use DTW or the order-preserving Wasserstein distance (OPW) as that alignment. OPW treats each recording as a pile of moments and moves one pile onto the other at the least cost (optimal transport), with a penalty that keeps moments near the same relative time: the order mostly survives, small shifts cost little. It is computed with Sinkhorn's iterations, about ten times slower than DTW. On these raw signals, with the paper's settings, the time penalty outweighs the learned costs: RVSML-OPW's alignments never move from the evenly spread one it starts from, which is why it scores below plain DTW (docs/results/README.md)."),
          term("And the networks?", "The SGRU and CGRU learn a nonlinear summary or a synchronization from the normalised signals; these baselines only stretch time and mix channels linearly. If a network does not beat DTW, it has not learnt much.")),
        h("p", { class: "help", id: "bl-credit" },
          "DTW: H. Sakoe and S. Chiba, “Dynamic programming algorithm optimization for spoken word recognition”, IEEE TASSP 1978 (also the band). ",
          "OPW: B. Su and G. Hua, “Order-preserving Wasserstein distance for sequence matching”, CVPR 2017. ",
          "RVSML: B. Su and Y. Wu, “Learning distance for sequences by learning a ground metric”, ICML 2019. ",
          "Reimplemented from the papers (cgru's model/baseline); the same code is ", h("code", {}, "cgru baseline"), ".")),
    );

    app.engine.on("task.progress", (p) => this.onProgress(p));
    app.on("eval", () => this.draw());
    app.on("data", () => {
      this.kept = {};
      this.costKey = "";
      app.store.delete("baselines");
      this.draw();
      if (app.state.panel === "evaluate") this.measureCost();
    });
    app.on("panel", (id) => {
      if (id === "evaluate") this.measureCost();
    });
    for (const el of [this.ev.refs, this.ev.queries, this.ev.seed, this.trainPer, this.band]) {
      el.addEventListener("change", () => this.measureCost());
    }
    const kept = await app.store.get("baselines");
    if (kept && kept.data_id === app.data.id) this.kept = kept.results || {};
    this.draw();
  },

  // args are the settings of a run or a cost measurement.
  args() {
    const n = (el, d) => {
      const v = Number.parseInt(el.value, 10);
      return Number.isFinite(v) ? v : d;
    };
    return {
      refs_per_class: n(this.ev.refs, 0),
      queries_per_class: n(this.ev.queries, 0),
      seed: n(this.ev.seed, 0),
      train_per_class: n(this.trainPer, 0),
      band: n(this.band, -1),
    };
  },

  // measureCost times the three methods on this data in the worker (a
  // fraction of a second) and writes what a run would take beside each.
  async measureCost() {
    const args = this.args();
    const key = JSON.stringify([this.app.data.id, args]);
    if (key === this.costKey) return;
    if (this.measuring) {
      this.again = true;
      return;
    }
    this.measuring = true;
    this.costKey = key;
    try {
      const res = await this.app.engine.call("baseline.cost", args);
      for (const c of res.costs) this.costEl[c.method].textContent = costText(c);
      this.costText.textContent = `Measured just now in this page, for ${res.queries.toLocaleString()} test windows against ${res.refs_text.replace(/^refs: /, "")}; the times are those of the worker alone (training or evaluating at the same time slows both).`;
    } catch (err) {
      this.costKey = "";
      this.costText.textContent = "The cost could not be measured: " + err.message;
    } finally {
      this.measuring = false;
      if (this.again) {
        this.again = false;
        this.measureCost();
      }
    }
  },

  onProgress(p) {
    if (p.task !== "baseline") return;
    const name = `${NAMES[p.method]} (${p.index + 1} of ${p.methods})`;
    if (p.stage === "train") {
      this.stage = null;
      this.progress.set(p.index / p.methods, `${name}: training, alternation ${p.iter} of at most ${p.max_iter}, loss ${fmt(p.loss)}`);
      return;
    }
    if (this.stage !== p.method) {
      this.stage = p.method;
      this.stageStart = performance.now();
    }
    const f = p.done / Math.max(1, p.total);
    const elapsed = (performance.now() - this.stageStart) / 1000;
    const eta = f > 0.02 ? duration((elapsed * (1 - f)) / f) : "…";
    this.progress.set((p.index + f) / p.methods, `${name}: ${p.done.toLocaleString()} of ${p.total.toLocaleString()} distances · ${eta} left`);
  },

  async run() {
    hideAlert();
    const methods = METHODS.filter((m) => this.check[m].checked);
    if (methods.length === 0) {
      showAlert("Choose a baseline", "Tick DTW, RVSML-DTW or RVSML-OPW.");
      return;
    }
    const args = { ...this.args(), methods };
    this.btnRun.disabled = true;
    this.btnCancel.disabled = false;
    this.progress.el.hidden = false;
    this.progress.set(0, "starting…");
    this.stage = null;
    try {
      const res = await this.app.engine.call("baseline", args);
      const when = Date.now();
      for (const r of res.results) this.kept[r.method] = { ...r, queries_per_class: args.queries_per_class, train_per_class: args.train_per_class, when };
      await this.app.store.put("baselines", { data_id: this.app.data.id, results: this.kept });
      this.draw();
    } catch (err) {
      if (/cancel/i.test(err.message)) toast("Baselines cancelled");
      else showAlert("The baselines failed", err.message);
    } finally {
      this.btnRun.disabled = false;
      this.btnCancel.disabled = true;
      this.progress.el.hidden = true;
    }
  },

  // draw shows the kept baselines beside the networks' last evaluation:
  // one column each, every column naming its references.
  draw() {
    const base = METHODS.filter((m) => this.kept[m]).map((m) => ({ key: m, ...this.kept[m] }));
    if (base.length === 0) {
      clear(this.results).append(h("p", { class: "muted" }, "No baseline run yet."));
      return;
    }
    const models = (this.ev.last ? this.ev.last.results : []).map((r) => ({ key: r.kind, ...r }));
    const cols = [...models, ...base];
    const same = cols.every((c) => c.refs === cols[0].refs && c.seed === cols[0].seed && c.eval.n_queries === cols[0].eval.n_queries);
    const row = (name, f, help, cls = "num") =>
      h("tr", {}, h("th", { title: help }, name), cols.map((c) => h("td", { class: cls, id: `bl-m-${c.key}-${name.split(" ")[0].toLowerCase()}` }, f(c))));
    const refsOf = (c) => c.refs.replace(/^refs: /, "") + (c.refs_per_class_used > 0 ? `, seed ${c.seed}` : "");
    const table = h("table", { class: "metrics", id: "bl-table" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), cols.map((c) => h("th", { class: "num" }, h("i", { class: "swatch", style: { background: SWATCH[c.key] } }), NAMES[c.key])))),
      h("tbody", {},
        row("1-NN accuracy", (c) => pct(c.eval.accuracy), "share of test windows whose nearest reference has their activity"),
        row("macro F1", (c) => pct(c.eval.macro_f1), "mean over activities of the F1 score of the 1-NN prediction"),
        row("MAP", (c) => pct(c.eval.map), "mean average precision of the full ranking of the references"),
        row("test windows", (c) => c.eval.n_queries.toLocaleString(), "queries: the test split, or a few windows of each activity"),
        row("references", refsOf, "the training windows every test window is compared with", "num refs"),
        row("time", (c) => `${fmt(c.seconds, 2)} s`, "in this page; RVSML includes its training")));
    if (same) {
      for (let i = 0; i < 3; i++) {
        const cells = [...table.tBodies[0].rows[i].cells].slice(1);
        const v = [(c) => c.eval.accuracy, (c) => c.eval.macro_f1, (c) => c.eval.map][i];
        const vals = cols.map(v);
        cells[vals.indexOf(Math.max(...vals))].classList.add("best");
      }
    }
    const lines = base.map((c) => {
      const t = c.training;
      const how = t ? ` RVSML trained on ${t.windows.toLocaleString()} windows in ${t.iterations} alternations (${t.converged ? "converged" : "stopped at the cap"}, ${fmt(c.train_seconds, 2)} s), then` : "";
      const flags = `--method ${c.key} --refs-per-class ${c.refs_per_class} --seed ${c.seed}` +
        (c.key !== "rvsml-opw" && c.settings.band >= 0 ? ` --band ${c.settings.band}` : "") +
        (t && c.train_per_class > 0 ? ` --train-per-class ${c.train_per_class}` : "");
      const cli = c.queries_per_class > 0 ? "" : ` Same as cgru baseline ${flags}${this.app.data.embedded ? "" : " --data …"}.`;
      return h("li", {}, h("b", {}, NAMES[c.key] + ":"), `${how} ${c.eval.n_queries.toLocaleString()} × ${c.eval.n_refs.toLocaleString()} distances in ${fmt(c.distance_seconds, 2)} s.${cli} `,
        h("span", { class: "muted" }, `Run ${new Date(c.when).toLocaleString()}.`));
    });
    clear(this.results).append(...[
      table,
      same ? null : h("p", { class: "help", id: "bl-differ" }, "These columns do not all use the same references and test windows: compare figures of the same protocol only (run the evaluation or the baselines again with the settings above)."),
      h("ul", { class: "refs", id: "bl-refs-text" }, lines),
      h("div", { class: "grid-2" }, base.map((c) => confusionFigure("bl-confusion-" + c.key, NAMES[c.key], c.eval))),
    ].filter(Boolean));
  },
};

// costText says what a method would take: its distances, and for RVSML its
// training (at least two alternations, to see the loss settle; at most the
// cap).
function costText(c) {
  const dist = `${c.pairs.toLocaleString()} distances × ${fmt(c.pair_ms, 2)} ms`;
  if (!c.alternation_seconds) return `≈ ${duration(c.distance_seconds)} here: ${dist}`;
  const lo = 2 * c.alternation_seconds + c.distance_seconds;
  const hi = c.max_iter * c.alternation_seconds + c.distance_seconds;
  return `≈ ${duration(lo)} to ${duration(hi)} here: training ${fmt(c.alternation_seconds, 2)} s per alternation over ${c.train_windows.toLocaleString()} windows (2 to ${c.max_iter}), then ${dist}`;
}
