// What the browser tests share: Debian's chromium through playwright-core, a child
// process that prints its desk URL, PASS/FAIL/SKIP lines for tests/run.sh, and axe.
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";
import { spawn } from "node:child_process";

export const FILE = process.env.T_FILE || "desk_browser.sh";
let failed = 0;
export function pass(name) { console.log(`PASS ${FILE}:${name}`); }
export function fail(name, why) { failed++; console.log(`FAIL ${FILE}:${name}: ${String(why).split("\n")[0]}`); console.error(`  ${FILE}:${name}: ${why && why.stack || why}`); }
export function skip(name, why) { console.log(`SKIP ${FILE}:${name}: ${why}`); }
export function failures() { return failed; }

// check(name, async fn): PASS if fn resolves, FAIL with its message if it throws.
export async function check(name, fn) {
  try { await fn(); pass(name); } catch (e) { fail(name, e && e.message ? e.message : e); }
}
export function assert(cond, msg) { if (!cond) throw new Error(msg); }

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    // nothing of its own on the network (the machine's network is closed; the page needs none)
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
}

// Starts cmd and waits for its "desk: URL" line on stdout.
export function startDesk(cmd, argv, env) {
  return new Promise((ok, bad) => {
    const p = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let out = "", err = "";
    const timer = setTimeout(() => bad(new Error(`no desk URL after 30 s: ${err.slice(-300)}`)), 30000);
    p.stdout.on("data", (d) => {
      out += d;
      const m = /desk: (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); ok({ proc: p, url: m[1], origin: new URL(m[1]).origin, secret: new URL(m[1]).hash.slice(1) }); }
    });
    p.stderr.on("data", (d) => { err += d; });
    p.on("exit", (c) => { clearTimeout(timer); bad(new Error(`exited ${c}: ${err.slice(-300)}`)); });
  });
}

// No serious or critical axe violation on the page as it is now.
export async function axe(page) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert(!bad.length, bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join("; ")}`).join(" | "));
}
