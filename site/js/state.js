// state.js — the page's settings and where they live. The training
// configuration and the visible panel are kept in the URL hash
// (#train?hidden=16&seed=7: only what differs from the paper's defaults),
// so a link reproduces a run; everything else lives in IndexedDB (store.js).

// PROPS lists the configuration fields (the names of wasm/app.Config) and
// their types, as tensorflow/playground's state does.
export const PROPS = {
  hidden: "int",
  loss: "string",
  margin: "number",
  alpha: "number",
  tau: "number",
  beta: "number",
  t: "number",
  lr: "number",
  per_class: "int",
  epochs: "int",
  seed: "int",
  coupling_init: "string",
  folds: "int",
  fold: "int",
  val_refs_per_class: "int",
  val_queries_per_class: "int",
  train_per_class: "int",
  normalize: "bool",
  weight_decay: "number",
  coupling_penalty: "number",
  clip: "number",
  plateau_patience: "int",
  early_stop: "int",
};

function parseValue(type, s) {
  switch (type) {
    case "int": {
      const v = Number.parseInt(s, 10);
      return Number.isFinite(v) ? v : undefined;
    }
    case "number": {
      const v = Number(s);
      return Number.isFinite(v) ? v : undefined;
    }
    case "bool":
      return s === "1" || s === "true";
    default:
      return s;
  }
}

function formatValue(type, v) {
  if (type === "bool") return v ? "1" : "0";
  return String(v);
}

export class State {
  constructor(defaults) {
    this.defaults = { ...defaults };
    this.config = { ...defaults };
    this.panel = "data";
    this.fromHash = false; // the hash named settings
    this.listeners = new Set();
  }

  // readHash takes the panel and the settings from location.hash.
  readHash() {
    const h = decodeURIComponent(location.hash.replace(/^#/, ""));
    const [panel, query] = h.split("?");
    if (panel) this.panel = panel;
    if (!query) return;
    const params = new URLSearchParams(query);
    for (const [k, s] of params) {
      if (!(k in PROPS)) continue;
      const v = parseValue(PROPS[k], s);
      if (v !== undefined) {
        this.config[k] = v;
        this.fromHash = true;
      }
    }
  }

  // hash returns the hash for the current panel and settings.
  hash() {
    const params = new URLSearchParams();
    for (const [k, type] of Object.entries(PROPS)) {
      if (this.config[k] !== this.defaults[k]) params.set(k, formatValue(type, this.config[k]));
    }
    const q = params.toString();
    return "#" + this.panel + (q ? "?" + q : "");
  }

  // writeHash updates the URL without adding a history entry.
  writeHash() {
    const h = this.hash();
    if (location.hash !== h) history.replaceState(null, "", h);
  }

  set(changes) {
    Object.assign(this.config, changes);
    this.writeHash();
    for (const fn of this.listeners) fn(this.config);
  }

  setPanel(panel) {
    this.panel = panel;
    this.writeHash();
  }

  resetConfig() {
    this.set({ ...this.defaults });
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  // link is a URL that opens this page with these settings.
  link() {
    return location.href.split("#")[0] + this.hash();
  }
}
