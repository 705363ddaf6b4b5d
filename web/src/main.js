// The desk's page: start, then a hash router over the inbox, a case, compose and reports.
import { setSeenKey } from "./seen.js";
import { initLanguage, setLanguage, language, LANGS, t } from "./i18n.js";
import { html, setHTML } from "./html.js";
import * as api from "./api.js";
import { renderInbox } from "./inbox.js";
import { renderCase } from "./case.js";
import { renderCompose } from "./compose.js";
import { renderReports } from "./reports.js";
import { renderStatement } from "./statement.js";
import { installKeys } from "./keys.js";
import { errorText } from "./errors.js";

const app = () => document.getElementById("app");
let session = null;
let generation = 0; // a view whose data arrives after another route began draws nothing

function message(titleKey, textKey) {
  document.getElementById("top").textContent = "";
  setHTML(app(), html`<section class="notice"><h1>${t(titleKey)}</h1><p>${t(textKey)}</p></section>`);
}

// The session ended: every view stops, and the page says how to open a new one (the desk printed its link).
function ended(reason) {
  session = null;
  generation++;
  document.getElementById("top").textContent = "";
  setHTML(app(), html`<section class="notice" role="alert" id="session-ended">
    <h1>${t("session.ended_title")}</h1>
    <p>${t(reason === "max" ? "session.ended_max" : "session.ended_idle")}</p>
    <p>${t("session.new_link")}</p>
  </section>`);
}
api.onSessionEnded(ended);

function header() {
  const nav = [["#inbox", "nav.inbox"], ["#compose", "nav.compose"], ["#statement", "nav.statement"], ["#reports", "nav.reports"]];
  if (session.profiles && session.profiles.includes("aid-crossing")) nav.push(["#mandate", "nav.mandate"]);
  const here = location.hash.split("/")[0] || "#inbox";
  setHTML(document.getElementById("top"), html`
    <nav aria-label="${t("nav.label")}">
      <span class="brand">${t("app.title")}</span>
      <ul>${nav.map(([h, k]) => html`<li><a href="${h}"${here === h ? html` aria-current="page"` : ""}>${t(k)}</a></li>`)}</ul>
      <span class="who"><bdi dir="auto">${session.agency}</bdi></span>
      <label class="lang">${t("nav.language")}
        <select id="lang">${LANGS.map((l) => html`<option value="${l}"${l === language() ? html` selected` : ""}>${t("lang." + l)}</option>`)}</select>
      </label>
    </nav>
    ${api.hasCsrf() ? "" : html`<p class="banner" role="status">${t("session.readonly")}</p>`}`);
  document.getElementById("lang").addEventListener("change", (e) => {
    setLanguage(e.target.value);
    route();
  });
}

export async function route() {
  if (!session) return;
  header();
  const [name, ...rest] = location.hash.replace(/^#/, "").split("/");
  const arg = rest.map(decodeURIComponent).join("/");
  const mine = ++generation;
  const ctx = { session, app: app(), go: (h) => { location.hash = h; }, stale: () => mine !== generation };
  try {
    if (name === "case" && arg) await renderCase(ctx, arg);
    else if (name === "compose") await renderCompose(ctx, arg);
    else if (name === "statement") await renderStatement(ctx, arg);
    else if (name === "reports") await renderReports(ctx, "period");
    else if (name === "mandate") await renderReports(ctx, "mandate");
    else await renderInbox(ctx);
  } catch (e) {
    if (ctx.stale()) return;
    setHTML(app(), html`<section class="notice" role="alert"><h1>${t("error.title")}</h1><p>${errorText(e)}</p></section>`);
  }
}

async function boot() {
  initLanguage();
  if (location.pathname === "/start") {
    const secret = location.hash.replace(/^#/, "");
    history.replaceState(null, "", "/#inbox"); // the secret leaves the address bar and history
    if (!secret) return message("start.title", "start.no_secret");
    try {
      await api.start(secret);
    } catch (e) {
      return message("start.title", e instanceof api.ApiError && e.status === 403 ? "start.refused" : "start.failed");
    }
  }
  try {
    session = await api.get("/api/session");
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) return; // ended(): already said
    return message("start.title", "start.no_session");
  }
  if (!api.hasCsrf() && session.csrf) api.setCsrf(session.csrf);
  setSeenKey(session.seen_key);
  installKeys(() => route());
  window.addEventListener("hashchange", route);
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
