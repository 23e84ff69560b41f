// Talking to the web tier: the session's token, JSON requests, and what a failure means.

const TOKEN_KEY = "mirai.token";

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(t) { sessionStorage.setItem(TOKEN_KEY, t); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

// The session has ended (401 on anything but the login itself): back to the sign-in form.
export class Unauthorized extends Error {
  constructor() { super("your session has ended"); this.name = "Unauthorized"; }
}

// Any other failure: the status, the server's message, the fields it named (422), and for a
// 429 how long to wait (its Retry-After, in seconds).
export class HttpError extends Error {
  constructor(status, data, retryAfter) {
    super(data && data.error ? data.error : "request failed (" + status + ")");
    this.name = "HttpError";
    this.status = status;
    this.code = data && data.code;
    this.fields = data && Array.isArray(data.fields) ? data.fields : null;
    this.retryAfter = retryAfter;
  }
}

export function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  const t = token();
  if (t) { headers["Authorization"] = "Bearer " + t; }
  const init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init).then((resp) => {
    if (resp.status === 401 && path !== "/api/auth/login") { throw new Unauthorized(); }
    return resp.json().catch(() => ({})).then((data) => {
      if (!resp.ok) {
        const retry = Number(resp.headers.get("Retry-After"));
        throw new HttpError(resp.status, data, isNaN(retry) ? null : retry);
      }
      return data;
    });
  });
}

// A route this server may not have yet (risk limits, audit, users, live approval): `null` when
// it answers 404 or 405, so the page can hide its panel.
export function optional(method, path, body) {
  return api(method, path, body).catch((err) => {
    if (err instanceof HttpError && (err.status === 404 || err.status === 405)) { return null; }
    throw err;
  });
}

// A message for a failure, with the fields a 422 named.
export function describe(err) {
  if (!err) { return "request failed"; }
  if (err.fields && err.fields.length) {
    return err.message + ": " + err.fields.map((f) => f.field + " " + f.message).join("; ");
  }
  return err.message || "request failed";
}

// The roles in order: each may do everything the ones before it may.
export const ROLES = ["viewer", "trader", "admin"];
export function atLeast(role, minimum) { return ROLES.indexOf(role) >= ROLES.indexOf(minimum); }
