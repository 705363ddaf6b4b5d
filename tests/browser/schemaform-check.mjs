// The page's schema checks (web/src/schemaform.js) against the profile's examples, without
// a browser: bundled by esbuild (tests/cli/desk_web.sh) and run by node.
//   node schemaform-check.bundle.mjs SCHEMA_DIR OUT_JSON FILE...
// For each FILE (a body; its evidence left out, as the page sends it apart): the type's
// schema from SCHEMA_DIR, and the errors the page would show. Writes {file: [errors]}.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeResolver, validate } from "../../web/src/schemaform.js";
import { setLanguage } from "../../web/src/i18n.js";

globalThis.document = { documentElement: {}, title: "" };
setLanguage("en", false);
const [dir, out, ...files] = process.argv.slice(2);
const common = JSON.parse(readFileSync(join(dir, "common.json"), "utf8"));
const result = {};
for (const f of files) {
  let body;
  try { body = JSON.parse(readFileSync(f, "utf8")); } catch { result[f] = ["not JSON"]; continue; }
  if (body && typeof body === "object") delete body.evidence;
  let schema;
  try { schema = JSON.parse(readFileSync(join(dir, String(body && body.type) + ".json"), "utf8")); } catch { result[f] = ["no schema for type " + (body && body.type)]; continue; }
  result[f] = validate(makeResolver(schema, common), schema, body).map((e) => `${e.path}: ${e.msg}`);
}
writeFileSync(out, JSON.stringify(result, null, 1));
