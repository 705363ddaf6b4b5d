// Languages (docs/desk.md "Languages"): the catalogues are bundled; the first visit
// follows navigator.languages, a choice is kept in localStorage. Arabic is right to left.
import en from "../i18n/en.json";
import ru from "../i18n/ru.json";
import ar from "../i18n/ar.json";

export const CATALOGUES = { en, ru, ar };
export const LANGS = ["en", "ru", "ar"];
const RTL = new Set(["ar"]);
const KEY = "parley.lang";

let lang = "en";
let dateFmt, dateOnlyFmt, numFmt;

export function pickLanguage(stored, preferred) {
  if (stored && LANGS.includes(stored)) return stored;
  for (const p of preferred || []) {
    const base = String(p).toLowerCase().split("-")[0];
    if (LANGS.includes(base)) return base;
  }
  return "en";
}

function storedLang() {
  try { return localStorage.getItem(KEY); } catch { return null; }
}

export function initLanguage() {
  setLanguage(pickLanguage(storedLang(), navigator.languages || [navigator.language]), false);
}

export function setLanguage(l, remember = true) {
  lang = LANGS.includes(l) ? l : "en";
  if (remember) {
    try { localStorage.setItem(KEY, lang); } catch { /* private mode: not kept */ }
  }
  const root = document.documentElement;
  root.lang = lang;
  root.dir = RTL.has(lang) ? "rtl" : "ltr";
  dateFmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", timeZoneName: "short" });
  dateOnlyFmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  numFmt = new Intl.NumberFormat(lang);
  document.title = t("app.title");
}

export function language() { return lang; }

// t("inbox.count", {n: 3}): the string of the chosen language ({name} filled in), English
// if the catalogue lacks it (the catalogue check in make check fails on that), else the key.
export function t(key, params) {
  let s = CATALOGUES[lang][key] ?? CATALOGUES.en[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

// Intl formatting of the chosen language; times are shown in UTC, as every answer gives them.
export function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : dateFmt.format(d);
}
export function fmtDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : dateOnlyFmt.format(d);
}
export function fmtNum(n) {
  return n === null || n === undefined ? "" : numFmt.format(n);
}
// A duration in seconds, in whole hours or days.
export function fmtDuration(s) {
  if (s === null || s === undefined) return "";
  if (s < 3600) return t("dur.minutes", { n: fmtNum(Math.round(s / 60)) });
  if (s < 2 * 86400) return t("dur.hours", { n: fmtNum(Math.round(s / 3600)) });
  return t("dur.days", { n: fmtNum(Math.round(s / 86400)) });
}
