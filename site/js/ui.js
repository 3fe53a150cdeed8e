// ui.js — small DOM helpers shared by the panels (no framework).

// h creates an element: h("button", {class: "primary", onclick}, "Train").
// Attributes starting with "on" are listeners; "dataset" takes an object;
// children are nodes, strings, numbers or arrays of them (null is skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// svg creates an SVG element.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// fmt formats a number with d significant digits (plain for ordinary sizes).
export function fmt(v, d = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(d)).toString();
  return v.toExponential(d - 1);
}

// plural writes n and noun, with an s unless n is 1 ("1 epoch", "2
// epochs"); n is written with the locale's digit grouping.
export function plural(n, noun) {
  return `${n.toLocaleString()} ${noun}${n === 1 ? "" : "s"}`;
}

export function pct(v, d = 1) {
  if (v === null || v === undefined || v < 0 || Number.isNaN(v)) return "–";
  return (100 * v).toFixed(d) + "%";
}

// duration formats seconds as "42 s", "3 min 10 s", "1 h 5 min".
export function duration(s) {
  if (!Number.isFinite(s) || s < 0) return "–";
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

// showAlert shows an error the user must read: a title and the message
// (file, line and field as the engine gives them).
export function showAlert(title, text) {
  const el = document.getElementById("alert");
  el.querySelector(".alert-title").textContent = title;
  el.querySelector(".alert-text").textContent = text;
  el.hidden = false;
  el.querySelector(".alert-close").onclick = () => (el.hidden = true);
}

export function hideAlert() {
  document.getElementById("alert").hidden = true;
}

// toast shows a short message for a few seconds.
export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const t = h("div", { class: `toast toast-${kind}` }, text);
  box.append(t);
  setTimeout(() => t.classList.add("toast-out"), 4000);
  setTimeout(() => t.remove(), 4600);
}

// download offers text (or a Blob) as a file.
export function download(name, content, type = "application/json") {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// readFiles turns File objects into [{path, data: ArrayBuffer}], the
// shape the engine takes; folder uploads keep their relative paths.
export async function readFiles(files) {
  const out = [];
  for (const f of files) {
    out.push({ path: f.relPath || f.webkitRelativePath || f.name, data: await f.arrayBuffer() });
  }
  return out;
}

// droppedFiles returns the files of a drop, walking dropped folders
// (their files get .relPath, the path inside the dropped folder).
export async function droppedFiles(dt) {
  const entries = [...dt.items].map((it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter(Boolean);
  if (entries.length === 0) return [...dt.files];
  const out = [];
  async function walk(entry, prefix) {
    if (entry.isFile) {
      const f = await new Promise((res, rej) => entry.file(res, rej));
      f.relPath = prefix + f.name;
      out.push(f);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, prefix + entry.name + "/");
      }
    }
  }
  for (const e of entries) await walk(e, "");
  return out;
}

// harNeeded keeps, of a folder's files, those the UCI HAR reader reads
// (the 561-feature files alone are 60 MB: no need to read them).
export function harNeeded(files) {
  return files.filter((f) => {
    const p = (f.relPath || f.webkitRelativePath || f.name).replace(/\\/g, "/");
    const base = p.split("/").pop();
    if (p.split("/").some((s) => s === "__MACOSX" || s.startsWith("."))) return false;
    return (
      base === "activity_labels.txt" ||
      /^(y|subject)_(train|test)\.txt$/.test(base) ||
      (/\/Inertial Signals\//.test("/" + p) && /_(train|test)\.txt$/.test(base))
    );
  });
}

// className returns a readable activity name: "WALKING_UPSTAIRS" →
// "walking upstairs".
export function className(s) {
  return String(s).toLowerCase().replace(/_/g, " ");
}

// busy disables a button while a promise runs and shows a spinner.
export async function busy(button, promise) {
  button.disabled = true;
  button.classList.add("busy");
  try {
    return await promise;
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
  }
}

// progressBar returns {el, set(fraction, text)}.
export function progressBar(label = "") {
  const fill = h("div", { class: "bar-fill" });
  const text = h("span", { class: "bar-text" }, label);
  const el = h("div", { class: "progress" }, h("div", { class: "bar" }, fill), text);
  return {
    el,
    set(f, t) {
      fill.style.width = `${Math.max(0, Math.min(1, f)) * 100}%`;
      if (t !== undefined) text.textContent = t;
    },
  };
}

// card returns a section card with a title and optional subtitle.
export function card(title, sub, ...children) {
  return h("section", { class: "card" }, h("div", { class: "card-head" }, h("h2", {}, title), sub ? h("p", { class: "card-sub" }, sub) : null), ...children);
}

// field returns a labelled form control row.
export function field(label, control, help) {
  const id = control.id || "f-" + Math.random().toString(36).slice(2, 9);
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, help ? h("small", { class: "help" }, help) : null);
}
