// Compose and respond (docs/desk.md): the body's form from the profile's schema, field
// errors before sending, templates, a STIX upload checked before sending, urgency read from
// the body (its one source), the envelope replied to chosen explicitly from a list, and
// the node's refusal in plain words.
import { t, fmtTime, fmtNum } from "./i18n.js";
import { html, setHTML } from "./html.js";
import { get, post, hasCsrf } from "./api.js";
import { makeResolver, formMarkup, readForm, validate } from "./schemaform.js";
import { checkBundle, stixTable } from "./stix.js";
import { errorText } from "./errors.js";
import { agencyNames, caseHash } from "./util.js";
import { posOf } from "./case.js";

export const SEND_KINDS = ["notice", "request", "preservation", "update", "ack", "answer", "decline", "close"];
const RESPONSES = ["ack", "answer", "decline", "close", "update"];
const SCHEMA = { request: "mla-request", preservation: "preservation-request" };
const schemaName = (kind) => SCHEMA[kind] || kind;
const enc = (s) => String(s).split("/").map(encodeURIComponent).join("/");

const cache = {};
async function schemaFor(profile, kind) {
  const k = profile + "/" + schemaName(kind);
  if (!cache[k]) {
    const [main, common] = await Promise.all([get("/api/schema/" + k), cache["c/" + profile] || get("/api/schema/" + profile + "/common")]);
    cache["c/" + profile] = common;
    cache[k] = { schema: main, r: makeResolver(main, common) };
  }
  return cache[k];
}

// Urgency has one source: the body (urgency.urgent, or priority "urgent").
export function urgentOf(body) {
  return !!(body && ((body.urgency && body.urgency.urgent === true) || body.priority === "urgent"));
}

export async function renderCompose(ctx, arg) {
  const { session, app } = ctx;
  const [caseArg, query] = String(arg || "").split("?");
  const params = new URLSearchParams(query || "");
  const profile = (session.profiles && session.profiles[0]) || "cyber-mla";
  const st = { kind: params.get("kind") || (caseArg ? "update" : "request"), caseId: caseArg || "", ref: params.get("ref") || "", evidence: null, body: null, envelopes: [] };
  if (st.caseId) {
    try { st.envelopes = (await get("/api/case/" + enc(st.caseId))).envelopes || []; } catch { st.envelopes = []; }
  }
  if (ctx.stale()) return;
  const others = agencyNames(session).filter((a) => a !== session.agency);

  const draw = async () => {
    const { schema, r } = await schemaFor(profile, st.kind);
    if (ctx.stale()) return;
    const isResponse = RESPONSES.includes(st.kind);
    const refOpts = st.envelopes.map((e) => {
      const ref = posOf(e, session);
      return html`<option value="${ref}"${st.ref === ref ? html` selected` : ""}>${t("compose.ref_option", { ref, kind: t("kind." + e.kind), from: e.from, time: fmtTime(e.time) })}</option>`;
    });
    setHTML(app, html`<section class="compose">
      <h1>${t("compose.title")}</h1>
      ${hasCsrf() ? "" : html`<p class="warn" role="alert">${t("session.readonly")}</p>`}
      <form id="compose" novalidate>
        <div class="field"><label for="c-kind">${t("compose.kind")}</label>
          <select id="c-kind">${SEND_KINDS.map((k) => html`<option value="${k}"${k === st.kind ? html` selected` : ""}>${t("kind." + k)}</option>`)}</select></div>
        <div class="field"><label for="c-case">${t("compose.case")}</label>
          <input id="c-case" type="text" value="${st.caseId}" aria-describedby="c-case-h c-case_e"><small class="hint" id="c-case-h">${t("compose.case_hint")}</small><span class="err" id="c-case_e" role="alert"></span></div>
        ${isResponse ? html`<div class="field"><label for="c-ref">${t("compose.ref")} <span class="req" aria-hidden="true">*</span></label>
          <select id="c-ref" aria-required="true" aria-describedby="c-ref_e"><option value="">${t("compose.ref_choose")}</option>${refOpts}</select><span class="err" id="c-ref_e" role="alert"></span></div>` : ""}
        <fieldset id="c-to"><legend>${t("compose.to")}</legend>
          ${others.map((a) => html`<label class="check"><input type="checkbox" name="to" value="${a}"> <bdi dir="auto">${a}</bdi></label>`)}
          <span class="err" id="c-to_e" role="alert"></span><small class="hint">${t("compose.to_hint")}</small></fieldset>
        <div class="field"><label for="c-handling">${t("compose.handling")}</label><input id="c-handling" type="text" autocomplete="off"></div>
        <p><button type="button" id="c-template">${t("compose.template")}</button></p>
        <div id="c-body">${formMarkup(r, schema, st.body)}</div>
        <p id="c-urgent" class="urgent" role="status"></p>
        <fieldset><legend>${t("compose.evidence")}</legend>
          <label for="c-evidence">${t("compose.evidence_file")}</label> <input id="c-evidence" type="file" accept=".json,application/json">
          <span class="err" id="c-evidence_e" role="alert"></span><div id="c-evidence-view">${st.evidence ? stixTable(st.evidence) : ""}</div></fieldset>
        <div id="c-summary" role="alert"></div>
        <p><button type="submit" class="primary">${t("compose.send")}</button></p>
      </form></section>`);
    const form = document.getElementById("compose");
    const showUrgent = () => {
      const { body } = readForm(document.getElementById("c-body"), r, schema);
      document.getElementById("c-urgent").textContent = t(urgentOf(body) ? "compose.urgent_yes" : "compose.urgent_no");
    };
    showUrgent();
    const keep = () => {
      st.caseId = document.getElementById("c-case").value.trim();
      const ref = document.getElementById("c-ref");
      if (ref) st.ref = ref.value;
      st.body = readForm(document.getElementById("c-body"), r, schema).body;
    };
    document.getElementById("c-kind").addEventListener("change", async (e) => {
      keep(); st.kind = e.target.value; st.body = null; await draw();
    });
    document.getElementById("c-case").addEventListener("change", async (e) => {
      keep();
      try { st.envelopes = st.caseId ? (await get("/api/case/" + enc(st.caseId))).envelopes || [] : []; } catch { st.envelopes = []; }
      await draw();
    });
    document.getElementById("c-template").addEventListener("click", async () => {
      keep();
      try { st.body = await get("/api/template/" + encodeURIComponent(schemaName(st.kind))); } catch (e) { showSummary([errorText(e)]); return; }
      if (st.body && st.body.evidence) { st.evidence = st.body.evidence; delete st.body.evidence; } // the template's evidence, shown below
      await draw();
    });
    form.addEventListener("click", async (e) => {
      const b = e.target.closest("button.add, button.remove");
      if (!b) return;
      keep();
      const parts = b.dataset.array.split(".").slice(1);
      let o = st.body || (st.body = {});
      for (let i = 0; i < parts.length - 1; i++) o = o[parts[i]] || (o[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {});
      const last = parts[parts.length - 1];
      const list = Array.isArray(o[last]) ? o[last] : (o[last] = []);
      if (b.classList.contains("add")) { if (!list.length) list.push({}); list.push({}); } else list.splice(+b.dataset.index, 1);
      await draw();
    });
    form.addEventListener("input", (e) => { if (e.target.closest("#c-body")) showUrgent(); });
    document.getElementById("c-evidence").addEventListener("change", async (e) => {
      const f = e.target.files[0];
      const out = document.getElementById("c-evidence_e"), view = document.getElementById("c-evidence-view");
      st.evidence = null; out.textContent = ""; view.textContent = "";
      if (!f) return;
      let b;
      try { b = JSON.parse(await f.text()); } catch { out.textContent = t("stix.err.json"); return; }
      const errs = checkBundle(b);
      if (errs.length) { out.textContent = errs.join(" "); return; }
      st.evidence = b;
      setHTML(view, stixTable(b));
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      for (const el of form.querySelectorAll(".err")) el.textContent = "";
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      const { body, errors } = readForm(document.getElementById("c-body"), r, schema);
      const problems = [...errors, ...validate(r, schema, body)];
      const to = [...form.querySelectorAll("input[name=to]:checked")].map((x) => x.value);
      const ref = document.getElementById("c-ref");
      const caseId = document.getElementById("c-case").value.trim();
      if (ref && !ref.value) problems.push({ id: "c-ref", msg: t("compose.err_ref") });
      if (!to.length && !isResponse) problems.push({ id: "c-to", msg: t("compose.err_to") });
      if (!caseId && (isResponse || st.kind === "update")) problems.push({ id: "c-case", msg: t("compose.err_case") });
      const fileBox = document.getElementById("c-evidence");
      if (fileBox.files.length && !st.evidence) problems.push({ id: "c-evidence", msg: t("compose.err_evidence") });
      if (problems.length) { markErrors(form, problems); return; }
      const req = { kind: st.kind, to, body };
      if (caseId) req.case = caseId;
      if (ref) req.ref = ref.value;
      const handling = document.getElementById("c-handling").value.trim();
      if (handling) req.handling = handling;
      if (st.evidence) req.evidence = st.evidence;
      try {
        const res = await post("/api/send", req);
        ctx.go(caseHash(res.case));
      } catch (err) {
        showSummary([t("compose.refused", { why: errorText(err) })]);
      }
    });
  };
  await draw();
}

function showSummary(lines) {
  setHTML(document.getElementById("c-summary"), html`<div class="errors">${lines.map((l) => html`<p>${l}</p>`)}</div>`);
}

// Each error next to its field (by JSON path) and all of them in the summary, in words.
function markErrors(form, problems) {
  const lines = [];
  let first = null;
  for (const p of problems) {
    const dataPath = p.path ? p.path.replace(/\[(\d+)\]/g, ".$1") : null;
    let el = p.id ? document.getElementById(p.id) : form.querySelector(`[data-path="${CSS.escape(dataPath)}"]`);
    if (!el && dataPath) { // a member's parent, e.g. a required member of an object not drawn
      const parts = dataPath.split(".");
      while (!el && parts.length > 1) { parts.pop(); el = form.querySelector(`[data-path="${CSS.escape(parts.join("."))}"]`); }
    }
    const slot = el && (document.getElementById((el.id || "") + "_e") || el.querySelector(":scope > .err"));
    if (slot) slot.textContent = (slot.textContent ? slot.textContent + " " : "") + p.msg;
    if (el && el.matches("input, select, textarea")) el.setAttribute("aria-invalid", "true");
    if (!first && el) first = el;
    lines.push(p.path ? t("err.at", { path: p.path, msg: p.msg }) : p.msg);
  }
  showSummary([t("compose.fix", { n: fmtNum(problems.length) }), ...lines]);
  if (first && first.focus) first.focus();
}
