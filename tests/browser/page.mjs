// The page's own behaviour in headless Chromium, against mock-desk.mjs (the contract of
// docs/desk.md with fixture data): start, inbox order/filters/keys/marks, escaping of the
// other party's text, the case view's words and tables, compose's field errors and the
// reply's explicit envelope, a refusal's reason, reports in two clicks, Arabic (right to
// left) and Russian, and axe on every view.
//   node page.mjs WEBDIR ARTEFACTS_DIR
import { check, assert, launch, startDesk, axe, failures } from "./harness.mjs";
import { writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [web, art] = process.argv.slice(2);
mkdirSync(art, { recursive: true });
const mock = new URL("./mock-desk.mjs", import.meta.url).pathname;
const desk = await startDesk(process.execPath, [mock, web, "--items", "60"]);
const browser = await launch();
// (read, not imported: JSON import attributes need a newer node than Debian's 18)
const cat = (l) => JSON.parse(readFileSync(new URL(`../../web/i18n/${l}.json`, import.meta.url)));
const en = cat("en"), ar = cat("ar"), ru = cat("ru");

async function context(locale = "en-US") {
  const ctx = await browser.newContext({ locale, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => { page.__errors = (page.__errors || []).concat(String(e)); });
  return { ctx, page };
}

try {
  // Without the secret, the page says what to do and reads nothing.
  await check("start_without_secret", async () => {
    const { ctx, page } = await context();
    const r = await page.goto(desk.origin + "/");
    assert(r.status() === 403, `/ answered ${r.status()} without a session`);
    await page.goto(desk.origin + "/start");
    await page.waitForSelector(".notice");
    const text = await page.textContent(".notice");
    assert(text.includes(en["start.no_secret"]), `start page says: ${text}`);
    await ctx.close();
  });

  const { ctx, page } = await context();
  await check("start_opens_session", async () => {
    await page.goto(desk.url);
    await page.waitForSelector("#rows tr[data-i]");
    assert(!page.url().includes(desk.secret), "the secret stayed in the address: " + page.url());
    const hist = await page.evaluate(() => history.length);
    assert(hist >= 1, "history");
  });

  await check("start_secret_spent", async () => {
    const { ctx: c2, page: p2 } = await context();
    await p2.goto(desk.url);
    await p2.waitForSelector(".notice");
    assert((await p2.textContent(".notice")).includes(en["start.refused"]), "a second use of the secret was not refused");
    await c2.close();
  });

  const api = await page.evaluate(() => fetch("/api/inbox").then((r) => r.json()));

  await check("inbox_order_and_counts", async () => {
    const cases = await page.$$eval("#rows tr[data-i] td:nth-child(4) a", (as) => as.map((a) => a.textContent));
    assert(cases.length === api.items.length, `${cases.length} rows for ${api.items.length} items`);
    cases.forEach((c, i) => assert(c === api.items[i].case, `row ${i} is ${c}, the API's item is ${api.items[i].case}`));
    const counts = await page.textContent(".counts");
    assert(counts.includes(en["count.overdue"].replace("{n}", String(api.counts.overdue))), "overdue count missing: " + counts);
  });

  await check("inbox_escapes_other_party_text", async () => {
    assert(await page.evaluate(() => window.__xss === undefined), "a title ran script");
    assert((await page.$$("#rows img")).length === 0, "a title became an element");
    const t = await page.$$eval("#rows .title", (e) => e.map((x) => x.textContent));
    assert(t.some((x) => x.includes("<img")), "the hostile title is not shown as text");
    const bdi = await page.$$eval("#rows .title", (e) => e.every((x) => x.tagName === "BDI" && x.getAttribute("dir") === "auto"));
    assert(bdi, "titles are not isolated with <bdi dir=auto>");
  });

  await check("inbox_filters", async () => {
    await page.check("#f-overdue");
    const urg = await page.$$eval("#rows tr[data-i]", (rs) => rs.map((r) => r.className));
    assert(urg.length === api.counts.overdue && urg.every((c) => c.includes("u-overdue")), `overdue filter shows ${urg.length}`);
    await page.uncheck("#f-overdue");
    await page.selectOption("#f-kind", "notice");
    const kinds = await page.$$eval("#rows tr[data-i] td:nth-child(5)", (t) => t.map((x) => x.textContent));
    assert(kinds.length === api.items.filter((i) => i.kind === "notice").length && kinds.every((k) => k === "Notice"), "kind filter");
    await page.selectOption("#f-kind", "");
    await page.fill("#search", api.items[5].case);
    const n = await page.$$eval("#rows tr[data-i]", (r) => r.length);
    assert(n === 1, `search by case id shows ${n} rows`);
    await page.fill("#search", "");
  });

  let opened = null;
  await check("inbox_keyboard", async () => {
    await page.click("h1");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("k");
    const sel = await page.$eval("#rows tr.sel", (r) => +r.dataset.i);
    assert(sel === 1, `j j ↓ k selects row ${sel}, not 1`);
    assert(await page.evaluate(() => document.activeElement.closest("tr")?.dataset.i === "1"), "the selected row's link does not have the focus");
    await page.keyboard.press("?");
    await page.waitForSelector(".dialog");
    await page.keyboard.press("Escape");
    assert((await page.$$(".dialog")).length === 0, "Escape does not close the key list");
    await page.keyboard.press("/");
    assert(await page.evaluate(() => document.activeElement.id === "search"), "/ does not focus the search");
    await page.keyboard.press("Escape");
    await page.click("h1");
    await page.keyboard.press("j");
    const want = api.items[await page.$eval("#rows tr.sel", (r) => +r.dataset.i)].case;
    assert(want === api.items[2].case, "j after row 1 did not select row 2");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".timeline");
    assert(decodeURIComponent(page.url()).endsWith("#case/" + want), "Enter opened " + page.url() + ", not " + want);
    opened = want;
  });

  await check("inbox_changed_marks", async () => {
    await page.goto(desk.origin + "/#inbox");
    await page.waitForSelector("#rows tr[data-i]");
    // the case opened above: its envelopes (from the case view) are seen; a fresh item of another case stays marked
    const fresh = await page.$$eval("#rows tr[data-i]", (rs) => rs.map((r) => r.classList.contains("fresh")));
    const at = api.items.findIndex((i) => i.case === opened);
    assert(at >= 0 && !fresh[at], "the case looked at is still marked changed");
    assert(fresh.every((f, i) => f || i === at), "items never looked at are not marked");
    const stored = await page.evaluate(() => localStorage.getItem("parley.seen.ru.gp"));
    assert(stored, "the look is not kept per agency in localStorage");
    // encrypted (the marks above were read back from it): a later program on this port reads the
    // origin's localStorage (before: the case ids in clear)
    for (const it of api.items) assert(!stored.includes(it.case) && !stored.includes(encodeURIComponent(it.case)), "a case id in clear in localStorage: " + stored.slice(0, 200));
  });

  await check("case_timeline_in_words", async () => {
    await page.goto(desk.origin + "/#case/us.doj/2026-0001");
    await page.waitForSelector(".timeline");
    const text = await page.textContent(".timeline");
    for (const want of ["Deemed delivered to ru", "Cosigned by the witness witness.example", "Recorded as received by ru", "Acknowledged by ru, in effect at",
      "Answer by ru overdue since", "Receipt by us outstanding since", "The body could not be opened: the key of ru.gp is not a recipient"])
      assert(text.includes(want), `timeline lacks "${want}"`);
    assert(await page.evaluate(() => window.__xss === undefined) && (await page.$$(".doc img")).length === 0, "the body's title ran or became markup");
    const wallets = await page.$$eval(".stix caption", (c) => c.map((x) => x.textContent));
    for (const w of ["Indicators", "Malware", "Infrastructure", "Wallets"]) assert(wallets.some((c) => c.startsWith(w)), `STIX table lacks ${w}: ${wallets}`);
    assert((await page.textContent(".stix")).includes("bc1qexample"), "wallet address missing");
    // the links carry the session's token as their csrf argument (the cookie alone reads nothing)
    const hrefs = await page.$$eval("a[download]", (a) => a.map((x) => x.getAttribute("href").replace(/[?&]csrf=[\w-]+$/, "")));
    assert(hrefs.includes("/api/receipt/us.doj/2026-0001") && hrefs.includes("/api/evidence/us/3"), "downloads: " + hrefs);
    assert(await page.$$eval("a[download]", (a) => a.every((x) => /[?&]csrf=[\w-]{43}$/.test(x.getAttribute("href")))), "a download link without the token");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click('a[href^="/api/evidence/us/3?csrf="]')]);
    const p = join(art, "evidence.json");
    await dl.saveAs(p);
    await axe(page);
  });

  await check("compose_field_errors_before_sending", async () => {
    await page.goto(desk.origin + "/#compose/us.doj/2026-0001?kind=answer");
    await page.waitForSelector("#c-body");
    await page.click("button[type=submit]");
    await page.waitForSelector("#c-summary .errors");
    const s = await page.textContent("#c-summary");
    assert(s.includes("$.completeness") && s.includes("$.summary"), "no field errors by path: " + s);
    assert(s.includes(en["compose.err_ref"]), "the envelope replied to was not required");
    const invalid = await page.$$eval("[aria-invalid=true]", (e) => e.map((x) => x.id));
    assert(invalid.includes("c-ref"), "the ref field is not marked invalid");
    const sent = await page.evaluate(() => fetch("/api/_sent").then((r) => r.json()));
    assert(sent.length === 0, "something was sent despite errors");
    await axe(page);
  });

  await check("compose_reply_envelope_explicit_and_sent", async () => {
    const opts = await page.$$eval("#c-ref option", (o) => o.map((x) => x.value));
    assert(opts[0] === "" && opts.includes("us/3") && opts.includes("ru/8"), "ref choices: " + opts);
    assert(await page.$eval("#c-ref", (s) => s.value) === "", "an envelope was chosen for the officer");
    await page.click("#c-template");
    await page.waitForFunction(() => document.querySelector("[data-path='$.summary']")?.value);
    await page.selectOption("#c-ref", "us/3");
    await page.click("button[type=submit]");
    await page.waitForSelector(".timeline");
    const sent = await page.evaluate(() => fetch("/api/_sent").then((r) => r.json()));
    assert(sent.length === 1 && sent[0].ref === "us/3" && sent[0].kind === "answer" && sent[0].body.completeness === "partial" && sent[0].body.profile === "cyber-mla",
      "sent: " + JSON.stringify(sent));
  });

  await check("compose_stix_upload_checked", async () => {
    await page.goto(desk.origin + "/#compose");
    await page.waitForSelector("#c-evidence");
    await page.setInputFiles("#c-evidence", { name: "bad.json", mimeType: "application/json", buffer: Buffer.from('{"type":"bundle","objects":[{"type":"indicator"}]}') });
    await page.waitForFunction(() => document.getElementById("c-evidence_e").textContent.length > 0);
    await page.setInputFiles("#c-evidence", new URL("../data/stix/valid/ransomware-notice.json", import.meta.url).pathname);
    await page.waitForSelector("#c-evidence-view .stix");
  });

  await check("refusal_shows_reason", async () => {
    await page.goto(desk.origin + "/#compose/us.doj/2026-0001?kind=update");
    await page.waitForSelector("#c-body");
    await page.selectOption("#c-ref", "us/3");
    await page.fill("[data-path='$.summary']", "please refuse this");
    await page.click("button[type=submit]");
    await page.waitForSelector("#c-summary .errors");
    const s = await page.textContent("#c-summary");
    assert(s.includes("is not a party to case"), "the node's reason is not shown: " + s);
  });

  await check("report_question_in_two_clicks", async () => {
    await page.goto(desk.origin + "/#inbox");
    await page.waitForSelector("#rows");
    await page.click(`nav a[href="#reports"]`); // click 1
    await page.click("#question"); // click 2
    await page.waitForSelector("#answer .answer");
    const a = await page.textContent("#answer");
    assert(a.startsWith(en["q.title"].split(" {")[0]) && a.includes("Yes. 3 request(s) were sent to ru"), "answer: " + a);
    await page.waitForSelector("#ch-months");
    const drawn = await page.$eval("#ch-months", (c) => c.width > 0 && c.height > 0);
    assert(drawn, "the chart was not drawn");
    await axe(page);
    await page.screenshot({ path: join(art, "report-en.png"), fullPage: true });
  });

  await check("inbox_axe_en", async () => {
    await page.goto(desk.origin + "/#inbox");
    await page.waitForSelector("#rows tr[data-i]");
    await axe(page);
    await page.screenshot({ path: join(art, "inbox-en.png") });
  });

  await check("arabic_right_to_left", async () => {
    await page.selectOption("#lang", "ar");
    await page.waitForFunction(() => document.documentElement.dir === "rtl");
    assert(await page.evaluate(() => document.documentElement.lang) === "ar", "lang is not ar");
    assert((await page.textContent("nav")).includes(ar["nav.inbox"]), "the navigation is not in Arabic");
    const [first, last] = await page.$$eval("table.list thead th", (th) => [th[0].getBoundingClientRect(), th[th.length - 1].getBoundingClientRect()].map((r) => r.x));
    assert(first > last, `the first column is at x=${first}, the last at x=${last}: not right to left`);
    const brand = await page.$eval(".brand", (b) => b.getBoundingClientRect().x);
    const who = await page.$eval(".who", (b) => b.getBoundingClientRect().x);
    assert(brand > who, "the header is not mirrored");
    assert(await page.evaluate(() => localStorage.getItem("parley.lang")) === "ar", "the choice is not kept");
    await page.screenshot({ path: join(art, "inbox-ar.png") });
    await axe(page);
    await page.goto(desk.origin + "/#case/us.doj/2026-0001");
    await page.waitForSelector(".timeline");
    assert((await page.textContent(".timeline")).includes(ar["stix.x-crypto-wallet"]), "the case view is not in Arabic");
    await page.screenshot({ path: join(art, "case-ar.png"), fullPage: true });
    await axe(page);
    await page.goto(desk.origin + "/#compose");
    await page.waitForSelector("#c-body");
    await page.screenshot({ path: join(art, "compose-ar.png"), fullPage: true });
    await axe(page);
    await page.goto(desk.origin + "/#reports");
    await page.click("#question");
    await page.waitForSelector("#answer .answer");
    await page.screenshot({ path: join(art, "report-ar.png"), fullPage: true });
    await axe(page);
  });

  // Russian from the browser's languages (no choice kept in this profile).
  await check("russian_from_browser_language", async () => {
    const { ctx: c3, page: p3 } = await context("ru-RU");
    await p3.goto(desk.origin + "/start"); // same origin, no secret: the notice in Russian
    await p3.waitForSelector(".notice");
    assert(await p3.evaluate(() => document.documentElement.lang) === "ru", "not Russian from navigator.languages");
    assert((await p3.textContent(".notice")).includes(ru["start.no_secret"]), "the notice is not in Russian");
    await p3.screenshot({ path: join(art, "start-ru.png") });
    await c3.close();
    // and the same session's pages in Russian
    await page.goto(desk.origin + "/#inbox");
    await page.selectOption("#lang", "ru");
    await page.waitForSelector("#rows tr[data-i]");
    const h1 = await page.textContent("main h1"), dir = await page.evaluate(() => document.documentElement.dir);
    assert(h1 === ru["inbox.title"] && dir === "ltr", `inbox not in Russian: ${h1}, dir ${dir}`);
    const when = await page.$eval("#rows tr[data-i] td:nth-child(7)", (td) => td.textContent);
    assert(/[а-я]/.test(when), "dates are not formatted in Russian: " + when);
    await page.screenshot({ path: join(art, "inbox-ru.png") });
    await axe(page);
  });

  await check("late_answer_does_not_overwrite_newer_view", async () => {
    await page.goto(desk.origin + "/#inbox");
    await page.waitForSelector("#rows tr[data-i]");
    await page.evaluate(() => { location.hash = "#case/us.doj/2026-0001-slow"; });
    await page.evaluate(() => new Promise((ok) => setTimeout(ok, 50)));
    await page.evaluate(() => { location.hash = "#inbox"; });
    await page.waitForSelector("#rows tr[data-i]");
    await page.evaluate(() => new Promise((ok) => setTimeout(ok, 1200)));
    assert(await page.$("#rows tr[data-i]") && !(await page.$(".timeline")), "the slow case view was drawn over the inbox");
  });

  await check("no_page_errors", async () => {
    assert(!page.__errors, "page errors: " + (page.__errors || []).join(" | "));
  });
  await check("reload_keeps_the_token_a_new_tab_has_none", async () => {
    // the token is kept in sessionStorage: the same tab reloaded can still send
    await page.goto(desk.origin + "/#inbox");
    await page.reload();
    await page.waitForSelector("#rows tr[data-i]");
    assert(!(await page.$("#top .banner")), "a banner after a reload: the token was not kept for the tab");
    // a new tab has none (the mock desk serves it reads without one): it says sending needs a restart
    const tab = await page.context().newPage();
    await tab.goto(desk.origin + "/#compose");
    await tab.waitForSelector("#c-body");
    const banner = await tab.textContent("#top .banner");
    assert(banner && (banner.includes(ru["session.readonly"]) || banner.includes(en["session.readonly"])), "no banner in a new tab: " + banner);
    assert(await tab.$(".compose .warn"), "compose in a new tab does not warn that it cannot send");
    await tab.close();
  });

  await check("mandate_report_where_aid_crossing", async () => {
    assert(!(await page.$('nav a[href="#mandate"]')), "the mandate report is offered without aid-crossing");
    const aid = await startDesk(process.execPath, [mock, web, "--items", "3", "--profiles", "cyber-mla,aid-crossing", "--agency", "un.ocha"]);
    const { ctx: c4, page: p4 } = await context();
    try {
      await p4.goto(aid.url);
      await p4.waitForSelector("#rows");
      await p4.click('nav a[href="#mandate"]');
      await p4.waitForSelector("#ch-acks");
      const text = await p4.textContent("main");
      assert(text.includes(en["mandate.acks"]) && text.includes("sy"), "the mandate report: " + text.slice(0, 200));
      assert(await p4.evaluate(() => window.__xss === undefined) && !(await p4.$("main img")), "a party name became markup");
      await axe(p4);
    } finally { await c4.close(); aid.proc.kill(); }
  });

  writeFileSync(join(art, "README"), "Screenshots of the desk's page (tests/browser/page.mjs), kept as test artefacts.\n");
  await ctx.close();
} finally {
  await browser.close();
  desk.proc.kill();
}
process.exit(failures() ? 1 : 0);
