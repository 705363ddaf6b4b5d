// The catalogue check (docs/desk.md "Languages"), run by make check
// (tests/cli/desk_web_strings.sh): fails when
//  - a catalogue (i18n/ru.json, i18n/ar.json) lacks a key of i18n/en.json or has one it
//    does not, or a value whose {placeholders} differ from English, or an empty value;
//  - web/src uses t("key") with a key not in en.json, or t("prefix." + x) with a prefix
//    no key has;
//  - a literal UI string is left in web/src: text between tags or in a title, alt,
//    placeholder or aria-label attribute of an html`` template, or a string literal that
//    reads as prose (two words or more starting with a capital, or letters other than
//    Latin). Key names, CSS classes, paths and the like are not prose.
// Usage: node check-strings.mjs [WEBDIR]; prints each problem, exits 1 if any.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as acorn from "acorn";
import * as walk from "acorn-walk";

const dir = process.argv[2] || dirname(fileURLToPath(import.meta.url));
const problems = [];
const load = (l) => JSON.parse(readFileSync(join(dir, "i18n", l + ".json"), "utf8"));
const en = load("en");
const holes = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");

for (const l of ["ru", "ar"]) {
  const c = load(l);
  for (const k of Object.keys(en)) {
    if (!(k in c)) problems.push(`i18n/${l}.json: missing key "${k}"`);
    else if (typeof c[k] !== "string" || c[k].trim() === "") problems.push(`i18n/${l}.json: "${k}" is empty`);
    else if (holes(c[k]) !== holes(en[k])) problems.push(`i18n/${l}.json: "${k}" has placeholders {${holes(c[k])}}, English has {${holes(en[k])}}`);
  }
  for (const k of Object.keys(c)) if (!(k in en)) problems.push(`i18n/${l}.json: key "${k}" is not in en.json`);
}
for (const [k, v] of Object.entries(en)) if (typeof v !== "string" || v.trim() === "") problems.push(`i18n/en.json: "${k}" is empty`);

const KEYLIKE = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$/;
const namespaces = new Set(Object.keys(en).map((k) => k.split(".")[0]));
const PROSE = /(\p{Lu}\p{Ll}+[ \u00a0]+\p{L}{2,})|[\p{Script=Cyrillic}\p{Script=Arabic}]/u;
const ATTR = /\b(title|alt|placeholder|aria-label)="([^"$]*)"/g;

// quasis: the template's literal parts; the expressions between them are \0 here.
function checkTemplateText(file, line, quasis) {
  const text = quasis.join("\0");
  if (!text.includes("<") && /^\s*([\w-]+(="[^"]*")?\s*)+$/.test(text.replace(/\0/g, ""))) return; // an attribute fragment
  for (const m of text.matchAll(ATTR)) if (/\p{L}/u.test(m[2]) && !m[2].includes("\0")) problems.push(`${file}:${line}: literal ${m[1]}="${m[2]}" (put it in the catalogues)`);
  let out = "", inTag = false, quote = null;
  for (const c of text) {
    if (inTag) {
      if (quote) { if (c === quote) quote = null; }
      else if (c === '"' || c === "'") quote = c;
      else if (c === ">") { inTag = false; out += " "; }
    } else if (c === "<") inTag = true;
    else out += c;
  }
  out = out.replace(/\0/g, " ").replace(/&[a-z#0-9]+;/gi, " ");
  if (/\p{L}{2,}/u.test(out)) problems.push(`${file}:${line}: literal text "${out.trim().slice(0, 60)}" in markup (put it in the catalogues)`);
}

const src = join(dir, "src");
for (const f of readdirSync(src).filter((f) => f.endsWith(".js")).sort()) {
  const file = "src/" + f;
  const code = readFileSync(join(src, f), "utf8");
  let ast;
  try { ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true }); } catch (e) {
    problems.push(`${file}: does not parse: ${e.message}`); continue;
  }
  const keyArgs = new Set();
  walk.full(ast, (n) => {
    if (n.type === "CallExpression" && n.callee.type === "Identifier" && n.callee.name === "t" && n.arguments[0]) {
      const a = n.arguments[0];
      keyArgs.add(a);
      if (a.type === "Literal" && typeof a.value === "string") {
        if (!(a.value in en)) problems.push(`${file}:${a.loc.start.line}: key "${a.value}" is not in i18n/en.json`);
      } else {
        const prefix = a.type === "BinaryExpression" && a.left.type === "Literal" ? a.left.value
          : a.type === "TemplateLiteral" ? a.quasis[0].value.cooked : null;
        if (prefix && !Object.keys(en).some((k) => k.startsWith(prefix))) problems.push(`${file}:${a.loc.start.line}: no key in i18n/en.json starts with "${prefix}"`);
      }
    }
  });
  const tagged = new Set();
  walk.full(ast, (n) => { if (n.type === "TaggedTemplateExpression") tagged.add(n.quasi); });
  walk.full(ast, (n) => {
    if (tagged.has(n)) return;
    if (n.type === "TaggedTemplateExpression" && n.tag.type === "Identifier" && n.tag.name === "html") {
      checkTemplateText(file, n.loc.start.line, n.quasi.quasis.map((q) => q.value.cooked));
    } else if (n.type === "TemplateLiteral") {
      const qs = n.quasis.map((q) => q.value.cooked);
      if (qs.some((q) => q.includes("<"))) checkTemplateText(file, n.loc.start.line, qs);
      else for (const q of qs) if (PROSE.test(q)) problems.push(`${file}:${n.loc.start.line}: literal string "${q.slice(0, 60)}" (put it in the catalogues)`);
    } else if (n.type === "Literal" && typeof n.value === "string" && !keyArgs.has(n) && KEYLIKE.test(n.value) && namespaces.has(n.value.split(".")[0])) {
      // a key handed to t() through a variable (nav.inbox, keys.down, start.refused, err.*)
      if (!(n.value in en) && !Object.keys(en).some((k) => k.startsWith(n.value))) problems.push(`${file}:${n.loc.start.line}: key "${n.value}" is not in i18n/en.json`);
    } else if (n.type === "Literal" && typeof n.value === "string" && !keyArgs.has(n)) {
      if (/^\s*</.test(n.value)) checkTemplateText(file, n.loc.start.line, [n.value]);
      else if (PROSE.test(n.value)) problems.push(`${file}:${n.loc.start.line}: literal string "${n.value.slice(0, 60)}" (put it in the catalogues)`);
    }
  });
}

// The stylesheet mirrors itself under dir="rtl" only with logical properties.
{
  const css = readFileSync(join(dir, "desk.css"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  css.split("\n").forEach((l, i) => {
    const m = l.match(/(^|[\s;{])((margin|padding|border)-(left|right)|left|right|float|text-align\s*:\s*(left|right))\s*:/) || l.match(/text-align\s*:\s*(left|right)/);
    if (m) problems.push(`desk.css:${i + 1}: physical property "${m[0].trim()}": use the logical one (inline-start/end)`);
  });
}

for (const p of problems) console.log(p);
if (problems.length) { console.log(`check-strings: ${problems.length} problem(s)`); process.exit(1); }
console.log(`check-strings: ${Object.keys(en).length} keys in en, ru, ar; no literal UI string in src/`);
