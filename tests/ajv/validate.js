// Validates STIX bundles against the OASIS STIX 2.1 JSON schemas with ajv.
// usage: node validate.js SCHEMA_DIR FILE...
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

const [schemaDir, ...files] = process.argv.slice(2);
if (!schemaDir) {
	console.error('usage: node validate.js SCHEMA_DIR FILE...');
	process.exit(2);
}
const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: false });
addFormats(ajv);
let entry = null;
for (const f of schemaFiles(schemaDir)) {
	const s = JSON.parse(fs.readFileSync(f, 'utf8'));
	ajv.addSchema(s);
	if (path.relative(schemaDir, f) === path.join('common', 'bundle.json')) entry = s.$id;
}
if (!entry) {
	console.error('no common/bundle.json under ' + schemaDir);
	process.exit(2);
}
const validate = ajv.getSchema(entry);
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
