// Small helpers shared by the views.
export function partyOf(agency, session) {
  const a = (session && session.agencies || []).find((x) => x && typeof x === "object" && x.agency === agency);
  if (a && a.party) return a.party;
  return String(agency).split(".")[0];
}

export function agencyNames(session) {
  return (session.agencies || []).map((a) => (typeof a === "object" ? a.agency : a)).filter(Boolean);
}

export function caseHash(id) {
  return "#case/" + String(id).split("/").map(encodeURIComponent).join("/");
}
