// The overview page: the mode banner, the controls, the money, the equity chart with trades,
// the advisor, proposals, positions and the latest trades.

import { api, describe, atLeast } from "./api.js";
import { EquityChart } from "./charts.js";
import {
  $, show, setText, fmtDec, fmtMoney, fmtUsd, cmpDec, signClass, fmtTime, fmtConfidence, pad,
  setCells, syncRows, button, el, adviceLabel,
} from "./util.js";

// What a proposal id may be in a path: the client-order-id alphabet without `/`.
const PROPOSAL_ID = /^[A-Za-z0-9._:-]{1,36}$/;

export function createOverview(app) {
  let lastStatus = null;
  let deciding = false;
  let proposals = [];
  const equity = new EquityChart($("equity-chart"));

  function renderBanner(s) {
    let label, cls;
    if (s.dry_run) { label = "DRY RUN"; cls = "dry"; }
    else if (s.mode === "live") { label = "LIVE"; cls = "live"; }
    else if (s.mode === "demo") { label = "DEMO"; cls = "demo"; }
    else if (s.mode === "testnet" || s.testnet) { label = "TESTNET"; cls = "testnet"; }
    else { label = "PAPER"; cls = "paper"; }
    const banner = $("banner");
    if (banner.className !== "banner " + cls) { banner.className = "banner " + cls; }
    setText("banner-mode", label);
    let detail = "mode: " + s.mode + (s.testnet ? " · testnet" : "") + (s.dry_run ? " · orders simulated" : "");
    // Binance's public market data on the paper exchange (MARKET_DATA=binance): the real market,
    // whatever BINANCE_ENV says, so no "testnet" here.
    if (s.market_data === "binance") { detail = "paper on Binance market data · orders simulated"; }
    else if (s.market_data === "replay") { detail += " · replayed market data"; }
    if (!s.dry_run && s.mode === "live") { detail += " · REAL MONEY"; }
    setText("banner-detail", detail);
    // Shown as text, never as HTML: the reason can quote venue messages.
    setText("banner-blocked", s.blocked_reason ? "TRADING BLOCKED — " + s.blocked_reason : "");
  }

  function money(id, value, colour) {
    const e = $(id);
    setText(e, fmtMoney(value));
    const cls = "value" + (colour ? " " + signClass(value) : "");
    if (e.className !== cls) { e.className = cls; }
  }

  // Who decides entries, and for the model today's calls, fallbacks by cause, tokens and cost
  // against the daily budget. Reasons quote servers and models: text only.
  function renderAdvisor(a) {
    const llm = !!a && a.kind === "llm";
    setText("advisor-kind", !a ? "–" : (llm ? "model " + (a.model || "?") : "rules"));
    show($("advisor-model-facts"), llm);
    if (!llm) {
      setText("advisor-hint", "Entries are decided by the offline rule-based advisor; no language model is asked.");
      return;
    }
    setText("advisor-hint", "The model advises on entries; whenever its answer cannot be used the rules decide, and the reason is kept. Figures are for today (UTC) and survive restarts.");
    setText("advisor-calls", a.calls);
    const causes = a.fallbacks_by_cause || {};
    const parts = Object.keys(causes).sort((x, y) => causes[y] - causes[x] || (x < y ? -1 : 1))
      .map((k) => k.replace(/_/g, " ") + " " + causes[k]);
    setText("advisor-fallbacks", String(a.fallbacks == null ? "–" : a.fallbacks) + (parts.length ? " (" + parts.join(", ") + ")" : ""));
    setText("advisor-tokens", fmtDec(a.tokens_in) + " / " + fmtDec(a.tokens_out));
    const spent = a.spent_today_usd != null ? a.spent_today_usd : a.cost_usd;
    const budget = a.daily_budget_usd;
    setText("advisor-cost", fmtUsd(spent) + (budget == null ? "" : " of " + fmtUsd(budget) + " budget"));
    setText("advisor-last", a.last_fallback_reason || "none today");
    let warning = "";
    if (a.budget_closed_reason) {
      warning = "Budget closed for today: " + a.budget_closed_reason;
    } else if (budget != null && spent != null && cmpDec(spent, budget) >= 0) {
      warning = "Today's budget is spent: the rules decide until 00:00 UTC.";
    } else if (a.breaker_open_until != null) {
      warning = "The model failed repeatedly: not asked until " + fmtTime(a.breaker_open_until) + ".";
    }
    setText("advisor-warning", warning);
  }

  // Pause and resume for traders; the kill switch, and resuming after it, for admins only.
  function renderControls(s) {
    const role = app.role();
    $("pause").disabled = !!s.halted || !!s.paused;
    const mayResume = s.halted ? atLeast(role, "admin") : !!s.paused;
    $("resume").disabled = !mayResume;
    $("resume").title = s.halted && !atLeast(role, "admin") ? "Only an admin can resume after the kill switch." : "";
    $("kill").disabled = !!s.halted;
  }

  function renderStatus(s) {
    lastStatus = s;
    renderBanner(s);
    show($("halted"), !!s.halted);
    show($("paused"), !s.halted && !!s.paused);
    money("equity", s.equity, false);
    money("cash", s.cash, false);
    money("realised", s.realised_pnl, true);
    money("unrealised", s.unrealised_pnl, true);
    setText("symbols", (s.symbols || []).join(", ") || "–");
    app.symbols(s.symbols);
    setText("outbox", (s.outbox || []).map((o) =>
      o.destination + " " + o.pending + " waiting" + (o.lag_ms > 0 ? ", " + Math.round(o.lag_ms / 1000) + " s behind" : "") +
      (o.parked ? ", " + o.parked + " refused" : "") + (o.consecutive_failures ? ", retrying" : "")).join("; ") || "–");
    const n = s.news;
    setText("news-status", !n ? "–" : n.vector_store + " · " + n.embedding_model +
      (n.last_poll_at == null ? " · not polled yet" : " · polled " + fmtTime(n.last_poll_at)) +
      (n.last_error ? " · failing: " + n.last_error :
        (n.last_poll_failures && n.last_poll_failures.length ? " · " + n.last_poll_failures.length + " source(s) failing" : "")));
    renderAdvisor(s.advisor);
    setText("trades-today", s.trades_today);
    setText("last-event", fmtTime(s.last_event_at));
    setText("started", fmtTime(s.started_at));
    renderControls(s);
  }

  function renderPositions(list) {
    syncRows($("positions"), list || [], (p) => p.symbol, (tr, p) => setCells(tr, [
      p.symbol,
      [fmtDec(p.qty), "num"],
      [fmtDec(p.avg_price), "num"],
      [fmtDec(p.mark), "num"],
      [fmtMoney(p.market_value), "num"],
      [fmtMoney(p.unrealised_pnl), "num " + signClass(p.unrealised_pnl)],
      [fmtMoney(p.realised_pnl), "num " + signClass(p.realised_pnl)],
    ]), { cols: 7, text: "No open positions." });
  }

  function renderTrades(list) {
    syncRows($("trades"), list || [], (t) => t.trade_id, (tr, t) => {
      tr._trade = t;
      setCells(tr, [
        fmtTime(t.ts),
        t.symbol,
        [t.side, t.side === "BUY" ? "side-BUY" : "side-SELL"],
        [fmtDec(t.qty), "num"],
        [fmtDec(t.price), "num"],
        [fmtDec(t.fee), "num"],
        t.trade_id,
        t.client_order_id,
        { node: () => button("why?", "why", () => app.explainTrade(tr._trade)) },
      ]);
    }, { cols: 9, text: "No trades yet." });
  }

  // Time left before a proposal expires, by this browser's clock.
  function timeLeft(expiresAt) {
    const secs = Math.floor((Number(expiresAt) - Date.now()) / 1000);
    if (isNaN(secs)) { return { text: "–", soon: false, gone: false }; }
    if (secs <= 0) { return { text: "expired", soon: true, gone: true }; }
    const m = Math.floor(secs / 60);
    return { text: (m ? m + " min " : "") + pad(secs % 60) + " s", soon: secs < 60, gone: false };
  }

  // Appends who advised the decision under `parent`, as text.
  function appendAdvice(parent, a, confidence) {
    const label = adviceLabel(a, confidence);
    if (label == null) { return; }
    const div = el("div", "advice" + (a.kind === "fallback" ? " fallback" : ""));
    div.textContent = label;
    parent.appendChild(div);
  }

  // Pending proposals. The rationale comes from a language model: it goes in as text, never
  // HTML. Rows are kept by id, so the buttons are not replaced under the pointer.
  function renderProposals(data) {
    const tbody = $("proposals");
    const mayDecide = atLeast(app.role(), "trader");
    if (data && data.failed) {
      proposals = [];
      syncRows(tbody, [], null, null, { cols: 8, text: "Could not load proposals: " + data.failed });
      return;
    }
    proposals = (data && data.proposals) || [];
    setText("proposals-count", proposals.length ? "(" + proposals.length + " waiting)" : "");
    syncRows(tbody, proposals, (p) => p.id, (tr, p) => {
      tr._proposal = p;
      setCells(tr, [
        p.symbol,
        [p.side, p.side === "BUY" ? "side-BUY" : "side-SELL"],
        [fmtDec(p.qty), "num"],
        [fmtMoney(p.notional), "num"],
        [fmtConfidence(p.confidence), "num"],
        { cls: "rationale", node: () => {
          const frag = document.createDocumentFragment();
          frag.appendChild(document.createTextNode(typeof p.rationale === "string" && p.rationale ? p.rationale : "–"));
          appendAdvice(frag, p.advisor, p.confidence);
          return frag;
        } },
        { update: (td) => {
          const t = timeLeft(tr._proposal.expires_at);
          if (td.textContent !== t.text) { td.textContent = t.text; }
          td.className = t.soon ? "soon" : "";
        } },
        { cls: mayDecide ? "actions" : "role-hidden", node: () => {
          const frag = document.createDocumentFragment();
          frag.appendChild(button("Approve", "primary", () => decide(tr._proposal, true)));
          frag.appendChild(button("Reject", "", () => decide(tr._proposal, false)));
          return frag;
        }, update: (td) => {
          const gone = timeLeft(tr._proposal.expires_at).gone;
          Array.from(td.querySelectorAll("button")).forEach((b) => { b.disabled = deciding || gone; });
        } },
      ]);
    }, { cols: 8, text: "No proposals waiting for approval." });
  }

  // Counts down every second without asking the server.
  function tickProposals() { if (proposals.length) { renderProposals({ proposals: proposals }); } }

  // Approves or rejects one proposal; a refusal (409: expired, no longer pending, refused by the
  // risk gates at the current price) is shown as the worker said it.
  function decide(p, approve) {
    if (deciding) { return; }
    setText("proposal-error", "");
    setText("proposal-note", "");
    if (typeof p.id !== "string" || !PROPOSAL_ID.test(p.id)) {
      setText("proposal-error", "This proposal cannot be decided from the dashboard (unusual id).");
      return;
    }
    const what = p.side + " " + fmtDec(p.qty) + " " + p.symbol + " (about " + fmtMoney(p.notional) + ")";
    if (approve && !window.confirm("Approve " + what + "?\n\n" +
      "The risk gates check it again at the current price; if they pass, the order is sent.")) {
      return;
    }
    deciding = true;
    tickProposals();
    api("POST", "/api/proposals/" + p.id + (approve ? "/approve" : "/reject"))
      .then((after) => {
        const done = approve ? "Approved " : "Rejected ";
        setText("proposal-note", done + what + " — now " + String(after && after.status || "decided").toLowerCase() + ".");
      })
      .catch((err) => { app.fail(err, "proposal-error"); })
      .then(() => {
        deciding = false;
        app.refreshNow();
      });
  }

  function control(action) {
    setText("control-error", "");
    ["pause", "resume", "kill"].forEach((id) => { $(id).disabled = true; });
    return api("POST", "/api/control", { action: action })
      .then(renderStatus)
      .catch((err) => {
        if (!app.fail(err, "control-error") && lastStatus) { renderStatus(lastStatus); }
      });
  }

  $("pause").addEventListener("click", () => control("pause"));
  $("resume").addEventListener("click", () => control("resume"));
  $("kill").addEventListener("click", () => {
    const ok = window.confirm("KILL SWITCH: halt all trading now and cancel open orders?\n\n" +
      "Trading stays halted, even across restarts, until an admin presses Resume.");
    if (ok) { control("kill"); }
  });
  setInterval(tickProposals, 1000);

  // The equity curve over the whole history at the worker's step, and the latest round trips
  // (up to 500) as markers.
  function loadEquity() {
    return Promise.all([api("GET", "/api/pnl"), api("GET", "/api/round-trips?limit=500")])
      .then((r) => {
        const pnl = r[0];
        const points = (pnl.points || []).map((p) => ({ t: p.ts, equity: p.equity }));
        equity.update(points, r[1].round_trips || []);
        setText("equity-meta", points.length ? points.length + " points, one per " + pnl.step +
          (pnl.max_drawdown != null ? " · max drawdown " + fmtMoney(pnl.max_drawdown) : "") : "no equity recorded yet");
        setText("equity-error", "");
      })
      .catch((err) => app.fail(err, "equity-error"));
  }

  return {
    status: () => lastStatus,
    // Status is read on every page: the banner and the controls are always on show.
    loadStatus: () => api("GET", "/api/status").then(renderStatus),
    loaders: [
      { every: 2000, run: () => api("GET", "/api/positions").then((r) => renderPositions(r.positions)) },
      { every: 2000, run: () => api("GET", "/api/trades?limit=50").then((r) => renderTrades(r.trades)) },
      {
        every: 2000,
        // A worker without proposals (or failing to list them) must not stop the rest.
        run: () => api("GET", "/api/proposals?status=PENDING&limit=50").catch((err) => {
          if (err && err.name === "Unauthorized") { throw err; }
          return { failed: describe(err) };
        }).then(renderProposals),
      },
      { every: 5000, run: loadEquity },
    ],
    rerender: () => {
      if (lastStatus) { renderControls(lastStatus); }
      renderProposals({ proposals: proposals });
    },
  };
}
