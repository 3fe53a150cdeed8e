// charts.js — uPlot line charts that follow their container's width, and
// small canvas drawings (signal thumbnails, hidden-state heatmaps).

import uPlot from "../vendor/uplot/uPlot.esm.js";

export const COLORS = {
  sgru: "#2563eb",
  cgru: "#ea580c",
  axes: ["#0ea5e9", "#16a34a", "#a855f7"],
  grid: "rgba(100, 116, 139, 0.15)",
  text: "#475569",
};

// channelColor gives the colours of a group's channels (x, y, z, …).
export function channelColor(i) {
  const more = ["#0ea5e9", "#16a34a", "#a855f7", "#f59e0b", "#ef4444", "#14b8a6", "#64748b", "#db2777", "#84cc16"];
  return more[i % more.length];
}

// axis is the style of every chart's axes, with label and any other uPlot
// axis options in extra.
export const axis = (label, extra = {}) => ({
  label,
  stroke: COLORS.text,
  grid: { stroke: COLORS.grid, width: 1 },
  ticks: { stroke: COLORS.grid, width: 1 },
  labelSize: 18,
  font: "11px system-ui, sans-serif",
  labelFont: "12px system-ui, sans-serif",
  ...extra,
});

// percentFormat writes a share (0.725) as a percentage: the axis's ticks
// as short as they go (72.5%, 70%), a legend value with one decimal.
export const percentFormat = (v, legend = false) => (legend ? (100 * v).toFixed(1) : String(Number((100 * v).toFixed(2)))) + "%";

// LineChart is a uPlot chart in el: x values and one or more series.
// series: [{label, color, dash, width, points, scale}]; opts: {xLabel,
// yLabel, height, yRange, y2Label, yFormat}. yFormat, when given, writes
// the y values of the axis and the legend (percentFormat for shares).
export class LineChart {
  constructor(el, series, opts = {}) {
    this.el = el;
    this.series = series;
    this.opts = opts;
    this.data = [[], ...series.map(() => [])];
    this.plot = null;
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(el);
    this.build();
  }

  build() {
    const width = Math.max(200, this.el.clientWidth || 400);
    const scales = { x: { time: false } };
    if (this.opts.yRange) scales.y = { range: this.opts.yRange };
    if (this.opts.y2Label) scales.y2 = { range: this.opts.y2Range };
    const yf = this.opts.yFormat;
    const axes = [axis(this.opts.xLabel || ""), axis(this.opts.yLabel || "", yf ? { values: (u, vals) => vals.map((v) => (v == null ? "" : yf(v))) } : {})];
    if (this.opts.integerX) axes[0].incrs = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
    if (this.opts.y2Label) axes.push({ ...axis(this.opts.y2Label), scale: "y2", side: 1, grid: { show: false } });
    const opts = {
      width,
      height: this.opts.height || 220,
      scales,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      axes,
      series: [
        { label: this.opts.xLabel || "x", value: (u, v) => (v == null ? "–" : this.opts.xFormat ? this.opts.xFormat(v) : v) },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width || 2,
          dash: s.dash,
          scale: s.scale || "y",
          spanGaps: true,
          points: s.points ? { show: true, size: 6, fill: s.color } : { show: false },
          value: (u, v) => (v == null ? "–" : yf && (s.scale || "y") === "y" ? yf(v, true) : Number(v.toPrecision(4)).toString()),
        })),
      ],
    };
    if (this.plot) this.plot.destroy();
    this.plot = new uPlot(opts, this.data, this.el);
  }

  // set replaces the data: x and one array per series (null for a gap).
  set(x, ...ys) {
    this.data = [x, ...ys];
    this.plot.setData(this.data, true);
  }

  resize() {
    const w = this.el.clientWidth;
    if (w > 0 && this.plot && Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: this.plot.height });
  }

  // points returns the number of x values drawn (the tests read it).
  points() {
    return this.data[0].length;
  }
}

// drawSignals draws the channels chans of a window x ([T][C] flat) as lines
// on a canvas, scaled to [lo, hi] (per channel group).
export function drawSignals(canvas, x, T, C, chans, lo, hi, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const hgt = canvas.clientHeight || canvas.height;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, hgt);
  if (opts.zero !== false && lo < 0 && hi > 0) {
    const y0 = hgt - ((0 - lo) / (hi - lo)) * hgt;
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(0, y0);
    g.lineTo(w, y0);
    g.stroke();
  }
  chans.forEach((c, k) => {
    g.strokeStyle = opts.colors ? opts.colors[k] : channelColor(k);
    g.lineWidth = opts.lineWidth || 1.2;
    g.beginPath();
    for (let t = 0; t < T; t++) {
      const v = x[t * C + c];
      const px = (t / (T - 1)) * w;
      const py = hgt - ((v - lo) / (hi - lo || 1)) * hgt;
      if (t === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    }
    g.stroke();
  });
}

// diverging maps v in [−1, 1] to a blue–white–red colour.
function diverging(v) {
  const a = Math.max(-1, Math.min(1, v));
  if (a >= 0) {
    const k = a;
    return [255 - k * (255 - 220), 255 - k * (255 - 38), 255 - k * (255 - 38)];
  }
  const k = -a;
  return [255 - k * (255 - 37), 255 - k * (255 - 99), 255 - k * (255 - 235)];
}

// sequential maps v in [0, 1] to white → deep orange.
function sequential(v) {
  const k = Math.max(0, Math.min(1, v));
  return [255 - k * (255 - 154), 255 - k * (255 - 52), 255 - k * (255 - 18)];
}

// drawHeatmap draws a [T][H] matrix (flat) as H rows by T columns: values
// in [−1, 1] (hidden states) or, with opts.sequential, [0, max].
export function drawHeatmap(canvas, m, T, H, opts = {}) {
  canvas.width = T;
  canvas.height = H;
  const g = canvas.getContext("2d");
  const img = g.createImageData(T, H);
  const scale = opts.max || 1;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < H; k++) {
      const v = m[t * H + k] / scale;
      const [r, gg, b] = opts.sequential ? sequential(v) : diverging(v);
      const i = (k * T + t) * 4;
      img.data[i] = r;
      img.data[i + 1] = gg;
      img.data[i + 2] = b;
      img.data[i + 3] = 255;
    }
  }
  g.putImageData(img, 0, 0);
}

// shade returns a background colour for a fraction in [0, 1] (confusion
// matrices).
export function shade(f, hue = "37, 99, 235") {
  return `rgba(${hue}, ${(0.08 + 0.82 * Math.max(0, Math.min(1, f))).toFixed(3)})`;
}
