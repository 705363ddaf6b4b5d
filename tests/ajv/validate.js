// Validates JSON documents against JSON Schemas (draft 2020-12) with ajv.
// usage: node validate.js SCHEMA_DIR FILE...
//        (the OASIS STIX 2.1 schemas; entry: the $id of common/bundle.json)
//    or: node validate.js --schemas DIR [--schemas DIR]... --entry ID FILE...
//        (every *.json under each DIR is loaded; files are checked against the schema with $id ID)
// Prints one line per file: "valid FILE" or "invalid FILE: REASON"
// ("invalid" also for files that are not JSON). Exit 0 unless the schemas fail to load.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

function schemaFiles(dir) {
	const out = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) out.push(...schemaFiles(p));
		else if (e.name.endsWith('.json')) out.push(p);
	}
	return out.sort();
}

function usage() {
	console.error('usage: node validate.js SCHEMA_DIR FILE... | --schemas DIR... --entry ID FILE...');
	process.exit(2);
}
const args = process.argv.slice(2);
const dirs = [];
let entry = null, bundleDir = null;
while (args.length && args[0].startsWith('--')) {
	const opt = args.shift(), val = args.shift();
	if (val === undefined) usage();
	if (opt === '--schemas') dirs.push(val);
	else if (opt === '--entry') entry = val;
	else usage();
}
if (!dirs.length) {
	if (!args.length) usage();
	bundleDir = args.shift();
	dirs.push(bundleDir);
}
const files = args;
const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: false });
addFormats(ajv);
for (const dir of dirs) {
	for (const f of schemaFiles(dir)) {
		const s = JSON.parse(fs.readFileSync(f, 'utf8'));
		ajv.addSchema(s);
		if (dir === bundleDir && path.relative(dir, f) === path.join('common', 'bundle.json')) entry = s.$id;
	}
}
if (!entry) {
	console.error(bundleDir ? 'no common/bundle.json under ' + bundleDir : 'no --entry given');
	process.exit(2);
}
const validate = ajv.getSchema(entry);
if (!validate) {
	console.error('no schema with $id ' + entry);
	process.exit(2);
}
for (const f of files) {
	let doc;
	try {
		doc = JSON.parse(fs.readFileSync(f, 'utf8'));
	} catch (e) {
		console.log(`invalid ${f}: not JSON: ${e.message}`);
		continue;
	}
	if (validate(doc)) {
		console.log(`valid ${f}`);
	} else {
		const e = validate.errors[0];
		console.log(`invalid ${f}: ${e.instancePath || '/'} ${e.message}`);
	}
}
