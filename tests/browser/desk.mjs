// The desk in headless Chromium over real nodes (tests/cli/desk_browser.sh starts two
// nodes, a witness and a desk each for us.doj and ru.gp): issue 16's list.
//   DOJ_URL GP_URL (the start URLs printed), CHARTER, PARLEY, WORK   node desk.mjs ARTEFACTS
import { check, assert, launch, axe, failures, skip } from "./harness.mjs";
import { mkdirSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";

const art = process.argv[2];
mkdirSync(art, { recursive: true });
const { DOJ_URL, GP_URL, CHARTER, PARLEY, WORK } = process.env;
const origin = (u) => new URL(u).origin;
const en = JSON.parse(readFileSync(new URL("../../web/i18n/en.json", import.meta.url)));
const ar = JSON.parse(readFileSync(new URL("../../web/i18n/ar.json", import.meta.url)));
const ru = JSON.parse(readFileSync(new URL("../../web/i18n/ru.json", import.meta.url)));
const STIX = new URL("../data/stix/valid/ransomware-notice.json", import.meta.url).pathname;
const browser = await launch();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function open(url, locale = "en-US") {
  const ctx = await browser.newContext({ locale, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => { page.__errors = (page.__errors || []).concat(String(e)); });
  // The Content-Security-Policy must hold with nothing relaxed: the page (and Chart.js) needs no
  // inline script or style, so chromium reports no violation (docs/desk.md "Security").
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) page.__csp = (page.__csp || []).concat(m.text()); });
  await page.goto(url);
  return { ctx, page };
}
const caseHash = (id) => "#case/" + id.split("/").map(encodeURIComponent).join("/");

let CASE = null;
let doj, gp;
try {
  await check("no_secret_serves_nothing", async () => {
    const { ctx, page } = await open(origin(DOJ_URL) + "/");
    const r = await page.reload();
    assert(r.status() === 403, `/ without a session: ${r.status()}`);
    assert((await page.textContent("body")).includes("parley desk"), "the 403 page does not say to open the URL parley desk printed");
    for (const p of ["/api/inbox", "/api/session"]) {
      const s = await page.evaluate((u) => fetch(u).then((r) => r.status), p);
      assert(s === 403, `${p} without a session: ${s}`);
    }
    await page.goto(origin(DOJ_URL) + "/start");
    await page.waitForSelector(".notice");
    assert((await page.textContent(".notice")).includes(en["start.no_secret"]), "the start page without its secret does not say so");
    await ctx.close();
  });

  doj = await open(DOJ_URL);
  gp = await open(GP_URL);
  await check("start_both_desks", async () => {
    await doj.page.waitForSelector("#rows");
    await gp.page.waitForSelector("#rows");
    assert((await doj.page.textContent(".who")) === "us.doj" && (await gp.page.textContent(".who")) === "ru.gp", "agencies");
  });

  await check("doj_composes_request_with_evidence", async () => {
    const p = doj.page;
    await p.keyboard.press("c");
    await p.waitForSelector("#c-body");
    await p.selectOption("#c-kind", "request");
    await p.waitForSelector("[data-path='$.title']");
    await p.click("#c-template");
    await p.waitForFunction(() => document.querySelector("[data-path='$.title']").value !== "");
    await p.fill("[data-path='$.title']", "Ransomware: the ExampleLocker wallet");
    await p.check('input[name=to][value="ru.gp"]');
    await p.setInputFiles("#c-evidence", STIX);
    await p.waitForSelector("#c-evidence-view .stix");
    await axe(p);
    await p.click("button[type=submit]");
    await p.waitForSelector(".timeline", { timeout: 60000 }).catch(async () => { throw new Error("not sent: " + (await p.textContent("#c-summary"))); });
    CASE = decodeURIComponent(p.url().split("#case/")[1]);
    assert(/^us\.doj\/\d{4}-\d{4}$/.test(CASE), "case " + CASE);
    assert((await p.textContent(".timeline")).includes("Ransomware: the ExampleLocker wallet"), "the sent body is not shown");
  });

  await check("gp_sees_it_first_in_inbox", async () => {
    const p = gp.page;
    for (let i = 0; i < 100; i++) {
      await p.evaluate(() => { location.hash = "#compose"; });
      await p.waitForSelector("#c-body");
      await p.evaluate(() => { location.hash = "#inbox"; });
      await p.waitForSelector("#rows");
      const first = await p.$eval("#rows", (t) => t.querySelector("tr[data-i] td:nth-child(4) a")?.textContent || "");
      if (first === CASE) break;
      await sleep(300);
    }
    const first = await p.$eval("#rows tr[data-i] td:nth-child(4) a", (a) => a.textContent);
    assert(first === CASE, `first row ${first}, not ${CASE}`);
    assert(await p.$eval("#rows tr[data-i]", (r) => r.classList.contains("fresh")), "the new request is not marked changed");
    await axe(p);
  });

  // The inbox's items carry the title the desk learnt from the bodies it opened (docs/desk.md
  // "Search by title"): a word of the title finds the case, one that is in no title finds nothing.
  await check("gp_searches_by_title", async () => {
    const p = gp.page;
    const rows = () => p.$$eval("#rows tr[data-i] td:nth-child(4) a", (as) => as.map((a) => a.textContent));
    await p.fill("#search", "examplelocker WALLET");
    await p.waitForFunction(() => document.querySelectorAll("#rows tr[data-i]").length === 1);
    assert((await rows())[0] === CASE, "the search by title does not find " + CASE);
    assert((await p.textContent("#rows")).includes("Ransomware: the ExampleLocker wallet"), "the title is not in the row");
    await p.fill("#search", "no-such-title-word");
    await p.waitForFunction(() => document.querySelectorAll("#rows tr[data-i]").length === 0);
    await p.fill("#search", "");
    await p.waitForFunction(() => document.querySelectorAll("#rows tr[data-i]").length > 0);
  });

  await check("gp_reads_request_and_evidence", async () => {
    const p = gp.page;
    await p.click("h1");
    await p.keyboard.press("j");
    await p.keyboard.press("Enter");
    await p.waitForSelector(".timeline");
    const text = await p.textContent(".timeline");
    assert(text.includes("Ransomware: the ExampleLocker wallet"), "the decrypted body is not shown");
    assert(text.includes("bc1qexample"), "the STIX wallet is not in the evidence table");
    assert(/Acknowledgement by ru (due|: the clock starts)/.test(text), "the ack clock is not in words: " + text.slice(0, 300));
    const [dl] = await Promise.all([p.waitForEvent("download"), p.click('a[href^="/api/evidence/"]')]);
    const f = join(art, "evidence.json");
    await dl.saveAs(f);
    assert(JSON.parse(readFileSync(f)).type === "bundle", "the evidence download is not the bundle");
    await axe(p);
  });

  async function reply(p, kind, fill) {
    await p.click(`a[href*="?ref="]`); // "Reply to this envelope" of the request
    await p.waitForSelector("#c-kind");
    await p.selectOption("#c-kind", kind);
    await p.waitForSelector(`[data-path]`);
    assert(await p.$eval("#c-ref", (s) => s.value) === "us/0", "the envelope replied to is not the one chosen");
    await p.click("#c-template");
    await p.waitForFunction(() => [...document.querySelectorAll("#c-body [data-kind=string]")].some((e) => e.value));
    if (fill) await fill(p);
    await p.click("button[type=submit]");
    await p.waitForSelector(".timeline", { timeout: 60000 }).catch(async () => { throw new Error("not sent: " + (await p.textContent("#c-summary"))); });
  }

  await check("gp_acknowledges", async () => {
    await reply(gp.page, "ack");
    const text = await gp.page.textContent(".timeline");
    assert(text.includes(en["kind.ack"]), "the ack is not in the timeline");
  });

  await check("gp_answers_in_part", async () => {
    await reply(gp.page, "answer", async (p) => {
      await p.selectOption("[data-path='$.completeness']", "partial");
    });
    const text = await gp.page.textContent(".timeline");
    assert(text.includes(en["kind.answer"]) && text.includes("partial"), "the partial answer is not in the timeline");
  });

  await check("refused_submission_shows_reason", async () => {
    const p = gp.page;
    await p.evaluate((h) => { location.hash = h; }, "#compose/" + CASE.split("/").map(encodeURIComponent).join("/") + "?kind=close&ref=us%2F0");
    await p.waitForSelector("#c-ref");
    await p.click("#c-template");
    await p.waitForFunction(() => [...document.querySelectorAll("#c-body [data-kind=string]")].some((e) => e.value));
    await p.click("button[type=submit]");
    await p.waitForSelector("#c-summary .errors", { timeout: 60000 });
    const s = await p.textContent("#c-summary");
    assert(/close/.test(s) && s.includes("Not sent."), "no reason shown: " + s);
    writeFileSync(join(art, "refusal.txt"), s + "\n");
  });

  await check("forged_request_without_token_refused", async () => {
    const p = doj.page;
    const r = await p.evaluate(async (c) => {
      const body = JSON.stringify({ kind: "update", case: c, ref: "us/0", to: ["ru.gp"], body: { summary: "forged" } });
      const no = await fetch("/api/send", { method: "POST", headers: { "Content-Type": "application/json" }, body });
      const wrong = await fetch("/api/send", { method: "POST", headers: { "Content-Type": "application/json", "X-Parley-CSRF": "A".repeat(43) }, body });
      const form = await fetch("/api/send", { method: "POST", headers: { "Content-Type": "text/plain" }, body });
      return [no.status, wrong.status, form.status];
    }, CASE);
    assert(r[0] === 403 && r[1] === 403 && (r[2] === 403 || r[2] === 415), "forged requests answered " + r);
    // (the page's own read: with the session's token, which the page keeps in sessionStorage)
    const c = await p.evaluate((u) => fetch(u, { headers: { "X-Parley-CSRF": sessionStorage.getItem("parley.csrf") } }).then((r) => r.json()), "/api/case/" + encodeURIComponent(CASE));
    assert(Array.isArray(c.envelopes) && !JSON.stringify(c).includes("forged"), "a forged request was sent, or the case was not read: " + JSON.stringify(c).slice(0, 200));
  });

  await check("doj_sees_receipt_and_it_verifies", async () => {
    const p = doj.page;
    for (let i = 0; i < 150; i++) {
      await p.evaluate(() => { location.hash = "#inbox"; });
      await p.waitForSelector("#rows");
      await p.evaluate((h) => { location.hash = h; }, caseHash(CASE));
      await p.waitForSelector(".timeline");
      const t = await p.textContent(".timeline");
      if (t.includes("Deemed delivered to ru") && t.includes(en["kind.answer"])) break;
      await sleep(300);
    }
    const t = await p.textContent(".timeline");
    assert(t.includes("Deemed delivered to ru"), "no delivery in words: " + t.slice(0, 400));
    assert(/Acknowledged by ru/.test(t) && /Answered by ru/.test(t), "the clocks are not met in words");
    await p.screenshot({ path: join(art, "case-en.png"), fullPage: true });
    const [dl] = await Promise.all([p.waitForEvent("download"), p.click('a[href^="/api/receipt/"]')]);
    const tar = join(WORK, "receipt.tar");
    await dl.saveAs(tar);
    const rx = join(WORK, "rx");
    mkdirSync(rx, { recursive: true });
    execFileSync("tar", ["-xf", tar, "-C", rx]);
    const dir = join(rx, readdirSync(rx)[0]);
    const proofs = readdirSync(dir).filter((f) => f.endsWith(".tlog-proof"));
    assert(proofs.length >= 1, "no proof in the receipt");
    for (const pf of proofs) {
      const n = pf.replace(/\.tlog-proof$/, "");
      execFileSync(PARLEY, ["proof", "verify", join(dir, pf), join(dir, n + ".envelope"), "--charter", CHARTER], { stdio: "pipe" });
    }
    await axe(p);
  });

  // The report API may come later than the rest of the server: without it, say so.
  const reportStatus = await gp.page.evaluate(() => fetch("/api/report?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", { headers: { "X-Parley-CSRF": sessionStorage.getItem("parley.csrf") } }).then((r) => r.status));
  const haveReport = reportStatus !== 404;
  if (!haveReport) skip("report_answers_the_question", "this desk has no /api/report yet (404)");
  else await check("report_answers_the_question", async () => {
    const p = gp.page;
    await p.click('nav a[href="#reports"]');
    await p.click("#question");
    await p.waitForSelector("#answer .answer, #answer .warn", { timeout: 120000 });
    const a = await p.textContent("#answer");
    assert(a.includes("Yes. 1 request(s) were sent to ru"), "the answer: " + a);
    await p.waitForSelector("#ch-months");
    await axe(p);
    await p.screenshot({ path: join(art, "report-en.png"), fullPage: true });
  });

  await check("arabic_pages", async () => {
    const p = gp.page;
    await p.selectOption("#lang", "ar");
    await p.evaluate(() => { location.hash = "#inbox"; });
    await p.waitForSelector("#rows tr[data-i]");
    assert(await p.evaluate(() => document.documentElement.dir === "rtl" && document.documentElement.lang === "ar"), "not rtl/ar");
    const [first, last] = await p.$$eval("table.list thead th", (th) => [th[0], th[th.length - 1]].map((x) => x.getBoundingClientRect().x));
    assert(first > last, "the inbox's first column is not on the right");
    assert((await p.textContent("main h1")) === ar["inbox.title"], "not in Arabic");
    await p.screenshot({ path: join(art, "inbox-ar.png") });
    await axe(p);
    await p.evaluate((h) => { location.hash = h; }, caseHash(CASE));
    await p.waitForSelector(".timeline");
    const tl = await p.$eval(".timeline li.env", (li) => getComputedStyle(li).borderInlineStartWidth !== "0px" && getComputedStyle(li).borderRightWidth !== "0px");
    assert(tl, "the timeline's rule is not on the right");
    await p.screenshot({ path: join(art, "case-ar.png"), fullPage: true });
    await axe(p);
    if (haveReport) {
      await p.click('nav a[href="#reports"]');
      await p.click("#question");
      await p.waitForSelector("#answer .answer", { timeout: 120000 });
      assert((await p.textContent("#answer")).includes("نعم"), "the report's answer is not in Arabic");
      await p.screenshot({ path: join(art, "report-ar.png"), fullPage: true });
      await axe(p);
    }
  });

  await check("russian_pages", async () => {
    const p = gp.page;
    await p.selectOption("#lang", "ru");
    await p.evaluate(() => { location.hash = "#inbox"; });
    await p.waitForSelector("#rows tr[data-i]");
    assert(await p.evaluate(() => document.documentElement.dir === "ltr" && document.documentElement.lang === "ru"), "not ltr/ru");
    assert((await p.textContent("main h1")) === ru["inbox.title"], "not in Russian");
    await p.screenshot({ path: join(art, "inbox-ru.png") });
    await axe(p);
    await p.evaluate((h) => { location.hash = h; }, caseHash(CASE));
    await p.waitForSelector(".timeline");
    await p.screenshot({ path: join(art, "case-ru.png"), fullPage: true });
    await axe(p);
  });

  await check("statement_proposed_cosigned_published", async () => {
    const p = doj.page, q = gp.page;
    await p.evaluate((h) => { location.hash = h; }, "#statement/" + CASE.split("/").map(encodeURIComponent).join("/"));
    await p.waitForSelector("#st-form");
    await p.click("#st-form button[type=submit]");
    await p.waitForSelector("#st-summary .errors");
    assert((await p.textContent("#st-summary")).includes("$.title"), "no field errors before proposing");
    await p.click("#st-template");
    await p.waitForFunction(() => document.querySelector("[data-path='$.title']").value !== "");
    await p.check('#st-to input[value="ru.gp"]');
    await axe(p);
    await p.click("#st-form button[type=submit]");
    await p.waitForSelector("#st-result .answer, #st-result .errors", { timeout: 60000 });
    const proposed = await p.textContent("#st-result");
    assert(proposed.includes("Still to sign: ru.gp"), "proposed: " + proposed);
    const [d1] = await Promise.all([p.waitForEvent("download"), p.click("#st-result a[download]")]);
    const f1 = join(WORK, "statement-proposed.json");
    await d1.saveAs(f1);
    await q.selectOption("#lang", "en"); // (the Russian pages above left ru.gp's desk in Russian)
    await q.evaluate(() => { location.hash = "#statement"; });
    await q.waitForSelector("#st-file");
    await q.setInputFiles("#st-file", f1);
    await q.waitForSelector("#st-file-view pre");
    await q.click("#st-cosign");
    await q.waitForSelector("#st-result .answer, #st-result .errors", { timeout: 60000 });
    assert((await q.textContent("#st-result")).includes(en["st.complete"]), "co-signed: " + (await q.textContent("#st-result")));
    const [d2] = await Promise.all([q.waitForEvent("download"), q.click("#st-result a[download]")]);
    const f2 = join(WORK, "statement-signed.json");
    await d2.saveAs(f2);
    await p.setInputFiles("#st-file", f2);
    await p.waitForSelector("#st-file-view pre");
    await p.click("#st-publish");
    await p.waitForSelector(".timeline", { timeout: 60000 }).catch(async () => { throw new Error("not published: " + (await p.textContent("#st-result"))); });
    assert((await p.textContent(".timeline")).includes(en["kind.statement"]), "the statement is not in the case's timeline");
  });

  await check("seen_marks_not_in_clear", async () => {
    // localStorage outlives the desk, and whatever listens on its port later can read it
    const stored = await gp.page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    assert(stored.includes("parley.seen.ru.gp"), "no seen marks kept for ru.gp");
    assert(CASE && !stored.includes(CASE) && !stored.includes(encodeURIComponent(CASE)), "a case id in clear in localStorage: " + stored.slice(0, 300));
  });

  await check("cookie_alone_reads_nothing", async () => {
    // the browser sends the cookie to every port of 127.0.0.1: without the token it opens nothing
    const st = await gp.page.evaluate(() => Promise.all(["/api/session", "/api/inbox"].map((u) => fetch(u).then((r) => r.status))));
    assert(st.every((x) => x === 403), "read with the cookie alone: " + st);
  });

  await check("no_csp_violations", async () => {
    const v = [...(doj.page.__csp || []), ...(gp.page.__csp || [])];
    assert(!v.length, v.join(" | "));
  });

  await check("no_page_errors", async () => {
    const errs = [...(doj.page.__errors || []), ...(gp.page.__errors || [])];
    assert(!errs.length, errs.join(" | "));
  });
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
