// Bundles the desk's page (docs/desk.md) into OUTDIR: index.html, desk.js, desk.css.
// Reproducible: no timestamps, no source maps, no absolute paths; the same sources and
// lockfile give the same bytes (tests/cli/desk_web_build.sh checks it).
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUTDIR");
  process.exit(2);
}
const outdir = resolve(out);
if ((outdir + "/").startsWith(here + "/")) {
  console.error(`build.mjs: OUTDIR ${outdir} is inside web/: the Makefile lists every file there as a source`);
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  write: false,
};
const js = await esbuild.build({
  ...common,
  entryPoints: ["src/main.js"],
  format: "iife",
  target: "es2020",
  platform: "browser",
  loader: { ".json": "json" },
  outfile: "desk.js",
});
const css = await esbuild.build({
  ...common,
  entryPoints: ["desk.css"],
  outfile: "desk.css",
});
writeFileSync(join(outdir, "desk.js"), js.outputFiles[0].contents);
writeFileSync(join(outdir, "desk.css"), css.outputFiles[0].contents);
writeFileSync(join(outdir, "index.html"), readFileSync(join(here, "index.html")));
