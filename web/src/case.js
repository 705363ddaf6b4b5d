// A case (docs/desk.md "Case"): the timeline with each step's proof status in words,
// decrypted bodies as documents, receipt and evidence downloads, replies.
import { t, fmtTime, fmtNum } from "./i18n.js";
import { html, user, setHTML } from "./html.js";
import { get, withToken } from "./api.js";
import { markSeen } from "./seen.js";
import { stixTable } from "./stix.js";
import { partyOf } from "./util.js";

const enc = (s) => String(s).split("/").map(encodeURIComponent).join("/");

function clock(name, party, c) {
  if (!c) return "";
  const p = { party, due: fmtTime(c.due), at: fmtTime(c.at) };
  let s = t(`clock.${name}.${c.state}`, p);
  if (c.late) s += " " + t("clock.late");
  return html`<li class="clock c-${c.state}">${s}</li>`;
}

function proof(e, session) {
  const out = [html`<li>${t("proof.published", { party: partyOf(e.from, session), index: fmtNum(e.index) })}</li>`];
  for (const d of e.delivery || [])
    out.push(html`<li>${d.state === "delivered" ? t("proof.delivered", { party: d.party, at: fmtTime(d.at) })
      : t("proof.outstanding", { party: d.party, since: fmtTime(d.since) })}</li>`);
  for (const c of e.cosigned || [])
    out.push(html`<li>${t(c.role === "witness" ? "proof.cosigned_witness" : "proof.cosigned_party", { by: c.by, at: fmtTime(c.at) })}</li>`);
  for (const r of e.received || [])
    out.push(html`<li>${t("proof.received", { party: r.party, at: fmtTime(r.time) })}</li>`);
  for (const o of e.obligations || []) {
    out.push(clock("ack", o.party, o.ack));
    out.push(clock("answer", o.party, o.answer));
    if (o.answer) out.push(html`<li>${t("proof.answers", { party: o.party, n: fmtNum(o.answers) })}</li>`);
  }
  return out;
}

// The decrypted body: the API puts the document where the envelope view has
// {sha256, size}; a body with only those two is not opened here.
function openedBody(e) {
  const b = e.body;
  if (!b || typeof b !== "object") return null;
  const keys = Object.keys(b);
  if (keys.length === 2 && "sha256" in b && "size" in b) return null;
  return b;
}

function value(v) {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return html`<ul>${v.map((x) => html`<li>${value(x)}</li>`)}</ul>`;
  if (typeof v === "object") return html`<dl>${Object.entries(v).map(([k, x]) => html`<dt>${user(k.replace(/_/g, " "))}</dt><dd>${value(x)}</dd>`)}</dl>`;
  if (typeof v === "boolean") return t(v ? "value.yes" : "value.no");
  return html`<span class="text">${user(v)}</span>`;
}

// What a ref names: the API's "pos" (PARTY/INDEX), or the sender's party and the index.
export const posOf = (e, session) => e.pos || partyOf(e.from, session) + "/" + e.index;

function documentOf(e, body, session) {
  const rest = Object.entries(body).filter(([k]) => !["profile", "type", "title", "evidence"].includes(k));
  return html`<article class="doc">
    ${body.title ? html`<h3>${user(body.title)}</h3>` : ""}
    <dl>${rest.map(([k, v]) => html`<dt>${user(k.replace(/_/g, " "))}</dt><dd>${value(v)}</dd>`)}</dl>
    ${body.evidence ? html`<h4>${t("case.evidence")}</h4>${stixTable(body.evidence)}
      <p><a class="button" href="${withToken("/api/evidence/" + enc(posOf(e, session)))}" download>${t("case.download_evidence")}</a></p>` : ""}
  </article>`;
}

export async function renderCase(ctx, id) {
  const { session, app } = ctx;
  const c = await get("/api/case/" + enc(id));
  if (ctx.stale()) return;
  const envs = c.envelopes || [];
  setHTML(app, html`<section class="case">
    <h1>${t("case.title")} <bdi dir="auto">${c.case}</bdi></h1>
    <p>${t("case.as_of", { at: fmtTime(c.as_of) })}${c.closed_at ? html` · ${t("case.closed", { at: fmtTime(c.closed_at) })}` : ""}</p>
    <p class="actions"><a class="button" href="${withToken("/api/receipt/" + enc(c.case))}" download>${t("case.download_receipt")}</a>
      <a class="button" href="#compose/${enc(c.case)}">${t("case.reply")}</a></p>
    <ol class="timeline">${envs.map((e) => {
      const body = openedBody(e);
      const ref = posOf(e, session);
      return html`<li class="env k-${e.kind}" id="env-${e.log}-${e.index}">
        <h2>${t("kind." + e.kind)} · <bdi dir="auto">${e.from}</bdi> → ${(e.to || []).map((a, i) => html`${i ? ", " : ""}<bdi dir="auto">${a}</bdi>`)}</h2>
        <p class="meta">${fmtTime(e.time)} · ${t("case.position", { ref })}${e.urgent ? html` · <strong>${t("case.urgent")}</strong>` : ""}${e.handling ? html` · <bdi dir="auto">${e.handling}</bdi>` : ""}
          ${e.ref ? html` · ${t("case.in_reply", { kind: e.ref.kind ? t("kind." + e.ref.kind) : "", index: fmtNum(e.ref.index), state: t("ref." + e.ref.state) })}` : ""}</p>
        <ul class="proof">${proof(e, session)}</ul>
        ${body ? documentOf(e, body, session) : e.body_error ? html`<p class="warn">${t("case.body_error", { why: e.body_error })}</p>` : ""}
        <p><a href="#compose/${enc(c.case)}?ref=${encodeURIComponent(ref)}">${t("case.reply_to_this")}</a></p>
      </li>`;
    })}</ol>
    ${(c.invalid || []).length ? html`<h2>${t("case.invalid")}</h2><ul>${c.invalid.map((x) => html`<li><bdi dir="auto">${x.log}</bdi> #${fmtNum(x.index)}: ${user(x.reason)}</li>`)}</ul>` : ""}
  </section>`);
  markSeen(session.agency, c.case, envs);
  app.focus({ preventScroll: true });
}
