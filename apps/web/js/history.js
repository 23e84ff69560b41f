// The round-trips page (closed trades, paged, and performance by symbol) and the decisions page
// (the "why not?" feed, filtered by outcome and symbol, paged).

import { api } from "./api.js";
import {
  $, setText, fmtDec, fmtMoney, fmtTime, fmtDuration, fmtRatioPct, fmtConfidence, signClass,
  setCells, syncRows, mergeNewest, el,
} from "./util.js";

const PAGE = 50;

// A list newest first, a page at a time: polls refresh the first page and keep the older pages
// the user loaded; "Load older" follows the server's cursor.
class PagedList {
  constructor(opts) {
    this.opts = opts; // {path(), listKey, keyOf, timeOf, render, olderButton, pagingId, errorId}
    this.items = [];
    this.cursor = null;
    this.olderLoaded = false;
    this.loading = false;
    // Bumped by a reset (new filters): an answer to an older request is dropped.
    this.generation = 0;
    opts.olderButton.addEventListener("click", () => this.older());
  }

  reset() {
    this.generation += 1;
    this.items = [];
    this.cursor = null;
    this.olderLoaded = false;
    this.opts.render(this.items);
  }

  url(cursor) {
    const base = this.opts.path();
    const sep = base.indexOf("?") >= 0 ? "&" : "?";
    return base + sep + "limit=" + PAGE + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
  }

  // The newest page, merged into what is listed.
  refresh() {
    const generation = this.generation;
    return api("GET", this.url(null)).then((page) => {
      if (generation !== this.generation) { return; }
      const fresh = page[this.opts.listKey] || [];
      this.items = mergeNewest(fresh, this.items, this.opts.keyOf, this.opts.timeOf);
      if (!this.olderLoaded) { this.cursor = page.next || null; }
      this.show();
    });
  }

  older() {
    if (!this.cursor || this.loading) { return; }
    this.loading = true;
    this.opts.olderButton.disabled = true;
    const generation = this.generation;
    api("GET", this.url(this.cursor)).then((page) => {
      if (generation !== this.generation) { return; }
      this.items = mergeNewest(this.items, page[this.opts.listKey] || [], this.opts.keyOf, this.opts.timeOf);
      this.cursor = page.next || null;
      this.olderLoaded = true;
      this.show();
    }).catch((err) => this.opts.fail(err, this.opts.errorId))
      .then(() => { this.loading = false; this.show(); });
  }

  show() {
    this.opts.render(this.items);
    this.opts.olderButton.disabled = !this.cursor || this.loading;
    setText(this.opts.pagingId, this.items.length + " shown" + (this.cursor ? "" : " · that is all"));
  }
}

export function createHistory(app) {
  // Performance by symbol, and the total.
  function renderPerformance(p) {
    setText("performance-definition", p.definition || "");
    const rows = (p.symbols || []).slice();
    if (p.total && rows.length) { rows.push(Object.assign({}, p.total, { symbol: null })); }
    syncRows($("performance"), rows, (r) => r.symbol || "(total)", (tr, r) => setCells(tr, [
      [r.symbol || "All symbols", r.symbol ? "" : "total"],
      [fmtDec(r.trades), "num"],
      [fmtDec(r.wins), "num"],
      [fmtDec(r.losses), "num"],
      [fmtRatioPct(r.win_rate, 1), "num"],
      [fmtMoney(r.pnl), "num " + signClass(r.pnl)],
      [fmtMoney(r.fees), "num"],
      [r.profit_factor == null ? "–" : fmtDec(r.profit_factor), "num"],
      [fmtMoney(r.max_drawdown), "num"],
    ]), { cols: 9, text: "No closed round trips yet." });
  }

  const trips = new PagedList({
    path: () => "/api/round-trips",
    listKey: "round_trips",
    keyOf: (t) => t.symbol + ":" + t.trip_no,
    timeOf: (t) => t.exit_time,
    olderButton: $("round-trips-older"),
    pagingId: "round-trips-paging",
    errorId: "round-trips-error",
    fail: app.fail,
    render: (items) => {
      setText("round-trips-count", items.length ? "(" + items.length + ")" : "");
      syncRows($("round-trips"), items, (t) => t.symbol + ":" + t.trip_no, (tr, t) => setCells(tr, [
        t.symbol,
        [t.trip_no, "num"],
        fmtTime(t.entry_time),
        fmtTime(t.exit_time),
        [fmtDec(t.qty), "num"],
        [fmtDec(t.entry_price), "num"],
        [fmtDec(t.exit_price), "num"],
        [fmtMoney(t.fees), "num"],
        [fmtMoney(t.pnl), "num " + signClass(t.pnl)],
        [fmtRatioPct(t["return"], 2), "num " + signClass(t["return"])],
        [fmtDuration(t.duration_ms), "num"],
      ]), { cols: 11, text: "No closed round trips yet." });
    },
  });

  // Decisions: a refusal names its gate and the reason; who advised, and what came of it.
  const decisions = new PagedList({
    path: () => {
      const q = [];
      const kind = $("decisions-kind").value, symbol = $("decisions-symbol").value;
      if (kind) { q.push("kind=" + encodeURIComponent(kind)); }
      if (symbol) { q.push("symbol=" + encodeURIComponent(symbol)); }
      return "/api/decisions" + (q.length ? "?" + q.join("&") : "");
    },
    listKey: "decisions",
    keyOf: (d) => d.decision_id,
    timeOf: (d) => d.ts,
    olderButton: $("decisions-older"),
    pagingId: "decisions-paging",
    errorId: "decisions-error",
    fail: app.fail,
    render: (items) => {
      setText("decisions-count", items.length ? "(" + items.length + ")" : "");
      syncRows($("decisions"), items, (d) => d.decision_id, (tr, d) => setCells(tr, [
        fmtTime(d.ts),
        d.symbol,
        d.strategy,
        d.action,
        [fmtConfidence(d.confidence), "num"],
        { update: (td) => {
          const text = String(d.outcome || "–").replace(/_/g, " ");
          let span = td.firstChild;
          if (!span) { span = el("span"); td.appendChild(span); }
          if (span.textContent !== text) { span.textContent = text; }
          span.className = "outcome " + (d.outcome || "");
        } },
        [d.refused_by || "", d.refused_by ? "gate" : ""],
        [d.refusal_reason || (d.proposal_status ? "proposal " + String(d.proposal_status).toLowerCase() +
          (d.decided_by ? " by " + d.decided_by : "") : ""), "wrap"],
        [d.fallback_reason ? "fallback: " + d.fallback_reason : (d.model ? "model " + d.model : d.advisor_kind), "wrap"],
        [d.fills ? d.fills + " (" + fmtDec(d.filled_qty) + ")" : "–", "num"],
        [d.trip_pnl == null ? "–" : fmtMoney(d.trip_pnl), "num " + signClass(d.trip_pnl)],
      ]), { cols: 11, text: "No decision matches." });
    },
  });

  function filtersChanged() {
    setText("decisions-error", "");
    decisions.reset();
    app.refreshNow();
  }
  $("decisions-kind").addEventListener("change", filtersChanged);
  $("decisions-symbol").addEventListener("change", filtersChanged);
  $("decisions-filters").addEventListener("submit", (ev) => ev.preventDefault());

  return {
    trades: [
      { every: 5000, run: () => api("GET", "/api/performance").then(renderPerformance), errorId: "performance-error" },
      { every: 3000, run: () => trips.refresh(), errorId: "round-trips-error" },
    ],
    decisions: [
      { every: 3000, run: () => decisions.refresh(), errorId: "decisions-error" },
    ],
  };
}
