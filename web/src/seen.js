// "Changed since the officer last looked" (docs/desk.md "Inbox"): per agency, in
// localStorage, the newest entry index seen per case and log.
const key = (agency) => "parley.seen." + agency;

export function loadSeen(agency) {
  try { return JSON.parse(localStorage.getItem(key(agency)) || "{}") || {}; } catch { return {}; }
}

export function isNew(seen, item) {
  const c = seen[item.case];
  return !c || c[item.log] === undefined || item.index > c[item.log];
}

// Records every envelope of a case (its timeline) as seen.
export function markSeen(agency, caseId, envelopes) {
  const seen = loadSeen(agency);
  const c = seen[caseId] || (seen[caseId] = {});
  for (const e of envelopes) if (c[e.log] === undefined || e.index > c[e.log]) c[e.log] = e.index;
  try { localStorage.setItem(key(agency), JSON.stringify(seen)); } catch { /* not kept */ }
}
