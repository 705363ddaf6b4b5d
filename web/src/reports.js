// Reports (docs/desk.md "Reports"): the period report with charts, the story's question
// ("were requests received through the channel in this period?") answered in two clicks
// (Reports, then the question), the verifiable bundle; the mandate report where the
// charter enables aid-crossing. Charts by Chart.js, bundled (nothing fetched).
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from "chart.js";
import { t, fmtTime, fmtNum, fmtDuration, language } from "./i18n.js";
import { html, user, setHTML } from "./html.js";
import { get, withToken } from "./api.js";
import { partyOf } from "./util.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLORS = ["#1f5fa8", "#2e8540", "#b35c00", "#8a2be2", "#a00000"];
const charts = [];
const period = { from: null, to: null };

function defaultPeriod(now) {
  const to = new Date(now || Date.now());
  const from = new Date(to.getTime() - 30 * 86400 * 1000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}
const rfc = (day, end) => day + (end ? "T23:59:59Z" : "T00:00:00Z");

function bar(canvas, labels, series) {
  const rtl = document.documentElement.dir === "rtl";
  charts.push(new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: COLORS[i % COLORS.length] })) },
    options: {
      locale: language(), animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { rtl, position: "bottom" }, tooltip: { rtl } },
      scales: { x: { reverse: rtl }, y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: { precision: 0 } } },
    },
  }));
}

// The answer in words: requests sent to the agency's party in the period, and whether
// they were deemed delivered; the logs that were not complete are named.
export function answerQuestion(rep, party) {
  const req = (rep.pairs || []).filter((p) => p.kind === "request");
  const toUs = req.filter((p) => p.to === party);
  const sum = (l, f) => l.reduce((n, p) => n + (p[f] || 0), 0);
  const lines = [];
  if (sum(toUs, "sent") === 0) lines.push(t("q.no", { party }));
  else {
    lines.push(t("q.yes", { party, n: fmtNum(sum(toUs, "sent")), delivered: fmtNum(sum(toUs, "delivered")) }));
    for (const p of toUs) lines.push(t("q.pair", { from: p.from, n: fmtNum(p.sent), delivered: fmtNum(p.delivered), outstanding: fmtNum(p.outstanding) }));
  }
  lines.push(t("q.channel", { n: fmtNum(sum(req, "sent")), delivered: fmtNum(sum(req, "delivered")) }));
  const incomplete = (rep.logs || []).filter((l) => !l.complete).map((l) => l.party);
  lines.push(incomplete.length ? t("q.incomplete", { parties: incomplete.join(", ") }) : t("q.complete"));
  return { yes: sum(toUs, "sent") > 0, lines };
}

function periodForm(p) {
  return html`<form id="period" class="filters">
    <label>${t("report.from")} <input id="r-from" type="date" value="${p.from}" required></label>
    <label>${t("report.to")} <input id="r-to" type="date" value="${p.to}" required></label>
    <button type="submit">${t("report.show")}</button></form>`;
}

async function period_(ctx) {
  const { session, app } = ctx;
  if (!period.from) Object.assign(period, defaultPeriod(session.now));
  // The period ends at the end of its last day, or now if that is later than now.
  // (the later of the browser's clock and the desk's at the session's start: the session may be old)
  const now = new Date(Math.max(Date.parse(session.now) || 0, Date.now())).toISOString().replace(/\.\d{3}Z$/, "Z");
  const to = rfc(period.to, true) > now ? now : rfc(period.to, true);
  const qs = `from=${encodeURIComponent(rfc(period.from))}&to=${encodeURIComponent(to)}`;
  setHTML(app, html`<section class="reports"><h1>${t("report.title")}</h1>${periodForm(period)}
    <p><button type="button" id="question" class="primary">${t("q.button")}</button></p>
    <div id="answer" role="status" aria-live="polite"></div><div id="report"><p>${t("report.loading")}</p></div></section>`);
  app.querySelector("#period").addEventListener("submit", (e) => {
    e.preventDefault();
    period.from = app.querySelector("#r-from").value; period.to = app.querySelector("#r-to").value;
    period_(ctx);
  });
  let rep = null, failed = null;
  const loading = get("/api/report?" + qs).then((r) => { rep = r; }, (e) => { failed = e; });
  app.querySelector("#question").addEventListener("click", async () => {
    await loading;
    const out = document.getElementById("answer");
    if (!out) return;
    if (failed) { setHTML(out, html`<p class="warn">${t("report.failed")}</p>`); return; }
    const a = answerQuestion(rep, partyOf(session.agency, session));
    setHTML(out, html`<div class="answer ${a.yes ? "yes" : "no"}"><h2>${t("q.title", { from: period.from, to: period.to })}</h2>${a.lines.map((l) => html`<p>${l}</p>`)}</div>`);
  });
  await loading;
  const box = document.getElementById("report");
  if (!box || ctx.stale()) return;
  if (failed) { setHTML(box, html`<p class="warn" role="alert">${t("report.failed")}</p>`); return; }
  const req = (rep.pairs || []).filter((p) => p.kind === "request");
  const months = [...new Set(req.flatMap((p) => (p.months || []).map((m) => m.month)))].sort();
  const perMonth = (f) => months.map((m) => req.reduce((n, p) => n + ((p.months || []).find((x) => x.month === m)?.[f] || 0), 0));
  setHTML(box, html`
    <p>${t("report.as_of", { at: fmtTime(rep.as_of), from: fmtTime(rep.period.from), to: fmtTime(rep.period.to) })}</p>
    <p><a class="button" href="${withToken("/api/report/bundle?" + qs)}" download>${t("report.bundle")}</a></p>
    <h2>${t("report.requests_by_month")}</h2>
    <div class="chart"><canvas id="ch-months" role="img" aria-label="${t("report.requests_by_month")}"></canvas></div>
    <h2>${t("report.pairs")}</h2>
    <div class="chart"><canvas id="ch-pairs" role="img" aria-label="${t("report.pairs")}"></canvas></div>
    <table class="list"><caption class="vh">${t("report.pairs")}</caption><thead><tr>
      ${["from", "to", "kind", "sent", "delivered", "outstanding", "acknowledged", "answered", "declined", "overdue", "late", "delivery_s", "ack_s", "answer_s"].map((c) => html`<th scope="col">${t("report.col." + c)}</th>`)}</tr></thead>
      <tbody>${(rep.pairs || []).map((p) => html`<tr><td><bdi dir="auto">${p.from}</bdi></td><td><bdi dir="auto">${p.to}</bdi></td><td>${t("kind." + p.kind)}</td>
        ${["sent", "delivered", "outstanding", "acknowledged", "answered", "declined", "overdue", "late"].map((f) => html`<td class="num">${fmtNum(p[f])}</td>`)}
        ${["delivery_s", "ack_s", "answer_s"].map((f) => html`<td>${p[f] && p[f].median !== null ? t("report.median", { median: fmtDuration(p[f].median), p90: fmtDuration(p[f].p90) }) : ""}</td>`)}</tr>`)}</tbody></table>
    <h2>${t("report.logs")}</h2>
    <ul>${(rep.logs || []).map((l) => html`<li><bdi dir="auto">${l.party}</bdi>: ${t(l.complete ? "report.log_complete" : "report.log_incomplete", { size: fmtNum(l.size) })}</li>`)}</ul>`);
  while (charts.length) charts.pop().destroy();
  bar(document.getElementById("ch-months"), months, ["sent", "delivered", "acknowledged", "answered"].map((f) => ({ label: t("report.col." + f), data: perMonth(f) })));
  const pairs = rep.pairs || [];
  bar(document.getElementById("ch-pairs"), pairs.map((p) => `${p.from} → ${p.to} · ${t("kind." + p.kind)}`),
    ["sent", "delivered", "overdue"].map((f) => ({ label: t("report.col." + f), data: pairs.map((p) => p[f]) })));
}

async function mandate(ctx) {
  const { app } = ctx;
  setHTML(app, html`<section class="reports"><h1>${t("mandate.title")}</h1><div id="report"><p>${t("report.loading")}</p></div></section>`);
  let m;
  try { m = await get("/api/mandate?period=1"); } catch (e) {
    if (ctx.stale()) return;
    setHTML(document.getElementById("report"), html`<p class="warn" role="alert">${t("report.failed")}</p>`); return;
  }
  if (ctx.stale()) return;
  const acks = m.acknowledgements_by_party || [];
  setHTML(document.getElementById("report"), html`
    <p>${t("mandate.term", { start: fmtTime(m.term && m.term.start), end: fmtTime(m.term && m.term.end) })}</p>
    <h2>${t("mandate.acks")}</h2>
    <div class="chart"><canvas id="ch-acks" role="img" aria-label="${t("mandate.acks")}"></canvas></div>
    <table class="list"><thead><tr>${["party", "on_time", "late", "missing", "pending"].map((c) => html`<th scope="col">${t("mandate.col." + c)}</th>`)}</tr></thead>
      <tbody>${acks.map((a) => html`<tr><td><bdi dir="auto">${a.party}</bdi></td>${["on_time", "late", "missing", "pending"].map((f) => html`<td class="num">${fmtNum(a[f])}</td>`)}</tr>`)}</tbody></table>
    <h2>${t("mandate.total")}</h2>
    <dl>${Object.entries(m.total || {}).map(([k, v]) => html`<dt>${user(k.replace(/_/g, " "))}</dt><dd>${typeof v === "number" ? fmtNum(v) : user(JSON.stringify(v))}</dd>`)}</dl>`);
  while (charts.length) charts.pop().destroy();
  bar(document.getElementById("ch-acks"), acks.map((a) => a.party), ["on_time", "late", "missing", "pending"].map((f) => ({ label: t("mandate.col." + f), data: acks.map((a) => a[f]) })));
}

export async function renderReports(ctx, which) {
  while (charts.length) charts.pop().destroy();
  return which === "mandate" ? mandate(ctx) : period_(ctx);
}
