// The Data panel: what is loaded (the embedded real UCI HAR subset, or an
// upload), windows per activity and subject, and a gallery of windows.

import { h, clear, card, className, harNeeded, plural } from "../ui.js";
import { drawSignals, channelColor, shade } from "../charts.js";

// channelGroups groups channels named <sensor>_<axis> (body_acc_x…) by
// sensor; other channels go three by three.
export function channelGroups(channels) {
  const groups = [];
  const by = new Map();
  channels.forEach((name, i) => {
    const m = /^(.*)_([xyz])$/i.exec(name);
    if (m) {
      if (!by.has(m[1])) {
        by.set(m[1], { name: m[1], label: sensorLabel(m[1]), channels: [] });
        groups.push(by.get(m[1]));
      }
      by.get(m[1]).channels.push(i);
    }
  });
  const rest = channels.map((_, i) => i).filter((i) => !groups.some((g) => g.channels.includes(i)));
  for (let k = 0; k < rest.length; k += 3) {
    const chans = rest.slice(k, k + 3);
    groups.push({ name: chans.map((c) => channels[c]).join(","), label: chans.map((c) => channels[c]).join(", "), channels: chans });
  }
  return groups;
}

function sensorLabel(s) {
  return (
    { body_acc: "Body acceleration (g)", body_gyro: "Gyroscope (rad/s)", total_acc: "Total acceleration (g)" }[s] ||
    s.replace(/_/g, " ")
  );
}

// groupRange returns [lo, hi] over the channels of a group, from the
// split's per-channel extremes (shared scale for a group's thumbnails).
export function groupRange(summary, chans) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const sp of [summary.train, summary.test]) {
    for (const c of chans) {
      if (sp.n === 0) continue;
      lo = Math.min(lo, sp.min[c]);
      hi = Math.max(hi, sp.max[c]);
    }
  }
  if (!Number.isFinite(lo)) return [-1, 1];
  const pad = 0.05 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

export default {
  id: "data",
  title: "Data",

  async init(app) {
    this.app = app;
    const sec = app.section("data");
    this.intro = h("div", { class: "data-intro" });
    this.counts = h("div");
    this.subjects = h("div", { class: "scroll-x" });
    this.groupSel = h("select", { id: "gallery-group", onchange: () => this.drawGallery() });
    this.gallery = h("div", { class: "gallery", id: "gallery" });
    const fileInput = h("input", {
      type: "file",
      id: "data-file",
      accept: ".zip,.csv,.bin,.txt",
      hidden: true,
      onchange: async (e) => {
        const f = e.target.files[0];
        e.target.value = "";
        if (f) await this.load([f], f.name);
      },
    });
    const folderInput = h("input", {
      type: "file",
      id: "data-folder",
      webkitdirectory: true,
      multiple: true,
      hidden: true,
      onchange: async (e) => {
        const files = [...e.target.files];
        e.target.value = "";
        if (files.length === 0) return;
        const name = (files[0].webkitRelativePath || "folder").split("/")[0];
        const need = harNeeded(files);
        await this.load(need.length ? need : files, name);
      },
    });
    this.status = h("p", { class: "muted", id: "data-status" });
    sec.append(
      h("div", { class: "panel-head" },
        h("h2", {}, "The data"),
        h("p", { class: "lead" }, "Smartphones worn on the waist recorded 30 people walking, climbing stairs, sitting, standing and lying down. Each window is 2.56 s of the phone's accelerometer and gyroscope at 50 Hz: 128 time steps of 9 channels. The networks learn to tell whether two windows show the same activity.")),
      card("Dataset", null, this.intro,
        h("div", { class: "button-row" },
          h("button", { type: "button", id: "data-embedded", onclick: () => this.load(null, "embedded") }, "Use the embedded subset"),
          h("button", { type: "button", onclick: () => fileInput.click() }, "Upload a file…"),
          h("button", { type: "button", onclick: () => folderInput.click() }, "Upload a folder…"),
          fileInput, folderInput),
        h("p", { class: "help" },
          "Upload the UCI HAR zip as downloaded (or drop it on the page), its folder “UCI HAR Dataset”, or your own recordings as CSV: ",
          h("code", {}, "window,split,subject,label,<channel>,…"), " with one row per time step (see About). Everything stays in this browser."),
        this.status),
      h("div", { class: "grid-data" },
        card("Windows per activity", "How many windows of each activity each split holds.", this.counts),
        card("People", "Windows per person and activity. Training and test people are different: the networks are tested on people they never saw.", this.subjects)),
      card("A few windows of each activity", "Each small chart is one window (2.56 s); rows are activities, from different people.",
        h("div", { class: "field inline" }, h("label", { for: "gallery-group" }, "Sensor"), this.groupSel),
        this.gallery),
    );
    app.on("data", () => this.render());
    this.render();
  },

  async load(files, name) {
    this.status.textContent = files ? `Reading ${name}…` : "Loading the embedded subset…";
    try {
      await this.app.loadData(files, name);
      this.status.textContent = "";
    } catch (err) {
      this.status.textContent = "";
    }
  },

  render() {
    const d = this.app.data;
    if (!d) return;
    clear(this.intro).append(
      h("p", { class: "data-title" }, h("strong", {}, d.title), d.embedded ? h("span", { class: "chip" }, "real UCI HAR windows, compiled into the engine") : h("span", { class: "chip chip-upload" }, "uploaded")),
      h("div", { class: "stats" },
        stat(d.train.n, d.train.n === 1 ? "training window" : "training windows", plural(d.train.subjects.length, "subject")),
        stat(d.test.n, d.test.n === 1 ? "test window" : "test windows", plural(d.test.subjects.length, "subject")),
        stat(d.class_names.length, "activities", d.class_names.map(className).join(", ")),
        stat(`${d.channels.length} × ${d.T}`, "channels × steps", d.channels.length === 9 ? "3 sensors × 3 axes" : d.channels.join(", "))),
    );
    // Windows per activity.
    const maxN = Math.max(1, ...d.train.class_counts, ...d.test.class_counts);
    clear(this.counts).append(
      h("table", { class: "counts", id: "class-counts" },
        h("thead", {}, h("tr", {}, h("th", {}, "activity"), h("th", { class: "num" }, "train"), h("th", { class: "num" }, "test"))),
        h("tbody", {}, d.class_names.map((c, i) =>
          h("tr", {},
            h("td", {}, className(c)),
            h("td", { class: "num" }, barCell(d.train.class_counts[i], maxN, "var(--sgru)")),
            h("td", { class: "num" }, barCell(d.test.class_counts[i], maxN, "var(--cgru)"))))),
        h("tfoot", {}, h("tr", {}, h("td", {}, "total"), h("td", { class: "num" }, d.train.n), h("td", { class: "num" }, d.test.n)))),
    );
    // Activities × subjects (one column per person).
    clear(this.subjects);
    for (const [name, sp] of [["training", d.train], ["test", d.test]]) {
      if (sp.subjects.length === 0) continue;
      const shown = sp.subjects.slice(0, 40);
      const mx = Math.max(1, ...sp.by_subject_class.flat());
      this.subjects.append(
        h("table", { class: "subjects", id: "subjects-" + name },
          h("caption", {}, `${name} split: ${sp.subjects.length} people${shown.length < sp.subjects.length ? ` (the first ${shown.length} shown)` : ""}`),
          h("thead", {}, h("tr", {}, h("th", {}, "subject"), shown.map((s) => h("th", {}, s)))),
          h("tbody", {}, d.class_names.map((c, ci) =>
            h("tr", {}, h("th", { title: className(c) }, abbrev(c)), shown.map((_, si) => {
              const n = sp.by_subject_class[si][ci];
              return h("td", { style: { background: shade(0.15 + 0.5 * (n / mx)) }, title: `subject ${sp.subjects[si]}: ${plural(n, className(c) + " window")}` }, n || "");
            }))))),
      );
    }
    // Gallery sensor choice.
    this.groups = channelGroups(d.channels);
    const prev = this.groupSel.value;
    clear(this.groupSel).append(...this.groups.map((g, i) => h("option", { value: i }, g.label)));
    if (prev && prev < this.groups.length) this.groupSel.value = prev;
    this.loadGallery();
  },

  async loadGallery() {
    const res = await this.app.engine.call("data.gallery", { per_class: 4, split: "train", seed: 1 });
    this.windows = res.windows;
    this.drawGallery();
  },

  drawGallery() {
    const d = this.app.data;
    if (!this.windows || !d) return;
    const g = this.groups[Number(this.groupSel.value) || 0];
    // One scale for every thumbnail of the sensor: still activities look
    // still next to walking.
    let lo = Infinity;
    let hi = -Infinity;
    for (const w of this.windows) {
      for (let t = 0; t < d.T; t++) {
        for (const c of g.channels) {
          const v = w.x[t * d.channels.length + c];
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Number.isFinite(lo)) [lo, hi] = groupRange(d, g.channels);
    clear(this.gallery);
    const legend = h("div", { class: "legend" }, g.channels.map((c, k) => h("span", {}, h("i", { style: { background: channelColor(k) } }), d.channels[c])));
    this.gallery.append(legend);
    d.class_names.forEach((cname, ci) => {
      const ws = this.windows.filter((w) => w.label === ci);
      if (ws.length === 0) return;
      const row = h("div", { class: "gallery-row" }, h("div", { class: "gallery-label" }, className(cname)));
      for (const w of ws) {
        const cv = h("canvas", { class: "thumb", width: 180, height: 70, "aria-label": `${className(cname)}, subject ${w.subject}` });
        row.append(h("figure", { class: "thumb-fig" }, cv, h("figcaption", {}, `subject ${w.subject} · ${w.id}`)));
        requestAnimationFrame(() => drawSignals(cv, w.x, d.T, d.channels.length, g.channels, lo, hi));
      }
      this.gallery.append(row);
    });
  },
};

function stat(value, label, sub) {
  return h("div", { class: "stat" }, h("div", { class: "stat-value" }, value), h("div", { class: "stat-label" }, label), h("div", { class: "stat-sub" }, sub));
}

function barCell(n, max, color) {
  return h("span", { class: "bar-cell" }, h("span", { class: "bar-in", style: { width: `${(100 * n) / max}%`, background: color } }), h("span", { class: "bar-n" }, n));
}

// abbrev shortens an activity name for column heads: WALKING_UPSTAIRS → W.UP.
export function abbrev(c) {
  const known = { WALKING: "walk", WALKING_UPSTAIRS: "up", WALKING_DOWNSTAIRS: "down", SITTING: "sit", STANDING: "stand", LAYING: "lie" };
  if (known[c]) return known[c];
  const s = String(c);
  return s.length <= 6 ? s.toLowerCase() : s.slice(0, 5).toLowerCase() + "…";
}
