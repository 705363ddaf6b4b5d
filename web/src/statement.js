// Statements (docs/officer.md, docs/desk.md): propose one (its form from the profile's
// statement schema), hand the statement file (the envelope text and its sealed body) to
// the other agencies named, each co-signs it in its own desk, and the proposer publishes
// it. The file is what /api/statement/{propose,cosign} answer.
import { t, fmtNum } from "./i18n.js";
import { html, setHTML } from "./html.js";
import { get, post, hasCsrf } from "./api.js";
import { makeResolver, formMarkup, readForm, validate } from "./schemaform.js";
import { errorText } from "./errors.js";
import { agencyNames, caseHash } from "./util.js";

let fileUrl = null;

function isStatementFile(v) {
  return v && typeof v === "object" && typeof v.envelope === "string" && typeof v.body_age === "string";
}

// The state of a statement after propose or cosign: who still has to sign, and the file.
function showResult(box, r) {
  if (fileUrl) URL.revokeObjectURL(fileUrl);
  fileUrl = URL.createObjectURL(new Blob([JSON.stringify(r, null, 2) + "\n"], { type: "application/json" }));
  const missing = r.missing || [];
  setHTML(box, html`<div class="answer" role="status">
    <p>${t("st.id", { id: r.statement })}</p>
    <p>${missing.length ? t("st.missing", { agencies: missing.join(", ") }) : t("st.complete")}</p>
    <p><a class="button" href="${fileUrl}" download="statement-${r.statement}.json">${t("st.download")}</a>
      ${missing.length ? "" : html` <button type="button" id="st-publish-id" data-id="${r.statement}" class="primary">${t("st.publish")}</button>`}</p></div>`);
}

export async function renderStatement(ctx, caseArg) {
  const { session, app } = ctx;
  const profile = (session.profiles && session.profiles[0]) || "cyber-mla";
  const [schema, common] = await Promise.all([get(`/api/schema/${profile}/statement`), get(`/api/schema/${profile}/common`)]);
  if (ctx.stale()) return;
  const r = makeResolver(schema, common);
  const others = agencyNames(session).filter((a) => a !== session.agency);
  let imported = null;
  setHTML(app, html`<section class="compose">
    <h1>${t("st.title")}</h1>
    ${hasCsrf() ? "" : html`<p class="warn" role="alert">${t("session.readonly")}</p>`}
    <h2>${t("st.propose_title")}</h2>
    <form id="st-form" novalidate>
      <div class="field"><label for="st-case">${t("compose.case")} <span class="req" aria-hidden="true">*</span></label>
        <input id="st-case" type="text" value="${caseArg || ""}" aria-required="true" aria-describedby="st-case_e"><span class="err" id="st-case_e" role="alert"></span></div>
      <fieldset id="st-to"><legend>${t("st.to")}</legend>
        ${others.map((a) => html`<label class="check"><input type="checkbox" name="to" value="${a}"> <bdi dir="auto">${a}</bdi></label>`)}
        <span class="err" id="st-to_e" role="alert"></span></fieldset>
      <div class="field"><label for="st-handling">${t("compose.handling")}</label><input id="st-handling" type="text" autocomplete="off"></div>
      <p><button type="button" id="st-template">${t("compose.template")}</button></p>
      <div id="st-body">${formMarkup(r, schema, null)}</div>
      <div id="st-summary" role="alert"></div>
      <p><button type="submit" class="primary">${t("st.propose")}</button></p>
    </form>
    <h2>${t("st.file_title")}</h2>
    <p class="hint">${t("st.file_hint")}</p>
    <div class="field"><label for="st-file">${t("st.file")}</label><input id="st-file" type="file" accept=".json,application/json">
      <span class="err" id="st-file_e" role="alert"></span></div>
    <div id="st-file-view"></div>
    <p><button type="button" id="st-cosign" disabled>${t("st.cosign")}</button> <button type="button" id="st-publish" disabled>${t("st.publish")}</button></p>
    <div id="st-result"></div>
  </section>`);
  const result = document.getElementById("st-result");
  const failed = (e) => setHTML(result, html`<div class="errors"><p>${t("compose.refused", { why: errorText(e) })}</p></div>`);
  // After publishing: the statement's case (the envelope's case line, else the form's).
  const published = (res, envelope) => {
    const m = /^case: (\S+)$/m.exec(envelope || "");
    ctx.go(caseHash(res.case || (m && m[1]) || document.getElementById("st-case").value.trim()));
  };

  document.getElementById("st-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    for (const el of form.querySelectorAll(".err")) el.textContent = "";
    const { body, errors } = readForm(document.getElementById("st-body"), r, schema);
    const problems = [...errors, ...validate(r, schema, body)];
    const caseId = document.getElementById("st-case").value.trim();
    const to = [...form.querySelectorAll("input[name=to]:checked")].map((x) => x.value);
    if (!caseId) { document.getElementById("st-case_e").textContent = t("compose.err_case"); problems.push({ msg: t("compose.err_case") }); }
    if (!to.length) { document.getElementById("st-to_e").textContent = t("compose.err_to"); problems.push({ msg: t("compose.err_to") }); }
    if (problems.length) {
      setHTML(document.getElementById("st-summary"), html`<div class="errors"><p>${t("compose.fix", { n: fmtNum(problems.length) })}</p>
        ${problems.map((p) => html`<p>${p.path ? t("err.at", { path: p.path, msg: p.msg }) : p.msg}</p>`)}</div>`);
      return;
    }
    document.getElementById("st-summary").textContent = "";
    const req = { case: caseId, to, body };
    const handling = document.getElementById("st-handling").value.trim();
    if (handling) req.handling = handling;
    try { showResult(result, await post("/api/statement/propose", req)); } catch (err) { failed(err); }
  });

  document.getElementById("st-template").addEventListener("click", async () => {
    let body;
    try { body = await get("/api/template/statement"); } catch (err) { failed(err); return; }
    setHTML(document.getElementById("st-body"), html`${formMarkup(r, schema, body)}`);
  });
  document.getElementById("st-body").addEventListener("click", (e) => {
    const b = e.target.closest("button.add, button.remove");
    if (!b) return;
    const box = document.getElementById("st-body");
    const body = readForm(box, r, schema).body;
    const parts = b.dataset.array.split(".").slice(1);
    let o = body;
    for (let i = 0; i < parts.length - 1; i++) o = o[parts[i]] || (o[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {});
    const last = parts[parts.length - 1];
    const list = Array.isArray(o[last]) ? o[last] : (o[last] = []);
    if (b.classList.contains("add")) { if (!list.length) list.push({}); list.push({}); } else list.splice(+b.dataset.index, 1);
    setHTML(box, html`${formMarkup(r, schema, body)}`);
  });
  document.getElementById("st-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    const errBox = document.getElementById("st-file_e"), view = document.getElementById("st-file-view");
    imported = null; errBox.textContent = ""; view.textContent = "";
    document.getElementById("st-cosign").disabled = document.getElementById("st-publish").disabled = true;
    if (!f) return;
    let v;
    try { v = JSON.parse(await f.text()); } catch { errBox.textContent = t("st.err_file"); return; }
    if (!isStatementFile(v)) { errBox.textContent = t("st.err_file"); return; }
    imported = { envelope: v.envelope, body_age: v.body_age };
    setHTML(view, html`<pre class="envelope" dir="ltr">${v.envelope}</pre>`);
    document.getElementById("st-cosign").disabled = document.getElementById("st-publish").disabled = false;
  });
  document.getElementById("st-cosign").addEventListener("click", async () => {
    try { showResult(result, await post("/api/statement/cosign", imported)); } catch (err) { failed(err); }
  });
  document.getElementById("st-publish").addEventListener("click", async () => {
    try { published(await post("/api/statement/publish", imported), imported.envelope); } catch (err) { failed(err); }
  });
  result.addEventListener("click", async (e) => {
    const b = e.target.closest("#st-publish-id");
    if (!b) return;
    try { published(await post("/api/statement/publish", { statement: b.dataset.id })); } catch (err) { failed(err); }
  });
}
