// The inbox benchmark (bench/desk.sh): an inbox of N cases (10,000) in headless Chromium,
// from navigation to the last row in the DOM, against the same final HTML served as a
// static file by the same server in the same run; ROUNDS alternating rounds, medians.
// The API's inbox JSON comes from mock-desk.mjs's fixture (a real node with 10,000 cases
// takes too long to build for a benchmark run); the page, its build and the browser are
// the real ones.   node bench-inbox.mjs WEBDIR N ROUNDS
import { launch, startDesk } from "./harness.mjs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const [web, nArg, roundsArg] = process.argv.slice(2);
const N = Number(nArg || 10000), ROUNDS = Number(roundsArg || 5);
const dir = mkdtempSync(join(tmpdir(), "desk-bench-"));
const mock = new URL("./mock-desk.mjs", import.meta.url).pathname;
const browser = await launch();

// Time from navigation start to the moment the row data-i=N-1 enters the DOM.
const OBSERVE = (last) => {
  window.__lastRowAt = null;
  const sel = `tr[data-i="${last}"]`;
  // Only the nodes each mutation adds are looked at, so watching costs the same per row
  // whether the rows come from the parser (static) or from one innerHTML (desk).
  new MutationObserver((records, obs) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType === 1 && (n.matches(sel) || (n.firstElementChild && n.querySelector(sel)))) {
        window.__lastRowAt = performance.now(); obs.disconnect(); return;
      }
    }
  }).observe(document, { childList: true, subtree: true });
};

async function measure(url) {
  const ctx = await browser.newContext();
  await ctx.addInitScript(OBSERVE, N - 1);
  const page = await ctx.newPage();
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__lastRowAt !== null, null, { timeout: 120000, polling: 50 });
  const ms = await page.evaluate(() => window.__lastRowAt);
  const html = await page.evaluate(() => {
    for (const s of document.querySelectorAll("script")) s.remove();
    return "<!doctype html>\n" + document.documentElement.outerHTML;
  });
  await ctx.close();
  return { ms, html };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const deskMs = [], staticMs = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    // each round a fresh desk (a start secret is spent once)
    const desk = await startDesk(process.execPath, [mock, web, "--items", String(N), "--static-dir", dir]);
    try {
      const d = await measure(desk.url);
      deskMs.push(d.ms);
      if (r === 0) writeFileSync(join(dir, "inbox.html"), d.html);
      staticMs.push((await measure(desk.origin + "/static/inbox.html")).ms);
    } finally { desk.proc.kill(); }
  }
} finally { await browser.close(); }
const dm = median(deskMs), sm = median(staticMs);
console.log(`# desk inbox of ${N} cases in headless Chromium, navigation to last row; ${ROUNDS} alternating rounds, medians; desk: ${deskMs.map((x) => x.toFixed(0)).join(" ")}; static: ${staticMs.map((x) => x.toFixed(0)).join(" ")}`);
console.log(`desk_inbox_ms=${dm.toFixed(0)}`);
console.log(`static_inbox_ms=${sm.toFixed(0)}`);
console.log(`desk_inbox_ratio=${(dm / sm).toFixed(2)}`);
