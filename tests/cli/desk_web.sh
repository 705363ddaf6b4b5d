#!/usr/bin/env bash
# The desk's page as built (web/): every string in the catalogues (web/check-strings.mjs,
# shown to fail on a missing key, a literal UI string and a physical CSS property), and a
# reproducible build (same bytes twice, the three files desk_assets.c embeds, never
# written inside web/).
. "$(dirname "$0")/../lib.sh"
if ! command -v node >/dev/null; then skip strings "node is not installed"; exit 0; fi
cd "$ROOT"
bash web/build.sh "$T_DIR/a" >/dev/null 2>"$T_DIR/build.err" || { fail build "$(tail -n 3 "$T_DIR/build.err")"; exit 0; }

if node web/check-strings.mjs >"$T_DIR/strings.out" 2>&1; then pass strings; else fail strings "$(head -n 5 "$T_DIR/strings.out" | tr '\n' ' ')"; fi

# The check can fail: a copy of web/ with one fault each.
broken() { # broken NAME WHAT-TO-EXPECT EDIT-COMMAND...
	local name=$1 want=$2; shift 2
	rm -rf "$T_DIR/w" && mkdir "$T_DIR/w" && cp -r web/src web/i18n web/desk.css web/check-strings.mjs "$T_DIR/w/" && ln -s "$ROOT/web/node_modules" "$T_DIR/w/node_modules"
	(cd "$T_DIR/w" && "$@")
	if node "$T_DIR/w/check-strings.mjs" "$T_DIR/w" >"$T_DIR/b.out" 2>&1; then fail "$name" "the check passed"
	elif grep -qF -- "$want" "$T_DIR/b.out"; then pass "$name"
	else fail "$name" "the check failed without '$want': $(head -n 3 "$T_DIR/b.out" | tr '\n' ' ')"; fi
}
broken strings_missing_key 'i18n/ar.json: missing key "q.no"' \
	node -e 'const f="i18n/ar.json",d=JSON.parse(require("fs").readFileSync(f));delete d["q.no"];require("fs").writeFileSync(f,JSON.stringify(d))'
broken strings_literal_markup 'literal text "Overdue items"' \
	sed -i 's|<h1>${t("inbox.title")}</h1>|<h1>Overdue items</h1>|' src/inbox.js
broken strings_literal_prose 'literal string "Case not found"' \
	sed -i 's|const enc = (s)|const oops = "Case not found";\nconst enc = (s)|' src/case.js
broken strings_literal_attribute 'literal aria-label="Main menu"' \
	sed -i 's|aria-label="${t("nav.label")}"|aria-label="Main menu"|' src/main.js
broken strings_unknown_key 'key "inbox.nope" is not in i18n/en.json' \
	sed -i 's|t("inbox.title")|t("inbox.nope")|' src/inbox.js
broken strings_placeholders 'has placeholders' \
	node -e 'const f="i18n/ru.json",d=JSON.parse(require("fs").readFileSync(f));d["inbox.shown"]="{n}";require("fs").writeFileSync(f,JSON.stringify(d))'
broken css_physical_property 'physical property "margin-left:' \
	sed -i 's|margin-inline-start: auto;|margin-left: auto;|' desk.css

# Reproducible: a second build, from a copy of web/ at another path, gives the same bytes.
mkdir -p "$T_DIR/elsewhere/web" && cp -r web/src web/i18n web/desk.css web/index.html web/build.mjs web/package.json "$T_DIR/elsewhere/web/" &&
	ln -s "$ROOT/web/node_modules" "$T_DIR/elsewhere/web/node_modules" && node "$T_DIR/elsewhere/web/build.mjs" "$T_DIR/b" >/dev/null 2>&1
if [ "$(cd "$T_DIR/a" && ls | tr '\n' ' ')" = "desk.css desk.js index.html " ]; then pass three_files; else fail three_files "built: $(ls "$T_DIR/a" | tr '\n' ' ')"; fi
if same_tree "$T_DIR/a" "$T_DIR/b"; then pass reproducible; else fail reproducible "two builds differ: $(diff -rq "$T_DIR/a" "$T_DIR/b" | head -n 2 | tr '\n' ' ')"; fi
if [ -f "$ROOT/$BUILD/web/desk.js" ]; then
	if cmp -s "$T_DIR/a/desk.js" "$ROOT/$BUILD/web/desk.js" && cmp -s "$T_DIR/a/desk.css" "$ROOT/$BUILD/web/desk.css" &&
		cmp -s "$T_DIR/a/index.html" "$ROOT/$BUILD/web/index.html"; then pass same_as_make; else fail same_as_make "$BUILD/web differs from a fresh build"; fi
fi
expect outdir_inside_web 2 "is inside web/" bash web/build.sh "$ROOT/web/out"
[ ! -e "$ROOT/web/out" ] && pass outdir_inside_web_nothing_written || fail outdir_inside_web_nothing_written "web/out was made"

# Nothing loaded from the network: no http(s) URL is used in the page's code.
if grep -Eq "(src|href)=[\"']?https?://" "$T_DIR/a/index.html" || grep -Eq "fetch\([\"'\`]https?://|import\([\"'\`]https?://" "$T_DIR/a/desk.js"; then
	fail no_remote_resources "the built page names a remote resource"
else pass no_remote_resources; fi

# The page's schema checks (web/src/schemaform.js, run by node) against the profile's
# examples: every valid body has no error, and on every example, valid or invalid, the page
# and ajv (the reference) agree whether the body is valid (evidence left out of both: the page
# sends it apart and the node checks it with the STIX validator).
DATA=$ROOT/tests/data/cyber-mla
if "$ROOT/web/node_modules/.bin/esbuild" "$ROOT/tests/browser/schemaform-check.mjs" --bundle --platform=node --format=esm \
	--log-level=error --outfile="$T_DIR/sf.mjs" 2>"$T_DIR/sf.err"; then
	mkdir -p "$T_DIR/bodies"
	for f in "$DATA"/valid/*.json "$DATA"/invalid/*.json; do
		b=$T_DIR/bodies/$(basename "$(dirname "$f")")-$(basename "$f")
		jq 'if type == "object" then del(.evidence) else . end' "$f" >"$b" 2>/dev/null || cp "$f" "$b"
	done
	node "$T_DIR/sf.mjs" "$ROOT/docs/schemas/cyber-mla" "$T_DIR/sf.json" "$T_DIR"/bodies/*.json
	bad=$(jq -r 'to_entries[] | select((.key | test("/valid-")) and (.value | length) > 0) | "\(.key | split("/") | last): \(.value[0])"' "$T_DIR/sf.json")
	[ -z "$bad" ] && pass schemaform_valid_examples || fail schemaform_valid_examples "$bad"
	if ajv_setup; then
		node "$AJV" --schemas "$ROOT/docs/schemas/cyber-mla" --schemas "${TESTDATA:-$ROOT/../shared/testdata}/stix/schemas" --entry https://parley.invalid/schemas/cyber-mla/body.json \
			"$T_DIR"/bodies/*.json >"$T_DIR/ajv.out" 2>&1
		diffs=
		for b in "$T_DIR"/bodies/*.json; do
			if grep -q "^valid $b$" "$T_DIR/ajv.out"; then a=valid; else a=invalid; fi
			if [ "$(jq --arg f "$b" '.[$f] | length' "$T_DIR/sf.json")" = 0 ]; then p=valid; else p=invalid; fi
			[ "$a" = "$p" ] || diffs="$diffs $(basename "$b"): ajv $a, page $p;"
		done
		n=$(ls "$T_DIR"/bodies | wc -l)
		[ -z "$diffs" ] && [ "$n" -ge 40 ] && pass schemaform_agrees_with_ajv || fail schemaform_agrees_with_ajv "$n bodies;$diffs"
	else
		skip schemaform_agrees_with_ajv "$AJV_WHY"
	fi
else
	fail schemaform_bundle "$(head -c 300 "$T_DIR/sf.err")"
fi
