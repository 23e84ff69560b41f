// The search page: the agent's rationales ("why did it trade?") and the news it read.

import { api } from "./api.js";
import { $, setText, fmtTime, el, adviceLabel } from "./util.js";

// Search results: every field goes in as text, never as HTML; links only for http(s) URLs.
function renderHits(listId, hits, emptyText) {
  const ul = $(listId);
  ul.replaceChildren();
  if (!hits || hits.length === 0) {
    ul.appendChild(el("li", "empty", emptyText));
    return;
  }
  hits.forEach((h) => {
    const li = el("li");
    const title = el("div", "title");
    if (typeof h.url === "string" && /^https?:\/\//i.test(h.url)) {
      const a = el("a", null, h.title);
      a.href = h.url;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      title.appendChild(a);
    } else {
      title.textContent = h.title;
    }
    const meta = el("div", "meta", [h.symbol || "all symbols", fmtTime(h.published_at), h.source,
      h.score == null ? null : "score " + Number(h.score).toFixed(3)].filter((x) => x != null).join(" · "));
    li.appendChild(title);
    li.appendChild(meta);
    const label = adviceLabel(h.advisor, h.confidence);
    if (label != null) { li.appendChild(el("div", "advice" + (h.advisor.kind === "fallback" ? " fallback" : ""), label)); }
    li.appendChild(el("p", "text", h.text));
    ul.appendChild(li);
  });
}

export function createSearch(app) {
  function search(kind, params, errorId, listId, emptyText) {
    setText(errorId, "");
    const qs = Object.keys(params).filter((k) => params[k] !== "" && params[k] != null)
      .map((k) => encodeURIComponent(k) + "=" + encodeURIComponent(params[k])).join("&");
    return api("GET", "/api/" + kind + "/search?" + qs)
      .then((data) => { renderHits(listId, data.results, emptyText); })
      .catch((err) => { app.fail(err, errorId); });
  }

  $("news-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("news-q").value.trim();
    if (!q) { setText("news-error", "Type something to search for."); return; }
    search("news", { q: q, symbol: $("news-symbol").value, since: $("news-since").value, limit: 10 },
      "news-error", "news-results", "No news matches.");
  });
  $("why-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("why-q").value.trim();
    if (!q) { setText("why-error", "Type something to search for."); return; }
    search("rationales", { q: q, symbol: $("why-symbol").value, limit: 10 },
      "why-error", "why-results", "No rationale matches.");
  });

  // The ledger links a fill to the decision that placed its order: show that rationale exactly.
  // Without it (an older worker), search for the decision a few bars before the fill.
  function explainTrade(t) {
    app.goTo("search");
    if (typeof t.rationale === "string" && t.rationale) {
      setText("why-error", "");
      $("why-q").value = "";
      renderHits("why-results", [{
        title: (t.side === "BUY" ? "Buy " : "Sell ") + t.symbol + " — trade " + t.trade_id,
        symbol: t.symbol, published_at: t.ts, source: "decision " + (t.decision_id || ""),
        score: null, text: t.rationale, url: null, advisor: t.advisor, confidence: t.confidence,
      }], "");
      return;
    }
    const q = (t.side === "BUY" ? "Buy " : "Sell ") + t.symbol;
    $("why-q").value = q;
    $("why-symbol").value = t.symbol;
    search("rationales", { q: q, symbol: t.symbol, since: Number(t.ts) - 10 * 60000, until: Number(t.ts), limit: 3 },
      "why-error", "why-results", "No rationale found for this trade yet (it may still be on its way).");
  }

  return { explainTrade: explainTrade };
}
