// Formatting and DOM helpers shared by every page. Everything the server sends goes into the page
// as text (textContent), never as HTML: reasons and rationales quote venues and models.

export function $(id) { return document.getElementById(id); }
export function show(el, on) { el.classList.toggle("hidden", !on); }
export function setText(id, text) {
  const el = typeof id === "string" ? $(id) : id;
  const t = text == null ? "–" : String(text);
  if (el.textContent !== t) { el.textContent = t; }
}

// Decimal strings stay strings: grouped for reading, never rounded through floats. Rounds a
// decimal string to `dp` places, half away from zero, without going through floating point: the
// server's figures are exact and the page must not invent digits.
export function roundDec(s, dp) {
  if (s == null) { return s; }
  s = String(s);
  const neg = s.charAt(0) === "-";
  if (neg) { s = s.slice(1); }
  const parts = s.split(".");
  const frac = (parts[1] || "") + "0".repeat(dp + 1);
  let digits = BigInt(parts[0] + frac.slice(0, dp));
  if (Number(frac.charAt(dp)) >= 5) { digits += 1n; }
  const str = digits.toString().padStart(dp + 1, "0");
  const out = dp ? str.slice(0, -dp) + "." + str.slice(-dp) : str;
  return (neg && /[1-9]/.test(out) ? "-" : "") + out;
}

export function fmtDec(s, keepZeros) {
  if (s == null) { return "–"; }
  s = String(s);
  const neg = s.charAt(0) === "-";
  if (neg) { s = s.slice(1); }
  const parts = s.split(".");
  const int = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = parts.length > 1 ? (keepZeros ? parts[1] : parts[1].replace(/0+$/, "")) : "";
  return (neg ? "-" : "") + int + (frac ? "." + frac : "");
}
export function fmtMoney(s) { return s == null ? "–" : fmtDec(roundDec(s, 2), true); }

// Compares two non-negative decimal strings exactly (-1, 0, 1), without floating point.
export function cmpDec(a, b) {
  const pa = String(a).split("."), pb = String(b).split(".");
  const fa = pa[1] || "", fb = pb[1] || "";
  const n = Math.max(fa.length, fb.length);
  const x = BigInt(pa[0] + fa.padEnd(n, "0")), y = BigInt(pb[0] + fb.padEnd(n, "0"));
  return x < y ? -1 : (x > y ? 1 : 0);
}
// A model's cost is often a fraction of a cent: four places, so it does not read as zero.
export function fmtUsd(s) { return s == null ? "–" : "$" + fmtDec(roundDec(s, 4), false); }
export function signClass(s) {
  if (s == null) { return ""; }
  s = String(s);
  if (s.charAt(0) === "-") { return "neg"; }
  return /[1-9]/.test(s) ? "pos" : "";
}
// A ratio (0.0123 as a string or number) as a percentage with `dp` places.
export function fmtRatioPct(r, dp) {
  if (r == null || r === "") { return "–"; }
  const n = Number(r);
  return isNaN(n) ? "–" : (n * 100).toFixed(dp == null ? 2 : dp) + " %";
}
// A figure already in percent (backtest metrics).
export function fmtPct(p, dp) {
  if (p == null || p === "") { return "–"; }
  const n = Number(p);
  return isNaN(n) ? "–" : n.toFixed(dp == null ? 2 : dp) + " %";
}
export function fmtNum(x, dp) {
  if (x == null || x === "") { return "–"; }
  const n = Number(x);
  return isNaN(n) ? String(x) : n.toFixed(dp == null ? 2 : dp);
}
export function fmtConfidence(c) {
  const n = Number(c);
  return c == null || isNaN(n) ? "–" : Math.round(n * 100) + "%";
}
// Who advised one decision: the model (its name and confidence), or the rules after the model's
// answer could not be used, with the reason. `null` when the hit does not say.
export function adviceLabel(a, confidence) {
  if (!a || typeof a !== "object") { return null; }
  if (a.kind === "fallback") {
    return "fallback: " + (typeof a.reason === "string" && a.reason ? a.reason : "no reason recorded") +
      (a.model ? " (model " + a.model + ")" : "");
  }
  if (a.kind === "model") {
    return "advised by " + (a.model || "the model") +
      (confidence == null ? "" : " · confidence " + fmtConfidence(confidence)) + (a.abstained ? " · abstained" : "");
  }
  if (a.kind === "rules") { return "decided by the rules"; }
  return null;
}

export function pad(n) { return (n < 10 ? "0" : "") + n; }
export function fmtTime(ms) {
  if (ms == null) { return "–"; }
  const d = new Date(Number(ms));
  if (isNaN(d.getTime())) { return "–"; }
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
    pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}
// A duration in milliseconds as "3 d 4 h", "2 h 5 min", "4 min 10 s" or "12 s".
export function fmtDuration(ms) {
  if (ms == null || isNaN(Number(ms))) { return "–"; }
  let s = Math.max(0, Math.round(Number(ms) / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) { return d + " d" + (h ? " " + h + " h" : ""); }
  if (h) { return h + " h" + (m ? " " + m + " min" : ""); }
  if (m) { return m + " min" + (s ? " " + s + " s" : ""); }
  return s + " s";
}

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text != null) { e.textContent = String(text); }
  return e;
}

export function button(label, cls, onClick) {
  const b = el("button", cls, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

// Sets a row's cells in place: each spec is text, `[text, className]`, or `{node}` (built once,
// the first time, and kept). Only what changed is written, so nothing flickers and a button is
// never replaced under the pointer.
export function setCells(tr, specs) {
  specs.forEach((spec, i) => {
    let td = tr.children[i];
    if (!td) { td = document.createElement("td"); tr.appendChild(td); }
    if (spec && typeof spec === "object" && !Array.isArray(spec)) {
      if (spec.cls != null && td.className !== spec.cls) { td.className = spec.cls; }
      if (!td.firstChild && spec.node) { td.appendChild(spec.node()); }
      if (spec.update) { spec.update(td); }
      return;
    }
    const [text, cls] = Array.isArray(spec) ? spec : [spec, ""];
    const t = text == null ? "–" : String(text);
    if (td.textContent !== t) { td.textContent = t; }
    if (td.className !== (cls || "")) { td.className = cls || ""; }
  });
  while (tr.children.length > specs.length) { tr.lastChild.remove(); }
}

// Brings `tbody` to `items` in order, keeping the rows whose key is still there (updated in
// place by `render(tr, item)`), adding new ones and removing the rest: a poll never rebuilds a
// table, so scroll positions, selections and focus survive. With no item, one row says `empty`.
export function syncRows(tbody, items, keyOf, render, empty) {
  if (!items || items.length === 0) {
    const only = tbody.children.length === 1 ? tbody.firstElementChild : null;
    if (only && only.dataset.empty === empty.text) { return; }
    tbody.replaceChildren();
    const tr = el("tr");
    tr.dataset.empty = empty.text;
    const td = el("td", "empty", empty.text);
    td.colSpan = empty.cols;
    tr.appendChild(td);
    tbody.appendChild(tr);
    return;
  }
  const old = new Map();
  Array.from(tbody.children).forEach((tr) => {
    if (tr.dataset.key != null) { old.set(tr.dataset.key, tr); } else { tr.remove(); }
  });
  let prev = null;
  items.forEach((item) => {
    const key = String(keyOf(item));
    let tr = old.get(key);
    if (tr) { old.delete(key); } else { tr = el("tr"); tr.dataset.key = key; }
    render(tr, item);
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (want !== tr) { tbody.insertBefore(tr, want); }
    prev = tr;
  });
  old.forEach((tr) => tr.remove());
}

// Merges a fresh first page into what is already listed (older pages the user loaded stay),
// newest first by `timeOf`, one entry per key.
export function mergeNewest(fresh, existing, keyOf, timeOf) {
  const seen = new Set();
  const out = [];
  fresh.concat(existing).forEach((x) => {
    const k = keyOf(x);
    if (!seen.has(k)) { seen.add(k); out.push(x); }
  });
  return out.sort((a, b) => Number(timeOf(b)) - Number(timeOf(a)));
}

// Fills a `<select>` with symbols once (keeping its first "all" option).
export function fillSymbols(ids, symbols) {
  ids.forEach((id) => {
    const sel = $(id);
    if (sel.options.length > 1) { return; }
    (symbols || []).forEach((sym) => {
      const o = el("option", null, sym);
      o.value = sym;
      sel.appendChild(o);
    });
  });
}
