// Escaping in one place. Every value put into markup goes through esc() or the html``
// tag, which escapes each interpolated value unless it is already Safe markup made here.
// Bodies, titles and names come from the other party: never insert them unescaped.

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export class Safe {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}

function part(v) {
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(part).join("");
  if (v === false || v === null || v === undefined) return "";
  return esc(v);
}

// html`<p>${x}</p>`: x escaped; arrays joined; Safe values kept.
export function html(strings, ...vals) {
  let s = strings[0];
  for (let i = 0; i < vals.length; i++) s += part(vals[i]) + strings[i + 1];
  return new Safe(s);
}

// Text someone wrote (titles, bodies, names): isolated for bidi, escaped.
export function user(v) {
  return new Safe(`<bdi dir="auto">${esc(v)}</bdi>`);
}

export function setHTML(el, safe) {
  if (!(safe instanceof Safe)) throw new TypeError("setHTML: not html`` markup");
  el.innerHTML = safe.s;
}
