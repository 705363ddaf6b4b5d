// The desk's JSON API (docs/desk.md "The API"). Every request carries the session's token:
// the cookie alone is not enough, since browsers send it to every port of 127.0.0.1. The
// token is kept in sessionStorage (this origin, so this port, and this tab), so a reload
// keeps it; a new tab has none and reads nothing.
const KEY = "parley.csrf";
let csrf = null;
try { csrf = sessionStorage.getItem(KEY); } catch { csrf = null; }

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The session ended (idle, or past its maximum: docs/desk.md "The session's life"): the desk answers
// 401 {"session": "ended", "reason"}; the token is dropped and the page is told once.
let onEnded = null;
export function onSessionEnded(fn) { onEnded = fn; }

export function setCsrf(token) {
  csrf = token;
  try { if (token) sessionStorage.setItem(KEY, token); } catch { /* this page only */ }
}
export function hasCsrf() { return !!csrf; }

// A GET link (a download) with the token as its csrf argument.
export function withToken(path) {
  return path + (path.includes("?") ? "&" : "?") + "csrf=" + encodeURIComponent(csrf || "");
}

async function answer(r) {
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json().catch(() => null) : null;
  if (r.status === 401 && body && body.session === "ended") {
    csrf = null;
    try { sessionStorage.removeItem(KEY); } catch { /* this page only */ }
    if (onEnded) onEnded(String(body.reason || ""));
  }
  if (!r.ok) throw new ApiError(r.status, body && body.error ? String(body.error) : "");
  return body;
}

export async function get(path) {
  const headers = { Accept: "application/json" };
  if (csrf) headers["X-Parley-CSRF"] = csrf;
  return answer(await fetch(path, { credentials: "same-origin", headers }));
}

export async function post(path, data) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (csrf) headers["X-Parley-CSRF"] = csrf;
  return answer(await fetch(path, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(data) }));
}

export async function start(secret) {
  const r = await post("/api/start", { secret });
  setCsrf(r && r.csrf ? String(r.csrf) : null);
  return csrf;
}
