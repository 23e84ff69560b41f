// The backtests page: a form that starts one (traders and admins), the jobs the worker keeps with
// their progress, and a finished job's result: headline figures, every statistic, the equity
// and drawdown chart and the trades drawn on the price.

import { api } from "./api.js";
import { EquityChart, TradePriceChart } from "./charts.js";
import {
  $, show, setText, fmtDec, fmtMoney, fmtTime, fmtPct, fmtNum, fmtDuration, signClass, setCells, syncRows,
  button, el,
} from "./util.js";

// A backtest id as the server makes them (also what its path accepts).
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

// "fast=10, slow=30" → {fast: 10, slow: 30}; numbers stay numbers, anything else text.
function parseParams(text) {
  const params = {};
  const bad = [];
  text.split(/[,;\s]+/).filter(Boolean).forEach((pair) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(pair);
    if (!m) { bad.push(pair); return; }
    params[m[1]] = /^-?\d+(\.\d+)?$/.test(m[2]) ? Number(m[2]) : m[2];
  });
  return { params: params, bad: bad };
}

function dataLabel(d) {
  if (!d) { return "–"; }
  if (d.generated) { return d.generated.bars + " generated bars (" + d.generated.interval + ", seed " + d.generated.seed + ")"; }
  if (d.bundled) { return d.bundled.name; }
  return "–";
}

// Statistics worth a line of their own, in this order, then every other one.
const STAT_ORDER = [
  "return_pct", "annual_return_pct", "buy_hold_return_pct", "max_drawdown_pct", "sharpe", "sortino",
  "calmar", "win_rate_pct", "profit_factor", "trades", "exposure_pct", "commissions", "final_equity",
  "peak_equity", "avg_trade_duration_ms", "max_drawdown_duration_ms",
];

function statValue(name, v) {
  if (v == null) { return "–"; }
  if (name === "start" || name === "end") { return fmtTime(v); }
  if (/_ms$/.test(name)) { return fmtDuration(v); }
  if (typeof v === "string") { return fmtDec(v); }
  if (typeof v === "number") { return /_pct$/.test(name) ? fmtPct(v) : fmtNum(v, Number.isInteger(v) ? 0 : 3); }
  return String(v);
}

export function createBacktests(app) {
  let jobs = [];
  let shownId = null;
  let followId = null;
  let equity = null;
  let price = null;

  // Only the fields of the chosen data source are shown.
  function syncDataFields() {
    const kind = $("bt-data").value;
    document.querySelectorAll("[data-data]").forEach((label) => show(label, label.dataset.data === kind));
  }
  $("bt-data").addEventListener("change", syncDataFields);

  $("backtest-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setText("bt-error", "");
    const parsed = parseParams($("bt-params").value);
    if (parsed.bad.length) {
      setText("bt-error", "Parameters are name=value pairs, e.g. fast=10, slow=30 (not: " + parsed.bad.join(" ") + ").");
      return;
    }
    const data = $("bt-data").value === "bundled"
      ? { bundled: { name: $("bt-bundled").value.trim() } }
      : { generated: { bars: Number($("bt-bars").value), seed: Number($("bt-seed").value || 0), interval: $("bt-interval").value.trim() } };
    const body = {
      strategy: $("bt-strategy").value, params: parsed.params, data: data,
      cash: $("bt-cash").value.trim(), fee: $("bt-fee").value.trim(), slippage_bps: $("bt-slippage").value.trim(),
      fill: $("bt-fill").value, sizing: $("bt-sizing").value,
    };
    const submit = $("bt-submit");
    submit.disabled = true;
    api("POST", "/api/backtests", body)
      .then((job) => {
        followId = job.id;
        jobs = [job].concat(jobs.filter((j) => j.id !== job.id));
        renderJobs();
        app.refreshNow();
      })
      .catch((err) => { app.fail(err, "bt-error"); })
      .then(() => { submit.disabled = false; });
  });

  function renderJobs() {
    syncRows($("backtests"), jobs, (j) => j.id, (tr, j) => {
      tr._job = j;
      const m = j.metrics || {};
      const pct = j.bars_total ? Math.floor((100 * j.bars_done) / j.bars_total) : 0;
      setCells(tr, [
        fmtTime(j.created_at),
        (j.request && j.request.strategy) + " " + JSON.stringify((j.request && j.request.params) || {}),
        dataLabel(j.request && j.request.data),
        [j.status + (j.error ? ": " + j.error : ""), j.status === "failed" ? "neg wrap" : "wrap"],
        { update: (td) => {
          let bar = td.querySelector("progress");
          if (!bar) { bar = el("progress"); bar.max = 100; td.appendChild(bar); td.appendChild(el("span")); }
          bar.value = j.status === "done" ? 100 : pct;
          setText(td.lastChild, " " + (j.status === "done" ? 100 : pct) + " %");
        } },
        [m.trades == null ? "–" : fmtDec(m.trades), "num"],
        [fmtPct(m.return_pct), "num " + signClass(m.return_pct)],
        [fmtPct(m.max_drawdown_pct), "num"],
        [m.sharpe == null ? "–" : fmtNum(m.sharpe, 2), "num"],
        { node: () => button("Show", "why", () => showResult(tr._job.id)), update: (td) => {
          td.firstChild.disabled = tr._job.status !== "done";
        } },
      ]);
    }, { cols: 10, text: "No backtest yet." });
  }

  function loadJobs() {
    return api("GET", "/api/backtests?limit=50").then((page) => {
      jobs = page.backtests || [];
      renderJobs();
      const followed = followId && jobs.find((j) => j.id === followId);
      if (followed && followed.status === "done") { followId = null; showResult(followed.id); }
      if (followed && followed.status === "failed") { followId = null; }
    });
  }

  function showResult(id) {
    if (!JOB_ID.test(id)) { return; }
    setText("backtests-error", "");
    api("GET", "/api/backtests/" + id + "/result").then((r) => {
      shownId = id;
      show($("backtest-result"), true);
      setText("bt-result-id", id + " · final equity " + fmtMoney(r.final_equity) + " · " + r.trades + " trades");
      renderStats(r);
      if (!equity) { equity = new EquityChart($("bt-equity-chart")); }
      if (!price) { price = new TradePriceChart($("bt-price-chart")); }
      const curve = Array.isArray(r.curve) ? r.curve : [];
      const trades = Array.isArray(r.trade_list) ? r.trade_list : [];
      equity.update(curve.map((p) => ({ t: p.time, equity: p.equity })), trades);
      price.update(trades);
      renderTrades(trades, r.trade_list_truncated);
    }).catch((err) => app.fail(err, "backtests-error"));
  }

  function renderStats(r) {
    const stats = Object.assign({ return_pct: r.return_pct, max_drawdown_pct: r.max_drawdown_pct, sharpe: r.sharpe },
      r.stats && typeof r.stats === "object" ? r.stats : {});
    const names = STAT_ORDER.filter((n) => n in stats)
      .concat(Object.keys(stats).filter((n) => STAT_ORDER.indexOf(n) < 0).sort());
    const box = $("bt-stats");
    box.replaceChildren();
    names.forEach((n) => {
      const v = stats[n];
      if (v !== null && typeof v === "object") { return; }
      const row = el("div");
      row.appendChild(el("span", null, n.replace(/_ms$/, "").replace(/_/g, " ")));
      row.appendChild(el("b", null, statValue(n, v)));
      box.appendChild(row);
    });
  }

  function renderTrades(trades, truncated) {
    const newest = trades.slice().reverse();
    setText("bt-trades-count", "(" + trades.length + (truncated ? ", the latest only" : "") + ")");
    syncRows($("bt-trades"), newest, (t) => t.entry_time + ":" + t.exit_time + ":" + t.entry_bar, (tr, t) => setCells(tr, [
      fmtTime(t.entry_time),
      fmtTime(t.exit_time),
      [fmtDec(t.qty), "num"],
      [fmtDec(t.entry_price), "num"],
      [fmtDec(t.exit_price), "num"],
      [fmtDec(t.commission), "num"],
      [fmtMoney(t.pnl), "num " + signClass(t.pnl)],
      [t.return_frac == null ? "–" : (Number(t.return_frac) * 100).toFixed(2) + " %", "num " + signClass(t.return_frac)],
    ]), { cols: 8, text: "No closed trade." });
  }

  syncDataFields();
  return {
    // Every second while a job runs, else every 10 s.
    loaders: [{
      every: () => (jobs.some((j) => j.status === "queued" || j.status === "running") || followId ? 1000 : 10000),
      run: loadJobs,
      errorId: "backtests-error",
    }],
    shown: () => shownId,
  };
}
