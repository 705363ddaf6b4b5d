// The desk in headless Chromium on a real aid-crossing channel (tests/cli/desk_browser.sh starts
// two nodes, a witness, and desks for un.ocha, un.unmm and sy.mofa): un.ocha composes a
// consignment from the form (a field error shown first, nothing sent), un.unmm an inspection
// referring to it, sy.mofa finds it in its inbox by its shipment and acknowledges it; the
// mandate report renders. docs/desk.md "Aid-crossing".
//   OCHA_URL UNMM_URL MOFA_URL (the start URLs printed)   node desk-aid.mjs ARTEFACTS
import { check, assert, launch, axe, failures } from "./harness.mjs";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const art = process.argv[2];
mkdirSync(art, { recursive: true });
const { OCHA_URL, UNMM_URL, MOFA_URL } = process.env;
const en = JSON.parse(readFileSync(new URL("../../web/i18n/en.json", import.meta.url)));
const browser = await launch();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const at = (s) => new Date(Math.floor(Date.now() / 1000 + s) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const caseHash = (id) => "#case/" + id.split("/").map(encodeURIComponent).join("/");
const composeHash = (id, q) => "#compose/" + id.split("/").map(encodeURIComponent).join("/") + "?" + q;

async function open(url) {
  const ctx = await browser.newContext({ locale: "en-US" });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => { page.__errors = (page.__errors || []).concat(String(e)); });
  await page.goto(url);
  await page.waitForSelector("#rows");
  return page;
}
async function go(p, hash, sel) {
  await p.evaluate((h) => { location.hash = h; }, hash);
  await p.waitForSelector(sel);
}
async function template(p) {
  await p.click("#c-template");
  await p.waitForFunction(() => [...document.querySelectorAll("#c-body [data-kind=string]")].some((e) => e.value));
}
async function send(p) {
  await p.click("button[type=submit]");
  await p.waitForSelector(".timeline", { timeout: 60000 }).catch(async () => { throw new Error("not sent: " + (await p.textContent("#c-summary"))); });
}

let CASE = null, ocha, unmm, mofa;
try {
  ocha = await open(OCHA_URL);
  unmm = await open(UNMM_URL);
  mofa = await open(MOFA_URL);

  await check("aid_compose_offers_aid_kinds", async () => {
    const p = ocha;
    await p.keyboard.press("c");
    await p.waitForSelector("[data-path='$.shipment_id']");
    const kinds = await p.$$eval("#c-kind option", (o) => o.map((x) => x.value));
    assert(JSON.stringify(kinds) === JSON.stringify(["notice", "update", "ack", "close"]), "kinds " + kinds);
    assert((await p.$eval("#c-kind", (s) => s.selectedOptions[0].textContent)) === en["aidkind.notice"], "the notice is not the consignment notice");
    assert(await p.$("[data-path='$.trucks']"), "no trucks in the consignment form");
  });

  await check("aid_field_error_before_sending", async () => {
    const p = ocha;
    await template(p);
    await p.fill("[data-path='$.crossing']", "Bab al Hawa");
    await p.check('input[name=to][value="sy.mofa"]');
    await p.click("button[type=submit]");
    await p.waitForSelector("#c-summary .errors");
    const s = await p.textContent("#c-summary");
    assert(s.includes("Nothing was sent") && s.includes("$.crossing"), "no field error: " + s);
    assert(await p.$eval("[data-path='$.crossing']", (e) => e.getAttribute("aria-invalid") === "true"), "the field is not marked");
    assert(!p.url().includes("#case/"), "sent anyway");
    const inbox = await p.evaluate(() => fetch("/api/inbox", { headers: { "X-Parley-CSRF": sessionStorage.getItem("parley.csrf") } }).then((r) => r.json()));
    assert(!inbox.items.length, "something was sent: " + JSON.stringify(inbox.items).slice(0, 200));
    await axe(p);
  });

  await check("ocha_composes_consignment", async () => {
    const p = ocha;
    await p.fill("[data-path='$.crossing']", "bab-al-hawa");
    await p.fill("[data-path='$.planned_loading']", at(3 * 86400 - 3600));
    await p.fill("[data-path='$.planned_crossing']", at(3 * 86400));
    await p.check('input[name=to][value="un.unmm"]');
    await send(p);
    CASE = decodeURIComponent(p.url().split("#case/")[1]);
    assert(/^un\.ocha\/\d{4}-\d{4}$/.test(CASE), "case " + CASE);
    const tl = await p.textContent(".timeline");
    assert(tl.includes("BAH-2021-0001") && tl.includes(en["kind.notice"]), "the consignment is not shown: " + tl.slice(0, 300));
    const c = await p.evaluate((u) => fetch(u, { headers: { "X-Parley-CSRF": sessionStorage.getItem("parley.csrf") } }).then((r) => r.json()), "/api/case/" + encodeURIComponent(CASE));
    const e = c.envelopes[0];
    assert(e.kind === "notice" && e.body.type === "consignment" && e.aid && e.aid.type === "consignment" && e.aid.trucks === e.body.trucks.length,
      "the envelope's aid line is not the body's: " + JSON.stringify(e.aid));
    await axe(p);
  });

  await check("unmm_inspection_refers_to_it", async () => {
    const p = unmm;
    for (let i = 0; i < 100; i++) {
      const inbox = await p.evaluate(() => fetch("/api/inbox", { headers: { "X-Parley-CSRF": sessionStorage.getItem("parley.csrf") } }).then((r) => r.json()));
      if (inbox.items.some((x) => x.case === CASE)) break;
      await sleep(300);
    }
    await go(p, composeHash(CASE, "kind=update&ref=un%2F0"), "#c-type");
    assert((await p.$eval("#c-type", (s) => s.value)) === "inspection", "the update is not an inspection by default");
    assert((await p.$eval("#c-ref", (s) => s.value)) === "un/0", "the inspection does not refer to the consignment");
    await p.waitForSelector("[data-path='$.trucks_confirmed']");
    await template(p);
    await p.check('input[name=to][value="un.ocha"]');
    await p.check('input[name=to][value="sy.mofa"]');
    await axe(p);
    await send(p);
    const c = await p.evaluate((u) => fetch(u, { headers: { "X-Parley-CSRF": sessionStorage.getItem("parley.csrf") } }).then((r) => r.json()), "/api/case/" + encodeURIComponent(CASE));
    const ins = c.envelopes.find((e) => e.kind === "update");
    assert(ins && ins.body && ins.body.type === "inspection" && ins.aid && ins.aid.type === "inspection", "no inspection: " + JSON.stringify(ins).slice(0, 300));
  });

  await check("mofa_finds_it_and_acknowledges", async () => {
    const p = mofa;
    let found = false;
    for (let i = 0; i < 100 && !found; i++) {
      await go(p, "#compose", "#c-body");
      await go(p, "#inbox", "#rows");
      found = await p.$$eval("#rows tr[data-i] td:nth-child(4) a", (as, c) => as.some((a) => a.textContent === c), CASE);
      if (!found) await sleep(300);
    }
    assert(found, "the consignment is not in sy.mofa's inbox");
    await p.fill("#search", "bah-2021-0001");
    await p.waitForFunction((c) => { const r = document.querySelectorAll("#rows tr[data-i]"); return r.length >= 1 && [...r].every((x) => x.textContent.includes(c)); }, CASE);
    assert((await p.textContent("#rows")).includes("BAH-2021-0001"), "the shipment is not the row's title");
    await axe(p);
    await p.fill("#search", "");
    await go(p, composeHash(CASE, "kind=ack&ref=un%2F0"), "#c-ref");
    await template(p);
    await send(p);
    assert((await p.textContent(".timeline")).includes(en["kind.ack"]), "the ack is not in the timeline");
  });

  await check("ocha_sees_the_ack", async () => {
    const p = ocha;
    let t = "";
    for (let i = 0; i < 100; i++) {
      await go(p, "#inbox", "#rows");
      await go(p, caseHash(CASE), ".timeline");
      t = await p.textContent(".timeline");
      if (t.includes(en["kind.ack"])) break;
      await sleep(300);
    }
    assert(t.includes(en["kind.ack"]), "un.ocha does not see sy.mofa's ack");
  });

  await check("mandate_report_renders", async () => {
    const p = ocha;
    await p.click('nav a[href="#mandate"]');
    await p.waitForSelector("#report table.list, #report .warn", { timeout: 120000 });
    assert(!(await p.$("#report .warn")), "the mandate report failed: " + (await p.textContent("#report")));
    // the first reporting period (the term starts today): sy's acknowledgement on time
    const rows = await p.$$eval("#report tbody tr", (r) => r.map((x) => [...x.cells].map((c) => c.textContent)));
    const sy = rows.find((r) => r[0] === "sy");
    assert(sy && sy[1] === "1", "sy's acknowledgements: " + JSON.stringify(rows));
    await p.screenshot({ path: join(art, "mandate-en.png"), fullPage: true });
    await axe(p);
  });

  await check("aid_no_page_errors", async () => {
    const errs = [ocha, unmm, mofa].flatMap((p) => p.__errors || []);
    assert(!errs.length, errs.join(" | "));
  });
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
