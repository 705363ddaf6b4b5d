// STIX evidence as a table of what an officer acts on: indicators, malware,
// infrastructure and wallets (docs/stix.md); the rest is counted.
import { t, fmtNum } from "./i18n.js";
import { html, user } from "./html.js";

const SHOWN = ["indicator", "malware", "infrastructure", "x-crypto-wallet"];

function row(o) {
  switch (o.type) {
    case "indicator": return [o.name, o.pattern, (o.indicator_types || []).join(", ")];
    case "malware": return [o.name, (o.malware_types || []).join(", "), o.is_family ? t("stix.family") : ""];
    case "infrastructure": return [o.name, (o.infrastructure_types || []).join(", "), o.description];
    case "x-crypto-wallet": return [o.address, o.currency, o.description];
    default: return [o.name || o.value || o.id, "", ""];
  }
}

// Checks the shape a page can check before sending (the node checks the rest): a bundle
// with objects, each with a type and an id. Returns a list of error strings.
export function checkBundle(b) {
  const errs = [];
  if (!b || typeof b !== "object" || Array.isArray(b)) return [t("stix.err.not_object")];
  if (b.type !== "bundle") errs.push(t("stix.err.not_bundle"));
  if (!Array.isArray(b.objects) || b.objects.length === 0) errs.push(t("stix.err.no_objects"));
  else b.objects.forEach((o, i) => {
    if (!o || typeof o !== "object" || typeof o.type !== "string" || typeof o.id !== "string" || !o.id.startsWith(o.type + "--"))
      errs.push(t("stix.err.object", { n: fmtNum(i + 1) }));
  });
  return errs;
}

export function stixTable(bundle) {
  const objs = (bundle && Array.isArray(bundle.objects)) ? bundle.objects : [];
  const groups = SHOWN.map((type) => [type, objs.filter((o) => o && o.type === type)]).filter(([, l]) => l.length);
  const other = objs.filter((o) => o && !SHOWN.includes(o.type)).length;
  return html`<div class="stix">
    ${groups.map(([type, list]) => html`<table class="list"><caption>${t("stix." + type)} (${fmtNum(list.length)})</caption>
      <thead><tr><th scope="col">${t("stix.col1." + type)}</th><th scope="col">${t("stix.col2." + type)}</th><th scope="col">${t("stix.col3." + type)}</th></tr></thead>
      <tbody>${list.map((o) => html`<tr>${row(o).map((c) => html`<td>${c ? user(c) : ""}</td>`)}</tr>`)}</tbody></table>`)}
    <p>${t("stix.other", { n: fmtNum(other), total: fmtNum(objs.length) })}</p></div>`;
}
