// "Changed since the officer last looked" (docs/desk.md "Inbox"): per agency, in
// localStorage, the newest entry index seen per case and log.
//
// Kept encrypted (AES-GCM) under the session's `seen_key`, which the desk derives from the
// agency key: localStorage belongs to the origin http://127.0.0.1:PORT, and whatever program
// listens on that port after the desk has stopped can read it, so plain marks would hand it
// the ids of the cases the officer looked at. Without a key (no WebCrypto) nothing is kept.
const key = (agency) => "parley.seen." + agency;

let cryptoKey = null;
let chain = Promise.resolve(); // one read-modify-write at a time

const fromB64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const toB64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));

// Called once with the session's seen_key (base64url of 32 bytes).
export function setSeenKey(k) {
  cryptoKey = null;
  try {
    if (k && globalThis.crypto && crypto.subtle)
      cryptoKey = crypto.subtle.importKey("raw", fromB64(k), "AES-GCM", false, ["encrypt", "decrypt"]).catch(() => null);
  } catch { cryptoKey = null; }
}

export async function loadSeen(agency) {
  let rec;
  try { rec = JSON.parse(localStorage.getItem(key(agency)) || "null"); } catch { rec = null; }
  if (!rec) return {};
  if (typeof rec.ct !== "string" || typeof rec.iv !== "string") { // plain marks of an older page: dropped
    try { localStorage.removeItem(key(agency)); } catch { /* not kept */ }
    return {};
  }
  const k = await cryptoKey;
  if (!k) return {};
  try {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64(rec.iv) }, k, fromB64(rec.ct));
    const v = JSON.parse(new TextDecoder().decode(pt));
    return v && typeof v === "object" ? v : {};
  } catch { return {}; }
}

export function isNew(seen, item) {
  const c = seen[item.case];
  return !c || c[item.log] === undefined || item.index > c[item.log];
}

// Records every envelope of a case (its timeline) as seen.
export function markSeen(agency, caseId, envelopes) {
  chain = chain.then(async () => {
    const k = await cryptoKey;
    if (!k) return;
    const seen = await loadSeen(agency);
    const c = seen[caseId] || (seen[caseId] = {});
    for (const e of envelopes) if (c[e.log] === undefined || e.index > c[e.log]) c[e.log] = e.index;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, k, new TextEncoder().encode(JSON.stringify(seen)));
    try { localStorage.setItem(key(agency), JSON.stringify({ iv: toB64(iv), ct: toB64(ct) })); } catch { /* not kept */ }
  }).catch(() => {});
  return chain;
}
