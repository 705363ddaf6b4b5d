// The desk's JSON API (docs/desk.md "The API"). The CSRF token is kept in memory only
// (never in storage): it is what the start secret's session gave this page.
let csrf = null;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setCsrf(token) { csrf = token; }
export function hasCsrf() { return !!csrf; }

async function answer(r) {
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json().catch(() => null) : null;
  if (!r.ok) throw new ApiError(r.status, body && body.error ? String(body.error) : "");
  return body;
}

export async function get(path) {
  return answer(await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

export async function post(path, data) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (csrf) headers["X-Parley-CSRF"] = csrf;
  return answer(await fetch(path, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(data) }));
}

export async function start(secret) {
  const r = await post("/api/start", { secret });
  csrf = r && r.csrf ? String(r.csrf) : null;
  return csrf;
}
