// The session's end as the officer sees it (docs/desk.md "The session's life"), in headless
// Chromium over a real desk (tests/cli/desk_session.sh starts the node):
//   PARLEY KEY NODE   node desk-session.mjs
// A desk with --session-idle 3: the page opens with the start link; after 4 s without a
// request, the next view's API call is answered 401 and the page shows that the session
// ended and where the new start link is, in English and (the language kept) in Arabic; the
// new link the desk printed opens the inbox again.
import { check, assert, launch, failures, startDesk } from "./harness.mjs";
import { readFileSync } from "node:fs";

const { PARLEY, KEY, NODE } = process.env;
const en = JSON.parse(readFileSync(new URL("../../web/i18n/en.json", import.meta.url)));
const ar = JSON.parse(readFileSync(new URL("../../web/i18n/ar.json", import.meta.url)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const desk = await startDesk(PARLEY, ["desk", "--key", KEY, "--node", NODE, "--session-idle", "3"]);
let out = "";
desk.proc.stdout.on("data", (d) => { out += d; });
const links = () => [...out.matchAll(/desk: (http:\/\/\S+\/start#\S+)/g)].map((m) => m[1]);
const browser = await launch();
try {
  const ctx = await browser.newContext({ locale: "en-US" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(desk.url);

  await check("session_opens", async () => {
    await page.waitForSelector("#rows");
  });

  await check("ended_page_says_so", async () => {
    await sleep(4500);
    await page.evaluate(() => { location.hash = "#reports"; });
    await page.waitForSelector("#session-ended", { timeout: 10000 });
    const text = await page.textContent("#session-ended");
    assert(text.includes(en["session.ended_title"]) && text.includes(en["session.ended_idle"]) && text.includes(en["session.new_link"]),
      "the page does not say the session ended and where the new link is: " + text);
    assert(!(await page.$("nav")), "the navigation is still shown");
    assert(!errors.length, "page errors: " + errors.join("; "));
  });

  await check("ended_page_in_arabic_after_reload", async () => {
    await page.evaluate(() => localStorage.setItem("parley.lang", "ar"));
    await page.reload();
    await page.waitForSelector("#session-ended", { timeout: 10000 });
    const text = await page.textContent("#session-ended");
    assert(text.includes(ar["session.ended_title"]) && text.includes(ar["session.new_link"]), "not in Arabic: " + text);
    await page.evaluate(() => localStorage.removeItem("parley.lang"));
  });

  await check("new_link_opens_again", async () => {
    const l = links();
    assert(l.length === 1, `the desk printed ${l.length} new link(s): ${out}`);
    await page.goto(l[0]);
    await page.waitForSelector("#rows", { timeout: 10000 });
    assert(!(await page.$("#session-ended")), "still the ended view");
  });
  await ctx.close();
} finally {
  await browser.close();
  desk.proc.kill();
}
process.exit(failures() ? 1 : 0);
