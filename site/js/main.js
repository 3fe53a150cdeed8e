// main.js — boots the page: starts the engine in its worker, restores what
// IndexedDB kept, builds the panels and wires the tabs, the engine badge
// and drag-and-drop.
//
// A panel is a module exporting {id, title, init(app), show?()}; the list
// below is the page. A panel with `parent: "<id>"` is drawn inside that
// panel instead of getting a tab of its own. See site/README.md.

import { Engine } from "./engine.js";
import { State } from "./state.js";
import { Store } from "./store.js";
import * as ui from "./ui.js";
import dataPanel from "./panels/data.js";
import trainPanel from "./panels/train.js";
import comparePanel from "./panels/compare.js";
import evaluatePanel from "./panels/evaluate.js";
import baselinesPanel from "./panels/baselines.js";
import syncPanel from "./panels/sync.js";
import aboutPanel from "./panels/about.js";
import { shortReason } from "./panels/train.js";

const panels = [dataPanel, trainPanel, comparePanel, evaluatePanel, baselinesPanel, syncPanel, aboutPanel];

// App is what panels share: the engine, the settings, the store, the data
// summary and the two runs, and a small event bus between panels
// ("data", "runs", "panel").
class App {
  constructor(engine, state, store) {
    this.engine = engine;
    this.state = state;
    this.store = store;
    this.data = null;
    this.runs = {};
    this.engineInfo = null;
    this.bus = new EventTarget();
    this.sections = new Map();
    this.panels = new Map();
  }

  on(name, fn) {
    this.bus.addEventListener(name, (e) => fn(e.detail));
  }

  emit(name, detail) {
    this.bus.dispatchEvent(new CustomEvent(name, { detail }));
  }

  setData(summary) {
    this.data = summary;
    this.emit("data", summary);
  }

  // setRuns takes descriptions of runs (replies and events may cross on
  // their way here: the one with the highest seq wins).
  setRuns(list) {
    for (const r of list) {
      const old = this.runs[r.kind];
      if (!old || !(old.seq > r.seq)) this.runs[r.kind] = r;
    }
    this.emit("runs", this.runs);
  }

  section(id) {
    return this.sections.get(id);
  }

  show(id) {
    if (!this.sections.has(id) || this.panels.get(id).parent) id = "data";
    this.state.setPanel(id);
    for (const [pid, el] of this.sections) {
      if (this.panels.get(pid).parent) continue;
      el.hidden = pid !== id;
    }
    for (const b of document.querySelectorAll("#tabs [role=tab]")) {
      const on = b.dataset.panel === id;
      b.setAttribute("aria-selected", on ? "true" : "false");
      b.tabIndex = on ? 0 : -1;
      // On a narrow screen the tab row scrolls: keep the chosen tab in it.
      if (on && b.parentElement.scrollWidth > b.parentElement.clientWidth) b.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    const p = this.panels.get(id);
    p.show?.();
    for (const child of panels) if (child.parent === id) child.show?.();
    this.emit("panel", id);
  }

  // loadData loads uploaded files (or the embedded data when files is
  // null), keeps the upload in IndexedDB and forgets runs of other data.
  async loadData(files, name) {
    ui.hideAlert();
    let res;
    try {
      res = files ? await this.engine.call("data.load", { name }, await ui.readFiles(files)) : await this.engine.call("data.load", { name: "embedded" });
    } catch (err) {
      ui.showAlert(`Could not load ${name || "the data"}`, err.message);
      throw err;
    }
    // Keep the upload (the files themselves: IndexedDB stores them as they
    // are) before showing it, so that a reload right after finds it.
    await this.store.delete("run:sgru");
    await this.store.delete("run:cgru");
    await this.store.delete("eval");
    await this.store.delete("compare");
    if (res.data.embedded) {
      await this.store.delete("data");
    } else {
      const kept = files.map((f) => ({ path: f.relPath || f.webkitRelativePath || f.name, blob: f }));
      await this.store.put("data", { name, title: res.data.title, id: res.data.id, files: kept });
    }
    this.setData(res.data);
    this.setRuns(res.runs);
    ui.toast(`Loaded ${res.data.title}: ${ui.plural(res.data.train.n, "training window")} and ${ui.plural(res.data.test.n, "test window")} (${res.seconds.toFixed(2)} s)`, "ok");
    return res;
  }

  // loadModel loads a model file into the run of its kind; with kind (a
  // run card's Load button) the engine refuses a file of the other kind.
  async loadModel(file, kind) {
    ui.hideAlert();
    let info;
    try {
      info = await this.engine.call("model.load", kind ? { kind } : {}, await ui.readFiles([file]));
    } catch (err) {
      ui.showAlert(`Could not load the model ${file.name}`, err.message);
      throw err;
    }
    this.setRuns([info]);
    await this.keepRun(info.kind);
    ui.toast(`Loaded ${file.name} as the ${info.kind.toUpperCase()}`, "ok");
    return info;
  }

  // keepRun stores a run's checkpoint (after a load or a restore).
  async keepRun(kind) {
    try {
      const ck = await this.engine.call("run.checkpoint", { kind });
      await this.store.put("run:" + kind, { text: ck.text, data_id: this.data.id, saved: Date.now() });
    } catch (err) {
      // A run in training is kept by its epoch events.
    }
  }
}

// shortAdapter names a GPU adapter in a few words for the badge (the
// title has it in full): "google swiftshader (browser WebGPU)" →
// "google swiftshader".
function shortAdapter(a) {
  const s = a.replace(/\s*\([^)]*\)/g, "").trim() || a;
  if (s.length <= 28) return s;
  const cut = s.slice(0, 28);
  return cut.slice(0, Math.max(cut.lastIndexOf(" "), 16)) + "…";
}

function setBadge(info) {
  const el = document.getElementById("engine-badge");
  const text = el.querySelector(".badge-text");
  el.classList.remove("badge-gpu", "badge-cpu");
  if (info.backend === "webgpu") {
    el.classList.add("badge-gpu");
    text.textContent = "WebGPU" + (info.adapter ? " · " + shortAdapter(info.adapter) : "");
    el.title = "The networks run as WebGPU compute shaders on " + (info.adapter || "the GPU");
    if (info.software) {
      text.textContent += " · software";
      el.title += ". This is WebGPU emulated on the CPU: the pure-Go engine is faster (Train › Engine).";
    }
  } else {
    el.classList.add("badge-cpu");
    text.textContent = "CPU · " + shortReason(info.reason);
    el.title = "The networks run on the pure-Go engine (WebAssembly, one thread): " + (info.reason || "");
    if (/software/i.test(info.reason || "") && !/asked for/i.test(info.reason || "")) {
      el.title = "Automatic picked the pure-Go engine (WebAssembly, one thread): this browser's WebGPU is emulated on the CPU (" + info.reason +
        "). Train › Engine › WebGPU uses it anyway.";
    }
  }
  el.dataset.backend = info.backend;
  el.dataset.reason = info.reason || "";
}


async function restore(app, store) {
  const kept = await store.get("data");
  if (kept && kept.files) {
    try {
      const files = [];
      for (const f of kept.files) files.push({ path: f.path, data: await f.blob.arrayBuffer() });
      const res = await app.engine.call("data.load", { name: kept.name, title: kept.title }, files);
      app.setData(res.data);
      app.setRuns(res.runs);
    } catch (err) {
      await store.delete("data");
      ui.showAlert("The data kept from your last visit could not be read again; using the embedded data", err.message);
    }
  }
  for (const kind of ["sgru", "cgru"]) {
    const r = await store.get("run:" + kind);
    if (!r || r.data_id !== app.data.id) continue;
    try {
      app.setRuns([await app.engine.call("run.restore", { text: r.text })]);
    } catch (err) {
      await store.delete("run:" + kind);
      console.warn(`cgru: the kept ${kind} run could not be restored: ${err.message}`);
    }
  }
  // The engine setting of the last visit.
  const pref = await store.get("engine");
  if (pref && pref !== "auto") {
    try {
      await app.engine.call("engine.set", { backend: pref });
    } catch (err) {
      await store.delete("engine");
    }
  }
  // Untrained runs take the settings of the link (or the last visit).
  const reset = Object.values(app.runs).filter((r) => r.status === "new").map((r) => r.kind);
  if (reset.length > 0) {
    try {
      app.setRuns((await app.engine.call("train.reset", { kinds: reset, config: app.state.config })).runs);
    } catch (err) {
      ui.showAlert("The settings of this link are not valid; the defaults are used", err.message);
      app.state.resetConfig();
    }
  }
}

async function main() {
  const bar = document.getElementById("boot-bar");
  const detail = document.getElementById("boot-detail");
  let expected = 0;
  const buildInfo = fetch("build.json")
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  buildInfo.then((b) => (expected = b.wasm_bytes || 0));

  const engine = new Engine("worker.js");
  let app = null;
  let engineInfo = null;
  engine.on("engine", (info) => {
    engineInfo = info;
    setBadge(info);
    if (app) {
      app.engineInfo = info;
      app.emit("engine", info);
    }
  });
  engine.on("fatal", (m) => ui.showAlert("The engine stopped", m.message + "\nReload the page to start it again."));
  try {
    await engine.boot("cgru.wasm", 0, (n) => {
      const f = expected ? n / expected : 0.5;
      bar.style.width = `${Math.min(100, f * 100)}%`;
      detail.textContent = `fetching the engine: ${ui.bytes(n)}${expected ? " of " + ui.bytes(expected) : ""}`;
    });
  } catch (err) {
    detail.textContent = "The engine could not start: " + err.message;
    console.error("cgru: " + err.message);
    return;
  }
  detail.textContent = "restoring your last session…";
  const hello = await engine.call("hello");
  const state = new State(hello.defaults);
  const store = new Store();
  await store.open();
  const kept = await store.get("config");
  // The last visit's settings, unless the link names some (a link with only
  // another panel's settings, #sync?sync_gain=6.5, keeps them).
  state.readHash();
  if (kept && !state.fromHash) Object.assign(state.config, kept);
  app = new App(engine, state, store);
  app.engineInfo = engineInfo;
  window.cgruApp = app; // for the console and the browser tests
  app.setData(hello.data);
  app.setRuns(hello.runs);
  state.onChange((c) => store.put("config", { ...c }));
  await restore(app, store);

  // Tabs and sections: top-level panels first, then the panels drawn
  // inside another one (in its .extensions area, which its init makes).
  const tabs = document.getElementById("tabs");
  const main = document.getElementById("panels");
  for (const p of panels) app.panels.set(p.id, p);
  for (const p of panels.filter((p) => !p.parent)) {
    const sec = ui.h("section", { id: "panel-" + p.id, class: "panel", role: "tabpanel", "aria-label": p.title, hidden: true });
    tabs.append(ui.h("button", { role: "tab", type: "button", dataset: { panel: p.id }, onclick: () => app.show(p.id) }, p.title));
    main.append(sec);
    app.sections.set(p.id, sec);
  }
  for (const p of panels.filter((p) => !p.parent)) await p.init(app);
  for (const p of panels.filter((p) => p.parent)) {
    const host = app.sections.get(p.parent);
    const sec = ui.h("section", { id: "panel-" + p.id, class: "panel-ext", "aria-label": p.title });
    (host.querySelector(".extensions") || host).append(sec);
    app.sections.set(p.id, sec);
    await p.init(app);
  }
  tabs.addEventListener("keydown", (e) => {
    const ids = panels.filter((p) => !p.parent).map((p) => p.id);
    const i = ids.indexOf(state.panel);
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const j = (i + (e.key === "ArrowRight" ? 1 : ids.length - 1)) % ids.length;
      app.show(ids[j]);
      tabs.querySelector(`[data-panel="${ids[j]}"]`).focus();
    }
  });
  window.addEventListener("hashchange", () => {
    const before = JSON.stringify(state.config);
    state.readHash();
    if (JSON.stringify(state.config) !== before) app.emit("config", state.config);
    app.show(state.panel);
  });
  app.show(state.panel);
  setupDrop(app);

  buildInfo.then((b) => {
    document.getElementById("build-info").textContent = `cgru ${engine.version}${b.built ? " · built " + b.built : ""}${b.go ? " · " + b.go : ""}`;
  });
  document.getElementById("boot").hidden = true;
  document.body.dataset.ready = "1";
  // Milliseconds from the start of navigation to a usable page (the tests read it).
  window.cgruReady = performance.now();
}

function setupDrop(app) {
  const drop = document.getElementById("drop");
  let depth = 0;
  window.addEventListener("dragenter", (e) => {
    if (!e.dataTransfer.types.includes("Files")) return;
    depth++;
    drop.hidden = false;
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) drop.hidden = true;
  });
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", async (e) => {
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    const files = await ui.droppedFiles(e.dataTransfer);
    if (files.length === 0) return;
    const one = files.length === 1 ? files[0] : null;
    try {
      if (one && /\.json$/i.test(one.name)) {
        await app.loadModel(one);
        app.show("train");
      } else if (one && !one.relPath?.includes("/")) {
        await app.loadData([one], one.name);
        app.show("data");
      } else {
        const need = ui.harNeeded(files);
        const name = (files[0].relPath || "").split("/")[0] || "folder";
        await app.loadData(need.length ? need : files, name);
        app.show("data");
      }
    } catch (err) {
      // shown by loadData / loadModel
    }
  });
}

main().catch((err) => {
  console.error("cgru: " + (err.stack || err));
  ui.showAlert("The page failed to start", String(err.message || err));
});
