// The dashboard's entry point: sign-in (with the lockout's duration), the signed-in user's role
// (which controls show), the pages, and one polling loop that refreshes only what is on screen.
// Every page updates its DOM in place (util.js syncRows/setCells) and its charts with setData.

import { api, token, setToken, clearToken, Unauthorized, HttpError, describe, atLeast, ROLES } from "./api.js";
import { $, show, setText, fmtTime, pad, fillSymbols } from "./util.js";
import { createOverview } from "./overview.js";
import { createHistory } from "./history.js";
import { createBacktests } from "./backtests.js";
import { createSearch } from "./search.js";
import { createAdmin } from "./admin.js";

const TICK_MS = 1000;
const PAGES = ["overview", "trades", "decisions", "backtests", "search", "admin"];

let role = "viewer";
let page = "overview";
let timer = null;
let busy = false;
let again = false;
let lockTimer = null;
const lastRun = new Map();

const app = {
  role: () => role,
  symbols: (list) => fillSymbols(["news-symbol", "why-symbol", "decisions-symbol"], list),
  // Shows a failure under `target`; a session that ended goes back to sign-in. True if it did.
  fail: (err, target) => {
    if (err instanceof Unauthorized) { toLogin("Your session has ended. Please sign in again."); return true; }
    if (target) { setText(target, describe(err)); }
    return false;
  },
  refreshNow: () => { lastRun.clear(); tick(); },
  goTo: (name) => goTo(name),
  explainTrade: (t) => search.explainTrade(t),
};

const overview = createOverview(app);
const roundTrips = createHistory(app);
const backtests = createBacktests(app);
const search = createSearch(app);
const admin = createAdmin(app);

const statusLoader = {
  every: 2000,
  run: () => overview.loadStatus().then(() => {
    show($("stale"), false);
    setText("updated", "updated " + fmtTime(Date.now()));
  }),
  onError: (err) => {
    $("stale").textContent = "Could not refresh: " + describe(err) + ". Showing the last data received.";
    show($("stale"), true);
  },
};

function loadersOf(name) {
  switch (name) {
    case "overview": return overview.loaders;
    case "trades": return roundTrips.trades;
    case "decisions": return roundTrips.decisions;
    case "backtests": return backtests.loaders;
    case "admin": return admin.loaders;
    default: return [];
  }
}

function every(loader) { return typeof loader.every === "function" ? loader.every() : loader.every; }

function schedule() {
  if (timer) { clearTimeout(timer); }
  timer = setTimeout(tick, TICK_MS);
}

// Runs every loader of the status bar and the page on show whose interval has passed.
function tick() {
  if (!token()) { toLogin(""); return; }
  if (busy) { again = true; return; }
  busy = true;
  const now = Date.now();
  const due = [statusLoader].concat(loadersOf(page)).filter((l) => now - (lastRun.get(l) || 0) >= every(l));
  const runs = due.map((l) => {
    lastRun.set(l, now);
    return Promise.resolve().then(l.run).then(
      () => { if (l.errorId) { setText(l.errorId, ""); } },
      (err) => {
        if (err instanceof Unauthorized) { throw err; }
        if (l.onError) { l.onError(err); } else if (l.errorId) { setText(l.errorId, describe(err)); }
        else { statusLoader.onError(err); }
      });
  });
  Promise.all(runs)
    .catch((err) => { app.fail(err); })
    .then(() => {
      busy = false;
      if (!token()) { return; }
      if (again) { again = false; tick(); } else { schedule(); }
    });
}

function goTo(name) {
  if (PAGES.indexOf(name) < 0 || (name === "admin" && !atLeast(role, "admin"))) { name = "overview"; }
  page = name;
  document.querySelectorAll("#nav button[data-page]").forEach((b) => {
    if (b.dataset.page === name) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
  });
  document.querySelectorAll(".page[data-page]").forEach((p) => show(p, p.dataset.page === name));
  if (location.hash !== "#" + name) { window.history.replaceState(null, "", "#" + name); }
  if (token() && !$("app").classList.contains("hidden")) { app.refreshNow(); }
}

// Hides what the role may not do (`data-min-role`); the server refuses it anyway (403).
function applyRole(r) {
  role = ROLES.indexOf(r) >= 0 ? r : "viewer";
  document.querySelectorAll("[data-min-role]").forEach((e) => {
    e.classList.toggle("role-hidden", !atLeast(role, e.dataset.minRole));
  });
  setText("who-role", role);
  overview.rerender();
  if (page === "admin" && !atLeast(role, "admin")) { goTo("overview"); }
}

function toLogin(message) {
  clearToken();
  sessionStorage.removeItem("mirai.user");
  sessionStorage.removeItem("mirai.role");
  if (timer) { clearTimeout(timer); timer = null; }
  lastRun.clear();
  admin.reset();
  ["app", "logout", "nav", "who"].forEach((id) => show($(id), false));
  show($("login"), true);
  setText("login-error", message || "");
  $("password").value = "";
  $("username").focus();
}

function toApp() {
  show($("login"), false);
  ["app", "logout", "nav", "who"].forEach((id) => show($(id), true));
  setText("login-error", "");
  setText("control-error", "");
  setText("who-user", sessionStorage.getItem("mirai.user") || "");
  applyRole(sessionStorage.getItem("mirai.role") || "viewer");
  goTo(location.hash ? location.hash.slice(1) : "overview");
  // Who the token is now: its role may have been lowered since sign-in.
  api("GET", "/api/me")
    .then((me) => {
      sessionStorage.setItem("mirai.user", me.user);
      sessionStorage.setItem("mirai.role", me.role);
      setText("who-user", me.user);
      applyRole(me.role);
    })
    .catch((err) => {
      if (err instanceof Unauthorized) { app.fail(err); return; }
      // A server without /api/me: keep the role the sign-in answered with.
    })
    .then(() => {
      if (!token() || !atLeast(role, "admin")) { return null; }
      return admin.probe().catch((err) => { app.fail(err); });
    })
    .then(() => { if (page === "admin") { app.refreshNow(); } });
}

// "1 minute", "15 minutes", "40 seconds".
function duration(secs) {
  if (secs < 60) { return secs + (secs === 1 ? " second" : " seconds"); }
  const m = Math.ceil(secs / 60);
  return m + (m === 1 ? " minute" : " minutes");
}

// A lockout: how long it lasts, and a countdown until the form may be used again.
function lockedOut(secs) {
  const until = Date.now() + secs * 1000;
  const head = "Too many failed sign-ins. Sign-in is locked for " + duration(secs) + ". ";
  const button = $("login-button");
  button.disabled = true;
  if (lockTimer) { clearInterval(lockTimer); }
  const update = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(lockTimer);
      lockTimer = null;
      button.disabled = false;
      setText("login-error", "You can try to sign in again now.");
      return;
    }
    setText("login-error", head + "Try again in " + Math.floor(left / 60) + ":" + pad(left % 60) + ".");
  };
  update();
  lockTimer = setInterval(update, 1000);
}

$("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const button = $("login-button");
  if (button.disabled) { return; }
  button.disabled = true;
  setText("login-error", "");
  let locked = false;
  api("POST", "/api/auth/login", { username: $("username").value, password: $("password").value })
    .then((data) => {
      setToken(data.token);
      sessionStorage.setItem("mirai.user", data.user || $("username").value);
      sessionStorage.setItem("mirai.role", data.role || "viewer");
      $("password").value = "";
      toApp();
    })
    .catch((err) => {
      if (err instanceof HttpError && err.status === 429) {
        locked = true;
        lockedOut(err.retryAfter && err.retryAfter > 0 ? err.retryAfter : 60);
        return;
      }
      setText("login-error", err instanceof HttpError && err.status === 401 ? "Wrong username or password." : describe(err));
    })
    .then(() => { if (!locked) { button.disabled = false; } });
});

$("logout").addEventListener("click", () => toLogin(""));
document.querySelectorAll("#nav button[data-page]").forEach((b) => {
  b.addEventListener("click", () => goTo(b.dataset.page));
});
window.addEventListener("hashchange", () => { if (token()) { goTo(location.hash.slice(1)); } });
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && token() && !$("app").classList.contains("hidden")) { app.refreshNow(); }
});

if (token()) { toApp(); } else { toLogin(""); }
