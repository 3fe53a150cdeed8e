// The Compare panel: two windows through both networks, step by step —
// raw signals, hidden-state trajectories, the synchronization error
// ‖h_t − h'_t‖, the CGRU's coupling gate and the final distances.

import { h, clear, card, field, fmt, className, showAlert, hideAlert } from "../ui.js";
import { LineChart, COLORS, drawHeatmap, channelColor } from "../charts.js";
import { channelGroups } from "./data.js";

const KINDS = ["sgru", "cgru"];
const NAMES = { sgru: "SGRU", cgru: "CGRU" };

export default {
  id: "compare",
  title: "Compare a pair",

  async init(app) {
    this.app = app;
    const sec = app.section("compare");
    this.pick = { a: this.picker("a", "Window A"), b: this.picker("b", "Window B") };
    this.groupSel = h("select", { id: "compare-group", onchange: () => this.drawSignals() });
    this.distances = h("div", { class: "distances", id: "distances" });
    this.sigEls = { a: h("div", { class: "chart", id: "chart-sig-a" }), b: h("div", { class: "chart", id: "chart-sig-b" }) };
    this.syncEl = h("div", { class: "chart", id: "chart-sync" });
    this.gateEl = h("div", { class: "chart", id: "chart-gate" });
    this.heat = h("div", { class: "heatmaps", id: "heatmaps" });
    this.caption = h("p", { class: "muted", id: "compare-caption" });
    sec.append(
      h("div", { class: "panel-head" },
        h("h2", {}, "Compare a pair of windows"),
        h("p", { class: "lead" }, "Both networks read the two windows step by step. The distance is how far apart the two hidden states end up. A coupled GRU lets the two runs pull each other together when the windows move alike, so similar windows synchronize and different ones do not.")),
      card("Pick two windows", null,
        h("div", { class: "grid-2 pickers" }, this.pick.a.el, this.pick.b.el),
        h("div", { class: "button-row" },
          h("button", { type: "button", id: "pick-same", onclick: () => this.random("same") }, "Same activity"),
          h("button", { type: "button", id: "pick-different", onclick: () => this.random("different") }, "Different activities"),
          h("button", { type: "button", id: "pick-hard", title: "Among random pairs of one activity, the one the SGRU puts furthest apart", onclick: () => this.random("hard") }, "Hard positive"),
          h("button", { type: "button", class: "link", onclick: () => this.swap() }, "Swap"),
          h("button", { type: "button", class: "link", id: "compare-refresh", onclick: () => this.run() }, "Refresh with the latest networks"))),
      card("Distances", "‖h_T − h'_T‖ at the last step: small means “same activity” to the network. Each network has a scale of its own, so each distance is set among those the same network gives a fixed sample of pairs of the split, same activity and different activities.", this.distances, this.caption),
      h("div", { class: "grid-2" },
        card("Synchronization error ‖h_t − h'_t‖", "per time step, for both networks", this.syncEl),
        card("Coupling gate", "mean of c_t over the hidden units (CGRU): how strongly the two runs mix", this.gateEl)),
      card("Raw signals", null,
        h("div", { class: "field inline" }, h("label", { for: "compare-group" }, "Sensor"), this.groupSel),
        h("div", { class: "grid-2" }, h("figure", {}, h("figcaption", { id: "sig-a-cap" }, "A"), this.sigEls.a), h("figure", {}, h("figcaption", { id: "sig-b-cap" }, "B"), this.sigEls.b))),
      card("Hidden states over time", "Each image is H units (rows) × T steps (columns); blue is −1, red +1. The last column is the state the distance is measured on.", this.heat),
    );
    this.syncChart = new LineChart(this.syncEl, KINDS.map((k) => ({ label: NAMES[k], color: COLORS[k] })), { xLabel: "step t", height: 220, integerX: true });
    this.gateChart = new LineChart(this.gateEl, [{ label: "CGRU mean gate", color: COLORS.cgru }], { xLabel: "step t", height: 220, yRange: [0, 1], integerX: true });
    app.on("data", () => this.onData());
    app.on("runs", () => this.onRuns());
    this.onData(true);
    const kept = await app.store.get("compare");
    if (kept && kept.data_id === app.data.id) {
      this.setPair(kept.a, kept.b);
    } else {
      await this.random("same", 1);
    }
  },

  show() {
    this.syncChart.resize();
    this.gateChart.resize();
    this.sigCharts && Object.values(this.sigCharts).forEach((c) => c.resize());
    if (this.stale) this.run();
  },

  picker(which, label) {
    const split = h("select", { id: `pick-${which}-split` }, h("option", { value: "test" }, "test"), h("option", { value: "train" }, "train"));
    const cls = h("select", { id: `pick-${which}-class` });
    const win = h("select", { id: `pick-${which}-window` });
    const fill = () => this.fillWindows(which);
    split.addEventListener("change", fill);
    cls.addEventListener("change", fill);
    win.addEventListener("change", () => this.run());
    const el = h("fieldset", { class: "picker" }, h("legend", {}, label), h("div", { class: "picker-row" }, field("split", split), field("activity", cls), field("window", win)));
    return { el, split, cls, win };
  },

  onData(first) {
    const d = this.app.data;
    for (const which of ["a", "b"]) {
      const p = this.pick[which];
      clear(p.cls).append(h("option", { value: -1 }, "any"), ...d.class_names.map((c, i) => h("option", { value: i }, className(c))));
      this.fillWindows(which, true);
    }
    this.groups = channelGroups(d.channels);
    clear(this.groupSel).append(...this.groups.map((g, i) => h("option", { value: i }, g.label)));
    if (!first) this.random("same", 1);
  },

  fillWindows(which, quiet) {
    const d = this.app.data;
    const p = this.pick[which];
    const sp = d[p.split.value];
    const c = Number(p.cls.value);
    const keep = p.win.value;
    clear(p.win);
    const opts = [];
    for (let i = 0; i < sp.n; i++) {
      if (c >= 0 && sp.labels[i] !== c) continue;
      opts.push(h("option", { value: i }, `${sp.ids[i]} · subject ${sp.window_subjects[i]} · ${className(d.class_names[sp.labels[i]])}`));
    }
    p.win.append(...opts);
    if (keep && [...p.win.options].some((o) => o.value === keep)) p.win.value = keep;
    if (!quiet) this.run();
  },

  setPair(a, b) {
    for (const [which, ref] of [["a", a], ["b", b]]) {
      const p = this.pick[which];
      p.split.value = ref.split;
      p.cls.value = -1;
      this.fillWindows(which, true);
      p.win.value = String(ref.index);
    }
    return this.run();
  },

  current() {
    const ref = (p) => ({ split: p.split.value, index: Number(p.win.value) });
    return { a: ref(this.pick.a), b: ref(this.pick.b) };
  },

  async random(mode, seed) {
    const args = { mode, split: this.pick.a.split.value || "test", candidates: 48 };
    if (seed !== undefined) args.seed = seed;
    const c = Number(this.pick.a.cls.value);
    if (c >= 0 && mode !== "different") args.class = c;
    try {
      const p = await this.app.engine.call("compare.pick", args);
      await this.setPair(p.a, p.b);
    } catch (err) {
      showAlert("Could not pick a pair", err.message);
    }
  },

  swap() {
    const { a, b } = this.current();
    this.setPair(b, a);
  },

  onRuns() {
    // New epochs change the networks: redraw when the panel is seen.
    const key = Object.values(this.app.runs).map((r) => `${r.kind}:${r.status}:${r.best_epoch}:${r.history.length}:${r.origin}`).join("|");
    if (key === this.runsKey) return;
    this.runsKey = key;
    if (this.app.state.panel === "compare") this.run();
    else this.stale = true;
  },

  async run() {
    const { a, b } = this.current();
    if (!Number.isFinite(a.index) || !Number.isFinite(b.index)) return;
    this.stale = false;
    const token = (this.token = (this.token || 0) + 1);
    let res;
    try {
      res = await this.app.engine.call("compare", { a, b });
    } catch (err) {
      showAlert("Could not compare the pair", err.message);
      return;
    }
    if (token !== this.token) return;
    hideAlert();
    this.res = res;
    this.app.store.put("compare", { a, b, data_id: this.app.data.id });
    this.draw();
  },

  draw() {
    const res = this.res;
    const d = this.app.data;
    clear(this.distances);
    for (const t of res.traces) {
      this.distances.append(
        h("div", { class: `dist dist-${t.kind}`, id: "dist-" + t.kind, dataset: { distance: String(t.distance), kind: t.kind } },
          h("div", { class: "dist-name" }, h("i", { class: "swatch", style: { background: COLORS[t.kind] } }), NAMES[t.kind]),
          h("div", { class: "dist-value" }, fmt(t.distance, 5)),
          contextText(t.context),
          h("div", { class: "dist-model" }, t.model)),
      );
    }
    const same = res.a.label === res.b.label;
    this.caption.textContent = `A = ${res.a.id} (${className(res.a.class)}, subject ${res.a.subject}); B = ${res.b.id} (${className(res.b.class)}, subject ${res.b.subject}): ${same ? "the same activity — a positive pair" : "different activities — a negative pair"}.`;
    const T = res.traces[0].T;
    const x = Array.from({ length: T }, (_, i) => i + 1);
    const se = Object.fromEntries(res.traces.map((t) => [t.kind, t.sync_error]));
    this.syncChart.set(x, se.sgru, se.cgru);
    const cg = res.traces.find((t) => t.kind === "cgru");
    this.gateChart.set(x, cg ? cg.mean_gate : x.map(() => null));
    this.drawSignals();
    // Heatmaps.
    clear(this.heat);
    const diffs = res.traces.map((t) => t.h1.map((v, i) => Math.abs(v - t.h2[i])));
    let mx = 1e-6;
    for (const d of diffs) for (const v of d) mx = Math.max(mx, v);
    res.traces.forEach((t, ti) => {
      const diff = diffs[ti];
      const cell = (title, m, opts) => {
        const cv = h("canvas", { class: "heat", "aria-label": title });
        drawHeatmap(cv, m, t.T, t.H, opts);
        return h("figure", {}, h("figcaption", {}, title), cv);
      };
      this.heat.append(
        h("div", { class: "heat-row" },
          h("div", { class: "heat-label" }, h("i", { class: "swatch", style: { background: COLORS[t.kind] } }), NAMES[t.kind]),
          cell("h_t (window A)", t.h1),
          cell("h'_t (window B)", t.h2),
          cell(`|h_t − h'_t| (darkest: ${fmt(mx, 3)}, both rows)`, diff, { sequential: true, max: mx })),
      );
    });
  },

  drawSignals() {
    if (!this.res) return;
    const d = this.app.data;
    const g = this.groups[Number(this.groupSel.value) || 0];
    const C = d.channels.length;
    const T = d.T;
    const x = Array.from({ length: T }, (_, i) => i + 1);
    this.sigCharts = this.sigCharts || {};
    // One y range for both windows, so their amplitudes compare.
    let lo = Infinity;
    let hi = -Infinity;
    for (const which of ["a", "b"]) {
      for (let t = 0; t < T; t++) {
        for (const c of g.channels) {
          const v = this.res[which].x[t * C + c];
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    const pad = 0.05 * (hi - lo || 1);
    this.sigRange = [lo - pad, hi + pad];
    for (const which of ["a", "b"]) {
      const w = this.res[which];
      const key = g.channels.join(",");
      if (!this.sigCharts[which] || this.sigCharts[which].key !== key) {
        clear(this.sigEls[which]);
        this.sigCharts[which] = new LineChart(this.sigEls[which], g.channels.map((c, k) => ({ label: d.channels[c], color: channelColor(k), width: 1.5 })), { xLabel: "step t", height: 200, integerX: true, yRange: () => this.sigRange });
        this.sigCharts[which].key = key;
      }
      this.sigCharts[which].set(x, ...g.channels.map((c) => x.map((_, t) => w.x[t * C + c])));
      document.getElementById(`sig-${which}-cap`).textContent = `${which.toUpperCase()}: ${w.id} · ${className(w.class)} · subject ${w.subject}`;
    }
  },
};

// contextText sets a distance among the network's distances of the fixed
// sample of pairs (the engine's DistanceContext): where it falls among the
// same-activity and the different-activity pairs, and their medians.
function contextText(c) {
  if (!c) return h("div", { class: "dist-context muted" }, "no sample of pairs to compare with on this split");
  const p = (x) => `${Math.round(100 * x)}%`;
  return h("div", { class: "dist-context" },
    h("div", { class: "dist-rank" }, `closer than ${p(c.diff_above)} of different-activity pairs · farther than ${p(c.same_below)} of same-activity pairs`),
    h("div", { class: "muted" }, `medians on ${c.split}: same ${fmt(c.median_same, 3)}, different ${fmt(c.median_diff, 3)} (${c.n_same} and ${c.n_diff} random pairs)`));
}
