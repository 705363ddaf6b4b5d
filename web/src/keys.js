// Keyboard: `/` searches, `c` composes, `?` lists the keys, Escape closes the list; the
// view in front may add its own (the inbox: j/k/arrows move, Enter opens).
import { t } from "./i18n.js";
import { html, setHTML } from "./html.js";

let viewKeys = null;
let searchWanted = false;

// The inbox asks once it is drawn whether `/` was pressed elsewhere.
export function takeSearchWanted() { const w = searchWanted; searchWanted = false; return w; }

export function setViewKeys(fn) { viewKeys = fn; }

const KEYS = [["j / ↓", "keys.down"], ["k / ↑", "keys.up"], ["Enter", "keys.open"], ["/", "keys.search"],
  ["c", "keys.compose"], ["?", "keys.help"], ["Esc", "keys.close"]];

export function showHelp() {
  const root = document.getElementById("dialog-root");
  setHTML(root, html`<div class="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" tabindex="-1">
    <h2 id="keys-title">${t("keys.title")}</h2>
    <dl class="keys">${KEYS.map(([k, d]) => html`<dt><kbd>${k}</kbd></dt><dd>${t(d)}</dd>`)}</dl>
    <button type="button" class="close">${t("keys.close")}</button></div>`);
  const d = root.firstElementChild;
  d.querySelector(".close").addEventListener("click", hideHelp);
  d.focus();
}

export function hideHelp() {
  document.getElementById("dialog-root").textContent = "";
}

function typing(el) {
  return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

export function installKeys() {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape") { hideHelp(); if (typing(e.target)) e.target.blur(); return; }
    if (typing(e.target)) return;
    if (viewKeys && viewKeys(e)) { e.preventDefault(); return; }
    if (e.key === "?") { e.preventDefault(); showHelp(); }
    else if (e.key === "c") { e.preventDefault(); location.hash = "#compose"; }
    else if (e.key === "/") {
      e.preventDefault();
      const box = document.getElementById("search");
      if (box) box.focus();
      else { searchWanted = true; location.hash = "#inbox"; }
    }
  });
}
