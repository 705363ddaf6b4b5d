// A stand-in for `parley desk` that follows docs/desk.md's contract with fixture data:
// the page's own tests (page.mjs) and the inbox benchmark (bench/desk.sh) run against it
// where a real node with the data would be too slow to build (10,000 cases) or where the
// point is the page, not the server. The real desk is tested by desk.mjs.
//
//   node mock-desk.mjs WEBDIR [--items N] [--secret S] [--schemas DIR]
// prints "desk: http://127.0.0.1:PORT/start#SECRET" and serves until killed.
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const web = args[0];
const nItems = Number(opt("--items", "40"));
const secret = opt("--secret", randomBytes(32).toString("base64url"));
const schemas = opt("--schemas", new URL("../../docs/schemas", import.meta.url).pathname);
const AGENCY = opt("--agency", "ru.gp");
const PROFILES = opt("--profiles", "cyber-mla").split(",");
const staticDir = opt("--static-dir", null); // the benchmark's static copy of the final HTML
const HOSTILE = '<img src=x onerror="window.__xss=1">';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const assets = {
  "/": ["index.html", "text/html; charset=utf-8"], "/start": ["index.html", "text/html; charset=utf-8"],
  "/desk.js": ["desk.js", "text/javascript; charset=utf-8"], "/desk.css": ["desk.css", "text/css; charset=utf-8"],
};
const files = Object.fromEntries(Object.values(assets).map(([f]) => [f, readFileSync(join(web, f))]));

let spent = false;
const sessions = new Map(); // cookie → csrf
const SEEN_KEY = randomBytes(32).toString("base64url"); // as the desk's, fixed for the run
const sent = [];

const NOW = Date.parse("2026-12-01T12:00:00Z");
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const AGENCIES = ["us.doj", "us.fbi", "ru.gp", "ru.fsb", "ua.pgo"];
const TITLES = ["Ransomware against a hospital", "Вымогательство: больница", "هجوم فدية على مستشفى", HOSTILE];

// The inbox: most pressing first, as the API orders it.
function inbox() {
  const items = [];
  const urg = (i) => (i < nItems * 0.1 ? "overdue" : i < nItems * 0.4 ? "due" : i < nItems * 0.5 ? "waiting" : "none");
  for (let i = 0; i < nItems; i++) {
    const u = urg(i);
    const from = AGENCIES[i % 2 === 0 ? 0 : i % 5 === 1 ? 1 : 4];
    const kind = ["request", "notice", "preservation", "update"][i % 4];
    items.push({
      log: from.split(".")[0] + ".parley.example/log", index: i, leaf: "AAAA", kind, from, time: iso(NOW - (nItems - i) * 3600e3),
      urgent: i % 7 === 0, handling: i % 3 === 0 ? "TLP:AMBER" : null, to: [AGENCY], body: { sha256: "00", size: 100 }, ref: null,
      delivery: [], cosigned: [], received: [], obligations: [], case: `${from}/2026-${String(i + 1).padStart(5, "0")}`,
      title: TITLES[i % TITLES.length], urgency: u, due: u === "none" ? null : iso(NOW + (i - nItems * 0.1) * 600e3),
    });
  }
  const counts = { overdue: 0, due: 0, waiting: 0, none: 0 };
  for (const it of items) counts[it.urgency]++;
  return { agency: AGENCY, as_of: iso(NOW), items, counts };
}
let inboxJson = null;

const evidence = JSON.parse(readFileSync(new URL("../data/stix/valid/ransomware-notice.json", import.meta.url)));
function caseView(id) {
  const request = {
    log: "us.parley.example/log", index: 3, leaf: "AAAA", kind: "request", from: "us.doj", time: "2026-11-20T10:00:00Z", urgent: false, handling: "TLP:AMBER",
    to: ["ru.gp", "ru.fsb"], ref: null,
    delivery: [{ party: "ru", state: "delivered", at: "2026-11-20T10:05:00Z" }],
    cosigned: [{ by: "ru.parley.example/log", role: "party", at: "2026-11-20T10:05:00Z" }, { by: "witness.example", role: "witness", at: "2026-11-20T10:01:00Z" }],
    received: [{ party: "ru", log: "ru.parley.example/log", index: 7, time: "2026-11-20T10:06:00Z" }],
    obligations: [{ party: "ru", delivered_at: "2026-11-20T10:05:00Z", answers: 1,
      ack: { state: "met", due: "2026-11-23T10:05:00Z", at: "2026-11-21T09:00:00Z", late: false, by: { log: "ru.parley.example/log", index: 8, kind: "ack" } },
      answer: { state: "overdue", due: "2026-11-30T10:05:00Z", at: "2026-11-30T10:05:00Z", late: true, by: null } }],
    body: { profile: "cyber-mla", type: "mla-request", title: HOSTILE + " Ransomware", facts: "On 10 March the hospital's systems were encrypted.\nشرح بالعربية.", purpose: "Identify the wallet holder.",
      assistance_sought: [{ measure: "identify-person", description: "Subscriber of the wallet" }], urgency: { urgent: false }, evidence },
  };
  const ack = {
    log: "ru.parley.example/log", index: 8, leaf: "AAAA", kind: "ack", from: "ru.gp", time: "2026-11-21T09:00:00Z", urgent: false, handling: null,
    to: ["us.doj"], ref: { log: "us.parley.example/log", index: 3, leaf: "AAAA", state: "resolved", kind: "request" },
    delivery: [{ party: "us", state: "outstanding", since: "2026-11-21T09:01:00Z" }], cosigned: [], received: [], obligations: [],
    body: null, body_error: "the key of ru.gp is not a recipient",
  };
  return { case: id, as_of: iso(NOW), closed_at: null, envelopes: [request, ack], invalid: [] };
}

const report = (from, to) => ({
  report: "parley report v1", channel: "0".repeat(64), period: { from, to }, filter: { party: null, to_party: null, kind: null }, as_of: iso(NOW),
  logs: [{ party: "us", origin: "us.parley.example/log", size: 40, closing: null, complete: true }, { party: "ru", origin: "ru.parley.example/log", size: 30, closing: null, complete: true }],
  pairs: [
    { from: "us", to: "ru", kind: "request", sent: 3, delivered: 2, outstanding: 1, acknowledged: 2, answered: 1, declined: 0, overdue: 1, late: 0,
      delivery_s: { median: 300, p90: 900 }, ack_s: { median: 86400, p90: 172800 }, answer_s: { median: 604800, p90: null },
      months: [{ month: "2026-10", sent: 1, delivered: 1, acknowledged: 1, answered: 1 }, { month: "2026-11", sent: 2, delivered: 1, acknowledged: 1, answered: 0 }] },
    { from: "ru", to: "us", kind: "ack", sent: 2, delivered: 2, outstanding: 0, acknowledged: 0, answered: 0, declined: 0, overdue: 0, late: 0,
      delivery_s: { median: 200, p90: 400 }, ack_s: { median: null, p90: null }, answer_s: { median: null, p90: null }, months: [] },
  ],
  envelopes: [],
});

function cookieOf(req) {
  const m = /(?:^|;\s*)parley_desk=([A-Za-z0-9_-]+)/.exec(req.headers.cookie || "");
  return m && sessions.has(m[1]) ? m[1] : null;
}

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, {
    "Content-Type": type, "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin", "Cache-Control": "no-store", ...extra,
  });
  res.end(body);
}
const json = (res, status, v, extra) => send(res, status, "application/json", JSON.stringify(v), extra);

function readBody(req) {
  return new Promise((ok) => { const c = []; req.on("data", (d) => c.push(d)); req.on("end", () => ok(Buffer.concat(c).toString())); });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  const path = url.pathname;
  const sess = cookieOf(req);
  if (staticDir && req.method === "GET" && /^\/static\/[a-z0-9-]+\.html$/.test(path) && existsSync(join(staticDir, path.slice(8))))
    return send(res, 200, "text/html; charset=utf-8", readFileSync(join(staticDir, path.slice(8))));
  if (req.method === "GET" && assets[path] && (sess || path === "/start" || path === "/desk.js" || path === "/desk.css"))
    return send(res, 200, assets[path][1], files[assets[path][0]]);
  if (path === "/api/start" && req.method === "POST") {
    let s; try { s = JSON.parse(await readBody(req)).secret; } catch { return json(res, 400, { error: "malformed JSON" }); }
    if (spent || s !== secret) return json(res, 403, { error: "wrong or spent start secret" });
    spent = true;
    const c = randomBytes(32).toString("base64url"), csrf = randomBytes(32).toString("base64url");
    sessions.set(c, csrf);
    return json(res, 200, { csrf }, { "Set-Cookie": `parley_desk=${c}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (!sess) {
    if (path.startsWith("/api/")) return json(res, 403, { error: "no session: open the URL that parley desk printed" });
    return send(res, 403, "text/html; charset=utf-8", "<!doctype html><title>parley desk</title><p>Open the URL that the parley desk command printed.</p>");
  }
  if (req.method === "POST") {
    if (req.headers["x-parley-csrf"] !== sessions.get(sess)) return json(res, 403, { error: "missing or wrong X-Parley-CSRF token" });
    const body = await readBody(req);
    if (path === "/api/send") {
      let r; try { r = JSON.parse(body); } catch { return json(res, 400, { error: "malformed JSON" }); }
      if (JSON.stringify(r.body || {}).includes("refuse")) return json(res, 403, { error: "ru.gp is not a party to case us.doj/2026-0001 (opened by us.doj)" });
      sent.push(r);
      return json(res, 200, { case: r.case || "ru.gp/2026-0100", party: "ru", index: 40 + sent.length });
    }
    return json(res, 404, { error: "no such path" });
  }
  if (path === "/api/session") return json(res, 200, { agency: AGENCY, party: AGENCY.split(".")[0], node: "http://127.0.0.1:1", channel: "0".repeat(64),
    profiles: PROFILES, agencies: AGENCIES, now: iso(NOW), version: "mock", seen_key: SEEN_KEY });
  if (path === "/api/inbox") return send(res, 200, "application/json", inboxJson || (inboxJson = JSON.stringify(inbox())));
  if (path.startsWith("/api/case/")) {
    // a case named .../slow answers late: the page must not draw it over a later view
    if (path.endsWith("-slow")) await new Promise((ok) => setTimeout(ok, 700));
    return json(res, 200, caseView(decodeURIComponent(path.slice(10))));
  }
  if (path === "/api/_sent") return json(res, 200, sent); // for the tests: what reached the "node"
  let m;
  if ((m = /^\/api\/schema\/([a-z-]+)\/([a-z-]+)$/.exec(path))) {
    const f = join(schemas, m[1], m[2] + ".json");
    return existsSync(f) ? send(res, 200, "application/json", readFileSync(f)) : json(res, 404, { error: "no such schema" });
  }
  if ((m = /^\/api\/template\/([a-z-]+)$/.exec(path))) return json(res, 200, { profile: "cyber-mla", type: m[1], completeness: "partial", summary: "Subscriber data provided.",
    provided: [{ description: "Subscriber records" }], remaining: [{ description: "Traffic data", reason: "Awaiting the operator" }] });
  if (path === "/api/mandate") {
    if (!PROFILES.includes("aid-crossing")) return json(res, 404, { error: "the charter does not enable aid-crossing" });
    return json(res, 200, { report: "parley mandate report v1", channel: "0".repeat(64), period: { from: "2026-01-01T00:00:00Z", to: iso(NOW) },
      term: { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z", reporting_period_s: 2592000 }, as_of: iso(NOW), logs: [], crossings: ["kerem-shalom"],
      reporting_periods: [], total: { consignments: 4, trucks_notified: 120 },
      acknowledgements_by_party: [{ party: "sy", on_time: 2, late: 1, missing: 0, pending: 1 }, { party: HOSTILE, on_time: 0, late: 0, missing: 1, pending: 0 }], consignments: [] });
  }
  if (path === "/api/report") return json(res, 200, report(url.searchParams.get("from"), url.searchParams.get("to")));
  if (path.startsWith("/api/receipt/") || path.startsWith("/api/report/bundle")) return send(res, 200, "application/x-tar", Buffer.alloc(1024), { "Content-Disposition": 'attachment; filename="receipt.tar"' });
  if (path.startsWith("/api/evidence/")) return send(res, 200, "application/json", JSON.stringify(evidence), { "Content-Disposition": 'attachment; filename="evidence.json"' });
  return json(res, 404, { error: "no such path" });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`desk: http://127.0.0.1:${server.address().port}/start#${secret}`);
});
