// The admin page: risk limits, live-trading approval, users and the audit log. Each panel is
// shown only when the server answers its route (a 404 hides it), so the page works against a
// server that has only some of them. The shapes are the routes' (docs/dashboard.md):
//   GET/PUT /api/risk          {limits: {...}, source, updated_by, updated_at}; PUT {limits}
//   GET /api/live              {approved, approved_by, approved_at, expires_at, expired, ...}
//   POST /api/live/approve     {password, confirm, override?}; POST /api/live/revoke
//   GET/POST /api/users        {users: [...]}; POST {name, role, password}
//   PUT/DELETE /api/users/NAME {role?, password?}
//   GET /api/audit             {entries: [...], next, verified, verified_through, broken_at, ...}

import { api, optional } from "./api.js";
import { $, show, setText, fmtTime, fmtDuration, setCells, syncRows, el, button } from "./util.js";

const RISK = "/api/risk";
const LIVE = "/api/live";
const USERS = "/api/users";
const AUDIT = "/api/audit";
const ROLES = ["viewer", "trader", "admin"];

// Words for the risk limits the worker has today; any other field shows under its own name.
const RISK_LABELS = {
  max_order_notional: "Largest order (quote currency)",
  max_position_pct: "Largest position (fraction of equity)",
  max_total_exposure_pct: "Largest total exposure (fraction of equity)",
  max_daily_loss_pct: "Daily loss that stops buying (fraction)",
  max_trades_per_day: "Trades per day",
  max_consecutive_losses: "Losses in a row before a cooldown",
  cooldown_ms: "Cooldown (ms)",
  min_confidence: "Least confidence to trade (0–1)",
  news_embargo_ms: "No entry after news for (ms)",
};

function label(name) { return RISK_LABELS[name] || name.replace(/_/g, " "); }

export function createAdmin(app) {
  const present = { risk: false, live: false, users: false, audit: false };
  let riskShape = null; // {wrapped: bool, values: {name: value}}
  let auditItems = [];
  let auditCursor = null;

  function setPresent(name, on) {
    present[name] = on;
    $(name + "-panel").classList.toggle("absent", !on);
    const any = Object.keys(present).some((k) => present[k]);
    show($("admin-none"), !any);
  }

  // ---- Risk limits: one input per limit the server reports; PUT sends them all back. -------
  function renderRisk(data) {
    const wrapped = !!(data && typeof data.limits === "object" && data.limits);
    const values = wrapped ? data.limits : data;
    riskShape = { wrapped: wrapped, values: values };
    const box = $("risk-fields");
    Object.keys(values).forEach((name) => {
      const v = values[name];
      if (v !== null && typeof v === "object") { return; }
      let input = box.querySelector("input[name='" + name + "']");
      if (!input) {
        const lab = el("label", null, label(name));
        input = el("input");
        input.name = name;
        input.dataset.kind = typeof v;
        input.inputMode = "decimal";
        lab.appendChild(input);
        box.appendChild(lab);
      }
      // Never overwrite what the admin is typing.
      if (document.activeElement !== input && !input.dataset.dirty) { input.value = v == null ? "" : String(v); }
    });
    let source = "";
    if (data && data.source === "dashboard") {
      source = "In force: set from the dashboard" + (data.updated_by ? " by " + data.updated_by : "") +
        (data.updated_at ? " at " + fmtTime(data.updated_at) : "") +
        "; these win over the environment's and STRATEGY_FILE's limits.";
    } else if (data && data.source === "configuration") {
      source = "In force: the configuration's (environment variables, STRATEGY_FILE's [risk], or the defaults).";
    }
    setText("risk-source", source);
  }

  $("risk-fields").addEventListener("input", (ev) => {
    if (ev.target.name) {
      ev.target.dataset.dirty = "1";
      ev.target.removeAttribute("aria-invalid");
    }
  });

  $("risk-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!riskShape) { return; }
    setText("risk-error", "");
    setText("risk-note", "");
    const values = {};
    $("risk-fields").querySelectorAll("input").forEach((input) => {
      const raw = input.value.trim();
      values[input.name] = input.dataset.kind === "number" && raw !== "" && !isNaN(Number(raw)) ? Number(raw) : raw;
    });
    const body = riskShape.wrapped ? { limits: values } : values;
    $("risk-save").disabled = true;
    api("PUT", RISK, body)
      .then((after) => {
        $("risk-fields").querySelectorAll("input").forEach((input) => { delete input.dataset.dirty; });
        if (after && typeof after === "object" && Object.keys(after).length) { renderRisk(after); }
        setText("risk-note", "Saved. The next order is checked against these limits.");
      })
      .catch((err) => {
        // Mark the inputs the server named (`limits.max_position_pct`).
        (err && err.fields || []).forEach((f) => {
          const input = $("risk-fields").querySelector("input[name='" + String(f.field).replace(/^limits\./, "") + "']");
          if (input) { input.setAttribute("aria-invalid", "true"); }
        });
        app.fail(err, "risk-error");
      })
      .then(() => { $("risk-save").disabled = false; });
  });

  // ---- Live approval: the state, approve (password again + typed phrase), revoke. ----------
  function renderLive(state) {
    const s = state || {};
    const rows = [];
    if (s.approved) {
      rows.push(["State", "APPROVED until " + fmtTime(s.expires_at)]);
    } else if (s.expired) {
      rows.push(["State", "Expired at " + fmtTime(s.expires_at) + " — not approved"]);
    } else {
      rows.push(["State", "Not approved"]);
    }
    if (s.approved_by) { rows.push(["Approved by", s.approved_by]); }
    if (s.approved_at) { rows.push(["Approved at", fmtTime(s.approved_at)]); }
    rows.push(["Configured for live", s.live_configured ? "yes (DRY_RUN=false, BINANCE_ENV=live)" : "no"]);
    if (s.approval_hours) { rows.push(["An approval lasts", fmtDuration(s.approval_hours * 3600000)]); }
    const dl = $("live-state");
    dl.replaceChildren();
    rows.forEach(([k, v]) => {
      dl.appendChild(el("dt", null, k));
      dl.appendChild(el("dd", null, v));
    });
    if (s.confirm) { setText("live-phrase", s.confirm); }
    $("live-approve").disabled = !!s.approved;
    $("live-revoke").disabled = !(s.approved || s.expired || s.approved_by);
  }

  $("live-approve").addEventListener("click", () => {
    setText("live-error", "");
    setText("live-note", "");
    const body = { password: $("live-password").value, confirm: $("live-confirm").value.trim() };
    const reason = $("live-override").value.trim();
    if (reason) { body.override = reason; }
    $("live-approve").disabled = true;
    api("POST", LIVE + "/approve", body)
      .then((after) => {
        renderLive(after);
        $("live-confirm").value = "";
        $("live-override").value = "";
        setText("live-note", "Live trading approved until " + fmtTime(after && after.expires_at) + ".");
      })
      .catch((err) => {
        $("live-approve").disabled = false;
        app.fail(err, "live-error");
      })
      // The password is never kept in the page.
      .then(() => { $("live-password").value = ""; });
  });

  $("live-revoke").addEventListener("click", () => {
    setText("live-error", "");
    setText("live-note", "");
    if (!window.confirm("Revoke the live-trading approval? The next live order is refused.")) { return; }
    api("POST", LIVE + "/revoke")
      .then((after) => { renderLive(after); setText("live-note", "Approval revoked."); })
      .catch((err) => app.fail(err, "live-error"));
  });

  // ---- Users: name, role (changed in place), state, times; add and remove. -----------------
  function userPath(name) { return USERS + "/" + encodeURIComponent(name); }

  function changeRole(name, select) {
    setText("users-error", "");
    setText("users-note", "");
    api("PUT", userPath(name), { role: select.value })
      .then((u) => { setText("users-note", name + " is now " + (u && u.role || select.value) + "."); return loadUsers(); })
      .catch((err) => { app.fail(err, "users-error"); return loadUsers(); });
  }

  function removeUser(name) {
    setText("users-error", "");
    setText("users-note", "");
    if (!window.confirm("Remove the user " + name + "? Their sessions end at their next request.")) { return; }
    api("DELETE", userPath(name))
      .then(() => { setText("users-note", name + " removed."); return loadUsers(); })
      .catch((err) => app.fail(err, "users-error"));
  }

  function renderUsers(data) {
    const list = Array.isArray(data) ? data : (data && data.users) || [];
    syncRows($("users"), list, (u) => u.name, (tr, u) => setCells(tr, [
      u.name,
      { node: () => {
        const sel = el("select");
        sel.setAttribute("aria-label", "Role of " + u.name);
        ROLES.forEach((r) => { const o = el("option", null, r); o.value = r; sel.appendChild(o); });
        sel.addEventListener("change", () => changeRole(u.name, sel));
        return sel;
      }, update: (td) => {
        const sel = td.firstChild;
        if (sel && document.activeElement !== sel && sel.value !== u.role) { sel.value = u.role; }
      } },
      u.disabled ? "disabled" : "enabled",
      fmtTime(u.created_at),
      fmtTime(u.updated_at),
      { cls: "actions", node: () => button("Remove", null, () => removeUser(u.name)) },
    ]), { cols: 6, text: "No users." });
  }

  $("user-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setText("users-error", "");
    setText("users-note", "");
    const name = $("user-name").value.trim();
    const body = { name: name, role: $("user-role").value, password: $("user-password").value };
    $("user-add").disabled = true;
    api("POST", USERS, body)
      .then((u) => {
        $("user-name").value = "";
        setText("users-note", "Added " + (u && u.name || name) + " (" + (u && u.role || body.role) + ").");
        return loadUsers();
      })
      .catch((err) => app.fail(err, "users-error"))
      .then(() => { $("user-password").value = ""; $("user-add").disabled = false; });
  });

  // ---- Audit log: newest first, paged, with the state of its hash chain. -------------------
  function auditList(page) { return (page && (page.entries || page.audit || page.events)) || []; }
  function renderVerified(page) {
    if (!page || page.verified == null) { return; }
    const p = $("audit-verified");
    if (page.verified) {
      p.className = "hint";
      p.textContent = "Hash chain verified through entry " + page.verified_through + ".";
    } else {
      p.className = "error";
      p.textContent = "Hash chain BROKEN at entry " + page.broken_at + (page.broken_reason ? ": " + page.broken_reason : "") +
        ". The log was changed behind the worker's back; restore the store from a backup (docs/runbook.md).";
    }
  }
  function renderAudit() {
    syncRows($("audit"), auditItems, (e) => e.seq, (tr, e) => setCells(tr, [
      [e.seq, "num"],
      fmtTime(e.ts),
      e.kind,
      e.actor,
      { cls: "wrap", update: (td) => {
        let pre = td.firstChild;
        if (!pre) { pre = el("pre", "payload"); td.appendChild(pre); }
        const text = e.payload == null ? "" : JSON.stringify(e.payload);
        if (pre.textContent !== text) { pre.textContent = text; }
      } },
    ]), { cols: 5, text: "The audit log is empty." });
    $("audit-older").disabled = !auditCursor;
  }
  function loadAudit() {
    return optional("GET", AUDIT + "?limit=50").then((page) => {
      setPresent("audit", page != null);
      if (page == null) { return; }
      renderVerified(page);
      const seen = new Set(auditItems.map((e) => e.seq));
      const fresh = auditList(page).filter((e) => !seen.has(e.seq));
      auditItems = fresh.concat(auditItems).sort((a, b) => Number(b.seq) - Number(a.seq));
      if (auditCursor == null) { auditCursor = page.next || null; }
      renderAudit();
    });
  }
  $("audit-older").addEventListener("click", () => {
    if (!auditCursor) { return; }
    api("GET", AUDIT + "?limit=50&cursor=" + encodeURIComponent(auditCursor)).then((page) => {
      const seen = new Set(auditItems.map((e) => e.seq));
      auditItems = auditItems.concat(auditList(page).filter((e) => !seen.has(e.seq)));
      auditCursor = page.next || null;
      renderAudit();
    }).catch((err) => app.fail(err, "audit-error"));
  });

  function loadRisk() {
    return optional("GET", RISK).then((d) => { setPresent("risk", d != null); if (d != null) { renderRisk(d); } });
  }
  function loadLive() {
    return optional("GET", LIVE).then((d) => { setPresent("live", d != null); if (d != null) { renderLive(d); } });
  }
  function loadUsers() {
    return optional("GET", USERS).then((d) => { setPresent("users", d != null); if (d != null) { renderUsers(d); } });
  }

  // Once after sign-in: which panels this server has. The admin tab goes when it has none.
  function probe() {
    return Promise.all([loadRisk(), loadLive(), loadUsers(), loadAudit()]).then(() => {
      const any = Object.keys(present).some((k) => present[k]);
      $("nav-admin").classList.toggle("absent", !any);
    });
  }

  function reset() {
    auditItems = [];
    auditCursor = null;
    riskShape = null;
    $("risk-fields").replaceChildren();
    $("users").replaceChildren();
    $("live-password").value = "";
    setText("audit-verified", "");
  }

  return {
    probe: probe,
    reset: reset,
    // While the page is open: only the panels the server has.
    loaders: [
      { every: 10000, run: () => (present.risk ? loadRisk() : null), errorId: "risk-error" },
      { every: 10000, run: () => (present.live ? loadLive() : null), errorId: "live-error" },
      { every: 10000, run: () => (present.users ? loadUsers() : null), errorId: "users-error" },
      { every: 5000, run: () => (present.audit ? loadAudit() : null), errorId: "audit-error" },
    ],
  };
}
