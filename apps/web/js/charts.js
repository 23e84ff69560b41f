// The charts, drawn by uPlot (vendored: /static/vendor/, see apps/web/vendor/VENDORED.md). Each
// chart is made once, when it first has data, then fed with `setData`: a poll never re-creates a
// chart, so it does not flicker and keeps its cursor. Trades are drawn as markers by a draw hook.

const COLORS = {
  equity: "#1f4fd1", drawdown: "#b42318", drawdownFill: "rgba(180, 35, 24, 0.12)",
  price: "#5b6472", win: "#0b7a3e", loss: "#b42318", entry: "#1f4fd1",
};
const HEIGHT = 280;

// The first time any chart draws, for the browser test's "dashboard load to first chart".
let firstDrawn = false;
function markFirstDraw(u) {
  if (firstDrawn || !u.data || !u.data[0] || u.data[0].length === 0) { return; }
  firstDrawn = true;
  performance.mark("mirai:first-chart");
}

function money(v) { return v == null ? "–" : v.toLocaleString(undefined, { maximumFractionDigits: 2 }); }

// The index of the last x at or before `x` (xs ascending), or -1.
function indexAtOrBefore(xs, x) {
  let lo = 0, hi = xs.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
  }
  return found;
}

// Markers: `{x (s), y, kind: "entry" | "win" | "loss"}` on scale `scale`, inside the plot area.
function drawMarkers(u, marks, scale) {
  if (!marks.length) { return; }
  const ctx = u.ctx;
  const r = 4 * uPlot.pxRatio;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  marks.forEach((m) => {
    if (m.y == null || !isFinite(m.y)) { return; }
    const cx = u.valToPos(m.x, "x", true);
    const cy = u.valToPos(m.y, scale, true);
    if (cx < left || cx > left + width) { return; }
    ctx.beginPath();
    if (m.kind === "entry") {
      ctx.moveTo(cx, cy - r * 1.3);
      ctx.lineTo(cx - r, cy + r * 0.7);
      ctx.lineTo(cx + r, cy + r * 0.7);
      ctx.closePath();
      ctx.fillStyle = COLORS.entry;
    } else {
      ctx.arc(cx, cy, r, 0, 2 * Math.PI);
      ctx.fillStyle = m.kind === "win" ? COLORS.win : COLORS.loss;
    }
    ctx.fill();
  });
  ctx.restore();
}

// Makes the chart when the container first has a width and data, then only sets data and size.
class Chart {
  constructor(container, makeOpts) {
    this.container = container;
    this.makeOpts = makeOpts;
    this.u = null;
    this.marks = [];
    this.pending = null;
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(container);
  }

  width() { return Math.floor(this.container.clientWidth); }

  fit() {
    const w = this.width();
    if (!w) { return; }
    if (!this.u) {
      if (this.pending) { this.create(this.pending); }
      return;
    }
    if (Math.abs(this.u.width - w) > 1) { this.u.setSize({ width: w, height: HEIGHT }); }
  }

  create(data) {
    const opts = this.makeOpts(this.width());
    opts.hooks = { draw: [(u) => { drawMarkers(u, this.marks, opts.markScale); markFirstDraw(u); }] };
    this.u = new uPlot(opts, data, this.container);
    this.pending = null;
  }

  set(data, marks) {
    this.marks = marks || [];
    if (this.u) { this.u.setData(data); return; }
    if (this.width()) { this.create(data); } else { this.pending = data; }
  }

}

function timeAxis() { return { stroke: "#5b6472", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#dde1e7" } }; }

// Equity (left axis) and drawdown below the running peak in % (right axis), with each round
// trip's entry and exit marked on the equity line.
export class EquityChart extends Chart {
  constructor(container) {
    super(container, (width) => ({
      width: width, height: HEIGHT, markScale: "$",
      scales: { x: { time: true }, "$": {}, "%": { range: (u, min) => [Math.min(min, -0.5), 0] } },
      series: [
        {},
        { label: "Equity", scale: "$", stroke: COLORS.equity, width: 2, value: (u, v) => money(v) },
        { label: "Drawdown", scale: "%", stroke: COLORS.drawdown, width: 1, fill: COLORS.drawdownFill,
          value: (u, v) => (v == null ? "–" : v.toFixed(2) + " %") },
      ],
      axes: [
        timeAxis(),
        { scale: "$", stroke: "#5b6472", grid: { stroke: "#eef0f3" }, size: 70,
          values: (u, ticks) => ticks.map(money) },
        { scale: "%", side: 1, stroke: COLORS.drawdown, grid: { show: false }, size: 60,
          values: (u, ticks) => ticks.map((v) => v.toFixed(1) + "%") },
      ],
      cursor: { drag: { x: true, y: false } },
    }));
  }

  // `points`: `[{t: ms, equity: number}]` in time order; `trips`: round trips with entry and exit
  // times (ms) and their P&L.
  update(points, trips) {
    const xs = [], eq = [], dd = [];
    let peak = -Infinity, lastX = -Infinity;
    points.forEach((p) => {
      const x = Number(p.t) / 1000, y = Number(p.equity);
      if (!isFinite(x) || !isFinite(y) || x <= lastX) { return; }
      lastX = x;
      peak = Math.max(peak, y);
      xs.push(x);
      eq.push(y);
      dd.push(peak > 0 ? (y / peak - 1) * 100 : 0);
    });
    const at = (ms) => {
      const i = indexAtOrBefore(xs, Number(ms) / 1000);
      return i < 0 ? null : eq[i];
    };
    const marks = [];
    (trips || []).forEach((t) => {
      marks.push({ x: Number(t.entry_time) / 1000, y: at(t.entry_time), kind: "entry" });
      marks.push({ x: Number(t.exit_time) / 1000, y: at(t.exit_time), kind: Number(t.pnl) >= 0 ? "win" : "loss" });
    });
    this.set([xs, eq, dd], marks);
  }
}

// A backtest's trades on the price: each trade's entry and exit price joined in time order, an
// entry marker and an exit marker coloured by the trade's P&L.
export class TradePriceChart extends Chart {
  constructor(container) {
    super(container, (width) => ({
      width: width, height: HEIGHT, markScale: "p",
      scales: { x: { time: true }, p: {} },
      series: [
        {},
        { label: "Price at trades", scale: "p", stroke: COLORS.price, width: 1, value: (u, v) => money(v) },
      ],
      axes: [timeAxis(), { scale: "p", stroke: "#5b6472", grid: { stroke: "#eef0f3" }, size: 70,
        values: (u, ticks) => ticks.map(money) }],
      cursor: { drag: { x: true, y: false } },
    }));
  }

  update(trades) {
    const pts = [];
    const marks = [];
    (trades || []).forEach((t) => {
      const ex = Number(t.entry_time) / 1000, ey = Number(t.entry_price);
      const xx = Number(t.exit_time) / 1000, xy = Number(t.exit_price);
      pts.push([ex, ey], [xx, xy]);
      marks.push({ x: ex, y: ey, kind: "entry" });
      marks.push({ x: xx, y: xy, kind: Number(t.pnl) >= 0 ? "win" : "loss" });
    });
    pts.sort((a, b) => a[0] - b[0]);
    const xs = [], ys = [];
    pts.forEach((p) => {
      if (!isFinite(p[0]) || !isFinite(p[1])) { return; }
      if (xs.length && p[0] <= xs[xs.length - 1]) { return; }
      xs.push(p[0]);
      ys.push(p[1]);
    });
    this.set([xs, ys], marks);
  }
}
