// The Evaluate panel: 1-NN accuracy, macro F1, MAP and confusion matrices
// of both networks on the test split, each figure naming its reference set;
// and, on demand, the noise-robustness curves (the paper's Figure 3).
// Panels with parent "evaluate" (e.g. baselines) are drawn in .extensions.

import { h, clear, card, field, fmt, pct, plural, duration, className, showAlert, hideAlert, progressBar, toast } from "../ui.js";
import { LineChart, COLORS, shade } from "../charts.js";
import { abbrev } from "./data.js";

const NAMES = { sgru: "SGRU", cgru: "CGRU" };
const NO_NOISE = "No noise sweep yet: “Run the noise sweep” draws the mean distances here.";

// confusionFigure draws a confusion matrix (model.Eval's, with class_names)
// under the title name; the baselines panel draws its own with it.
export function confusionFigure(id, name, e) {
  const names = e.class_names;
  const rowMax = e.confusion.map((row) => Math.max(1, row.reduce((a, b) => a + b, 0)));
  return h("figure", { class: "confusion", id },
    h("figcaption", {}, `${name}: rows are the true activity, columns the predicted one`),
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, ""), names.map((c) => h("th", { title: className(c) }, abbrev(c))))),
      h("tbody", {}, e.confusion.map((row, t) =>
        h("tr", {}, h("th", { title: className(names[t]) }, abbrev(names[t])),
          row.map((n, p) => h("td", { class: t === p ? "diag" : "", style: { background: shade(n / rowMax[t], t === p ? "22, 163, 74" : "220, 38, 38") } }, n)))))));
}

export default {
  id: "evaluate",
  title: "Evaluate",

  async init(app) {
    this.app = app;
    const sec = app.section("evaluate");
    const num = (id, value, min, step = "1") => h("input", { type: "number", id, value, min, step });
    this.refs = num("eval-refs", 20, 0);
    this.queries = num("eval-queries", 0, 0);
    this.seed = num("eval-seed", 1, 0);
    this.progress = progressBar("");
    this.progress.el.hidden = true;
    this.btnRun = h("button", { type: "button", class: "primary", id: "eval-run", onclick: () => this.run() }, "Evaluate both networks");
    this.btnCancel = h("button", { type: "button", id: "eval-cancel", disabled: true, onclick: () => app.engine.call("task.cancel") }, "Cancel");
    this.results = h("div", { id: "eval-results" }, h("p", { class: "muted" }, "No evaluation yet."));
    this.sigMax = num("noise-max", 2, 0, "any");
    this.sigStep = num("noise-step", 0.25, 0.01, "any");
    this.pairs = num("noise-pairs", 20, 1);
    this.btnNoise = h("button", { type: "button", id: "noise-run", onclick: () => this.noise() }, "Run the noise sweep");
    this.noiseProgress = progressBar("");
    this.noiseProgress.el.hidden = true;
    // The chart shows once there is a sweep; until then a line says so.
    this.noiseEl = h("div", { class: "chart", id: "chart-noise", hidden: true });
    this.noiseText = h("p", { class: "muted", id: "noise-text" }, NO_NOISE);
    sec.append(
      h("div", { class: "panel-head" },
        h("h2", {}, "How well do they retrieve?"),
        h("p", { class: "lead" }, "Each test window is compared with reference windows from the training people and takes the activity of the nearest one (1-NN). MAP asks more: it ranks all references by distance and scores how early the right activity comes. The coupled GRU runs every (test, reference) pair as its own coupled system, so a reference subset keeps this fast; every figure names the references it used.")),
      card("Retrieval on the test split", null,
        h("div", { class: "form-grid" },
          field("References per activity", this.refs, "from the training split (0: all of it)"),
          field("Test windows per activity", this.queries, "0: the whole test split"),
          field("Seed", this.seed, "which references")),
        h("div", { class: "button-row" }, this.btnRun, this.btnCancel),
        this.progress.el,
        this.results),
      card("Robustness to noise (Figure 3)", "Mean distance of positive (same activity) and negative pairs of test windows as Gaussian white noise of standard deviation σ is added. A network keeps a margin while negatives stay further apart than positives.",
        h("div", { class: "form-grid" },
          field("σ up to", this.sigMax),
          field("σ step", this.sigStep),
          field("Pairs per activity", this.pairs, "positive, and as many negative")),
        h("div", { class: "button-row" }, this.btnNoise),
        this.noiseProgress.el,
        this.noiseEl,
        this.noiseText),
      h("div", { class: "extensions" }),
    );
    this.noiseChart = new LineChart(this.noiseEl, [
      { label: "SGRU positive", color: COLORS.sgru, dash: [6, 4] },
      { label: "SGRU negative", color: COLORS.sgru },
      { label: "CGRU positive", color: COLORS.cgru, dash: [6, 4] },
      { label: "CGRU negative", color: COLORS.cgru },
    ], { xLabel: "noise σ", height: 260 });
    app.engine.on("task.progress", (p) => this.onProgress(p));
    app.on("data", () => {
      this.last = null;
      this.results.replaceChildren(h("p", { class: "muted" }, "No evaluation yet."));
      this.noiseChart.set([], [], [], [], []);
      this.noiseEl.hidden = true;
      this.noiseText.textContent = NO_NOISE;
    });
    const kept = await app.store.get("eval");
    if (kept && kept.data_id === app.data.id) {
      if (kept.eval) this.drawResults(kept.eval, kept.when);
      if (kept.noise) this.drawNoise(kept.noise);
    }
  },

  show() {
    this.noiseChart.resize();
  },

  onProgress(p) {
    const bar = p.task === "noise" ? this.noiseProgress : p.task === "evaluate" ? this.progress : null;
    if (!bar) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const f = p.done / Math.max(1, p.total);
    const eta = f > 0.02 ? duration((elapsed * (1 - f)) / f) : "…";
    bar.set(f, `${p.done.toLocaleString()} of ${p.total.toLocaleString()} pair runs · ${eta} left`);
  },

  async run() {
    hideAlert();
    const args = { refs_per_class: Number(this.refs.value) || 0, queries_per_class: Number(this.queries.value) || 0, seed: Number(this.seed.value) || 0 };
    this.btnRun.disabled = this.btnNoise.disabled = true;
    this.btnCancel.disabled = false;
    this.progress.el.hidden = false;
    this.progress.set(0, "starting…");
    this.started = performance.now();
    try {
      const res = await this.app.engine.call("evaluate", args);
      const when = Date.now();
      this.drawResults(res, when);
      const kept = (await this.app.store.get("eval")) || {};
      await this.app.store.put("eval", { ...kept, eval: res, when, data_id: this.app.data.id });
    } catch (err) {
      if (/cancel/i.test(err.message)) toast("Evaluation cancelled");
      else showAlert("The evaluation failed", err.message);
    } finally {
      this.btnRun.disabled = this.btnNoise.disabled = false;
      this.btnCancel.disabled = true;
      this.progress.el.hidden = true;
    }
  },

  drawResults(res, when) {
    const rs = res.results;
    const refs = rs[0].refs;
    const metric = (name, f, help) =>
      h("tr", {}, h("th", { title: help }, name), rs.map((r) => h("td", { class: "num", id: `m-${r.kind}-${name.split(" ")[0].toLowerCase()}` }, pct(f(r.eval)))));
    const best = (f) => {
      const v = rs.map((r) => f(r.eval));
      return v.indexOf(Math.max(...v));
    };
    const table = h("table", { class: "metrics", id: "eval-table" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), rs.map((r) => h("th", { class: "num" }, h("i", { class: "swatch", style: { background: COLORS[r.kind] } }), NAMES[r.kind])))),
      h("tbody", {},
        metric("1-NN accuracy", (e) => e.accuracy, "share of test windows whose nearest reference has their activity"),
        metric("macro F1", (e) => e.macro_f1, "mean over activities of the F1 score of the 1-NN prediction"),
        metric("MAP", (e) => e.map, "mean average precision of the full ranking of the references")));
    for (const [i, f] of [[0, (e) => e.accuracy], [1, (e) => e.macro_f1], [2, (e) => e.map]]) {
      const b = best(f);
      table.tBodies[0].rows[i].cells[b + 1].classList.add("best");
    }
    const names = rs[0].eval.class_names;
    const conf = rs.map((r) => confusionFigure("confusion-" + r.kind, NAMES[r.kind], r.eval));
    const perClass = h("table", { class: "per-class" },
      h("thead", {}, h("tr", {}, h("th", {}, "activity"), rs.map((r) => h("th", { class: "num" }, `${NAMES[r.kind]} F1`)), h("th", { class: "num" }, "queries"))),
      h("tbody", {}, names.map((c, i) => h("tr", {}, h("td", {}, className(c)), rs.map((r) => h("td", { class: "num" }, pct(r.eval.f1[i]))), h("td", { class: "num" }, rs[0].eval.support[i])))));
    clear(this.results).append(
      table,
      h("p", { class: "refs", id: "eval-refs-text" },
        `${plural(res.queries, "test window")} against ${refs.replace(/^refs: /, "")} of the training split${rs[0].refs_per_class_used > 0 ? ` (seed ${rs[0].seed})` : ""}. `,
        rs.map((r) => `${NAMES[r.kind]}: ${r.model}, ${fmt(r.seconds, 2)} s. `),
        when ? h("span", { class: "muted" }, `Evaluated ${new Date(when).toLocaleString()}.`) : null),
      h("div", { class: "grid-2" }, conf),
      h("details", {}, h("summary", {}, "Per activity"), perClass),
    );
    // Panels drawn inside this one (baselines) show these figures too.
    this.last = res;
    this.app.emit("eval", res);
  },

  async noise() {
    hideAlert();
    const max = Number(this.sigMax.value);
    const step = Number(this.sigStep.value);
    if (!(max >= 0) || !(step > 0) || max / step > 100) {
      showAlert("Check the noise levels", "σ up to must be ≥ 0 and the step > 0, with at most 100 levels.");
      return;
    }
    const sigmas = [];
    for (let k = 0; k * step <= max + step * 1e-3; k++) sigmas.push(Number((k * step).toPrecision(12)));
    this.btnRun.disabled = this.btnNoise.disabled = true;
    this.btnCancel.disabled = false;
    this.noiseProgress.el.hidden = false;
    this.noiseProgress.set(0, "starting…");
    this.started = performance.now();
    try {
      const res = await this.app.engine.call("noise", { sigmas, pairs_per_class: Number(this.pairs.value) || 20, seed: Number(this.seed.value) || 1 });
      this.drawNoise(res);
      const kept = (await this.app.store.get("eval")) || {};
      await this.app.store.put("eval", { ...kept, noise: res, data_id: this.app.data.id });
    } catch (err) {
      if (/cancel/i.test(err.message)) toast("Noise sweep cancelled");
      else showAlert("The noise sweep failed", err.message);
    } finally {
      this.btnRun.disabled = this.btnNoise.disabled = false;
      this.btnCancel.disabled = true;
      this.noiseProgress.el.hidden = true;
    }
  },

  drawNoise(res) {
    const c = Object.fromEntries(res.curves.map((x) => [x.kind, x]));
    const s = (k, f) => (c[k] ? c[k][f] : res.sigmas.map(() => null));
    this.noiseEl.hidden = false;
    this.noiseChart.set(res.sigmas, s("sgru", "mean_pos"), s("sgru", "mean_neg"), s("cgru", "mean_pos"), s("cgru", "mean_neg"));
    const keeps = res.curves.map((x) => {
      let last = -1;
      for (let i = 0; i < res.sigmas.length; i++) {
        if (x.mean_neg[i] > x.mean_pos[i]) last = i;
        else break;
      }
      return last < 0 ? `${NAMES[x.kind]} has no margin even without noise` : `${NAMES[x.kind]} keeps a margin up to σ = ${res.sigmas[last]}`;
    });
    this.noiseText.textContent = `${res.n_pos} positive and ${res.n_neg} negative test pairs (${res.pairs_per_class} of each per activity, seed ${res.seed}). ${keeps.join("; ")}.`;
  },
};
