// Forms built from a profile's JSON Schema (docs/schemas/), and the checks a page can
// make before sending: field errors name the JSON path, as the command line does. The
// node's checker stays the judge (it is never looser than the schema).
import { t, fmtNum } from "./i18n.js";
import { html, user } from "./html.js";

// resolve($ref) within the kind's schema and the profile's common.json.
export function makeResolver(main, common) {
  const docs = { "": main, "common.json": common };
  const follow = (s, base) => {
    let guard = 0;
    while (s && s.$ref && guard++ < 20) {
      const [file, frag] = s.$ref.split("#");
      const doc = file ? docs[file] : docs[base];
      if (!doc) return { ...s, $ref: undefined, external: true };
      const target = (frag || "").split("/").filter(Boolean).reduce((o, k) => (o ? o[k] : undefined), doc);
      const { $ref, ...rest } = s;
      s = { ...target, ...rest };
      if (file) base = file;
      s.__base = base;
    }
    return s;
  };
  return (s, base) => follow(s, base || (s && s.__base) || "");
}

const label = (k) => user(String(k).replace(/_/g, " "));
const inherit = (x, parent) => ({ ...x, __base: x.__base || parent.__base });
const isLines = (s, r) => s.type === "array" && r(inherit(s.items, s)).type === "string";
const isText = (s) => s.type === "string" && (s.maxLength || 0) > 300;

function field(r, s, key, path, v, required) {
  s = r(s);
  const id = "f_" + path.replace(/[^a-zA-Z0-9_]/g, "_");
  const req = required ? html` <span class="req" aria-hidden="true">*</span>` : "";
  const hint = s.description ? html`<small class="hint" id="${id}_h">${user(s.description)}</small>` : "";
  const describedBy = `${id}_e${s.description ? " " + id + "_h" : ""}`;
  const err = html`<span class="err" id="${id}_e" role="alert"></span>`;
  if (s.const !== undefined || s.external) return "";
  if (s.type === "object") {
    return html`<fieldset data-path="${path}"><legend>${label(key)}${req}</legend>${hint}${err}
      ${Object.entries(s.properties || {}).map(([k, ps]) => field(r, inherit(ps, s), k, path + "." + k, v ? v[k] : undefined, (s.required || []).includes(k)))}</fieldset>`;
  }
  if (s.type === "array" && !isLines(s, r)) {
    const items = Array.isArray(v) && v.length ? v : [undefined];
    return html`<fieldset class="array" data-path="${path}"><legend>${label(key)}${req}</legend>${hint}${err}
      ${items.map((x, i) => html`<div class="item">${field(r, inherit(s.items, s), fmtNum(i + 1), path + "." + i, x, true)}
        <button type="button" class="remove" data-array="${path}" data-index="${i}">${t("form.remove")}</button></div>`)}
      <button type="button" class="add" data-array="${path}">${t("form.add")}</button></fieldset>`;
  }
  let input;
  const common = html`id="${id}" data-path="${path}" aria-describedby="${describedBy}"${required ? html` aria-required="true"` : ""}`;
  if (isLines(s, r)) input = html`<textarea ${common} data-kind="lines" rows="3">${Array.isArray(v) ? v.join("\n") : ""}</textarea>`;
  else if (s.enum) input = html`<select ${common} data-kind="string"><option value=""></option>${s.enum.map((o) => html`<option value="${o}"${v === o ? html` selected` : ""}>${o}</option>`)}</select>`;
  else if (s.type === "boolean") input = html`<input type="checkbox" ${common} data-kind="bool"${v === true ? html` checked` : ""}>`;
  else if (s.type === "integer" || s.type === "number") input = html`<input type="number" ${common} data-kind="number" value="${v ?? ""}">`;
  else if (isText(s)) input = html`<textarea ${common} data-kind="string" rows="4">${v ?? ""}</textarea>`;
  else if (s.type === "string") input = html`<input type="text" ${common} data-kind="string" value="${v ?? ""}">`;
  else input = html`<textarea ${common} data-kind="json" rows="3">${v === undefined ? "" : JSON.stringify(v, null, 2)}</textarea>`;
  return html`<div class="field"><label for="${id}">${label(key)}${req}</label>${input}${hint}${err}</div>`;
}

export function formMarkup(r, schema, value) {
  const s = r(schema);
  return Object.entries(s.properties || {}).filter(([k]) => k !== "evidence")
    .map(([k, ps]) => field(r, ps, k, "$." + k, value ? value[k] : undefined, (s.required || []).includes(k)));
}

function setPath(obj, parts, v) {
  let o = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i], nextIsIndex = /^\d+$/.test(parts[i + 1]);
    if (o[k] === undefined) o[k] = nextIsIndex ? [] : {};
    o = o[k];
  }
  o[parts[parts.length - 1]] = v;
}

function prune(v) {
  if (Array.isArray(v)) {
    const a = v.filter((x) => x !== undefined).map(prune).filter((x) => x !== undefined);
    return a.length ? a : undefined;
  }
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) { const p = prune(x); if (p !== undefined) o[k] = p; }
    return Object.keys(o).length ? o : undefined;
  }
  return v;
}

// The body the form holds, with the consts (profile, type) of the schema; empty fields are
// left out. A JSON field that does not parse is an error at its path.
export function readForm(root, r, schema) {
  const out = {}, errors = [];
  for (const el of root.querySelectorAll("[data-kind]")) {
    const parts = el.dataset.path.split(".").slice(1);
    let v;
    switch (el.dataset.kind) {
      case "lines": v = el.value.split("\n").map((x) => x.trim()).filter(Boolean); if (!v.length) v = undefined; break;
      case "bool": v = el.checked ? true : (el.getAttribute("aria-required") ? false : undefined); break;
      case "number": v = el.value === "" ? undefined : Number(el.value); break;
      case "json":
        if (el.value.trim() === "") v = undefined;
        else try { v = JSON.parse(el.value); } catch { errors.push({ path: el.dataset.path, msg: t("err.json") }); }
        break;
      default: v = el.value === "" ? undefined : el.value;
    }
    if (v !== undefined) setPath(out, parts, v);
  }
  const body = prune(out) || {};
  const s = r(schema);
  for (const [k, ps] of Object.entries(s.properties || {})) { const p = r(ps); if (p.const !== undefined) body[k] = p.const; }
  // Keep the schema's order of members.
  const ordered = {};
  for (const k of Object.keys(s.properties || {})) if (k in body) ordered[k] = body[k];
  return { body: ordered, errors };
}

const chars = (s) => [...s].length;

// The formats the profile's schemas use, as ajv-formats checks them.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
function dateOk(y, m, d) {
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}
function formatOk(format, v) {
  let m;
  switch (format) {
    case "email": return EMAIL.test(v);
    case "date": return !!(m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v)) && dateOk(+m[1], +m[2], +m[3]);
    case "date-time": return !!(m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(v)) &&
      dateOk(+m[1], +m[2], +m[3]) && +m[4] <= 23 && +m[5] <= 59 && +m[6] <= 60;
    default: return true;
  }
}

// validate(r, schema, value, "$") → [{path, msg}]
export function validate(r, schema, v, path = "$") {
  const s = r(schema);
  const errs = [];
  const add = (key, p) => errs.push({ path, msg: t(key, p) });
  if (!s || s.external) return errs;
  if (s.const !== undefined && v !== s.const) add("err.const", { value: JSON.stringify(s.const) });
  if (s.enum && !s.enum.includes(v)) add("err.enum", { values: s.enum.join(", ") });
  const type = Array.isArray(v) ? "array" : v === null ? "null" : Number.isInteger(v) ? "integer" : typeof v;
  const types = s.type ? [].concat(s.type) : null;
  if (types && !types.includes(type) && !(type === "integer" && types.includes("number"))) { add("err.type", { type: types.join(" | ") }); return errs; }
  if (typeof v === "string") {
    if (s.minLength !== undefined && chars(v) < s.minLength) add(s.minLength === 1 ? "err.empty" : "err.min_length", { n: fmtNum(s.minLength) });
    if (s.maxLength !== undefined && chars(v) > s.maxLength) add("err.max_length", { n: fmtNum(s.maxLength) });
    if (s.format && !formatOk(s.format, v)) add("err.format", { format: s.format });
    if (s.pattern && !new RegExp(s.pattern, "u").test(v)) add(s.description ? "err.pattern_described" : "err.pattern", { what: s.description || "" });
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) add("err.minimum", { n: fmtNum(s.minimum) });
    if (s.maximum !== undefined && v > s.maximum) add("err.maximum", { n: fmtNum(s.maximum) });
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) add("err.min_items", { n: fmtNum(s.minItems) });
    if (s.maxItems !== undefined && v.length > s.maxItems) add("err.max_items", { n: fmtNum(s.maxItems) });
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) add("err.unique");
    if (s.items) v.forEach((x, i) => errs.push(...validate(r, { ...s.items, __base: s.items.__base || s.__base }, x, `${path}[${i}]`)));
  }
  if (type === "object") {
    for (const k of s.required || []) if (!(k in v)) errs.push({ path: `${path}.${k}`, msg: t("err.required") });
    for (const [k, ps] of Object.entries(s.properties || {}))
      if (k in v) errs.push(...validate(r, { ...ps, __base: ps.__base || s.__base }, v[k], `${path}.${k}`));
    if (s.additionalProperties === false) {
      const pats = Object.keys(s.patternProperties || {}).map((p) => new RegExp(p, "u"));
      for (const k of Object.keys(v)) if (!(k in (s.properties || {})) && !pats.some((p) => p.test(k))) add("err.additional", { name: k });
    }
  }
  const sub = (x) => ({ ...x, __base: x.__base || s.__base });
  for (const a of s.allOf || []) errs.push(...validate(r, sub(a), v, path));
  if (s.anyOf && !s.anyOf.some((a) => validate(r, sub(a), v, path).length === 0)) {
    const need = s.anyOf.map((a) => (a.required || []).join(" + ")).filter(Boolean);
    add(need.length === s.anyOf.length ? "err.any_of_required" : "err.any_of", { names: need.join(" | ") });
  }
  if (s.if && validate(r, sub(s.if), v, path).length === 0) {
    if (s.then) errs.push(...validate(r, sub(s.then), v, path));
  } else if (s.if && s.else) errs.push(...validate(r, sub(s.else), v, path));
  if (s.not && validate(r, sub(s.not), v, path).length === 0) {
    add(s.not.required ? "err.not_allowed" : "err.not", { names: (s.not.required || []).join(", ") });
  }
  return errs;
}
