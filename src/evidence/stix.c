/*
 * stix — the STIX 2.1 bundle validator (see stix.h). Two passes over the
 * bundle's objects: the first indexes every id with its object class, the
 * second checks each object against the tables in stix_types.c, resolving
 * references through the index. The first violation stops the check. The
 * path and the reporting of violations are in stix_ctx.c.
 */
#include "evidence/stix.h"
#include "evidence/stix_ctx.h"
#include "evidence/stix_types.h"
#include "base/err.h"
#include "base/jsonload.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* ---- references -------------------------------------------------------- */

/* An identifier with its UUID lowercased, the key of the index (RFC 4122
 * UUIDs compare case-insensitively; the type part is lowercase already). */
#define ID_KEY_MAX 300
static void id_key(char out[ID_KEY_MAX], const char *id)
{
	size_t i = 0;
	for (; i < ID_KEY_MAX - 1 && id[i]; i++)
		out[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] + 32 : id[i]);
	out[i] = '\0';
}

static int is_tlp_id(const char *id)
{
	for (size_t i = 0; stix_tlp_ids[i]; i++)
		if (!strcmp(id, stix_tlp_ids[i]))
			return 1;
	return 0;
}

/* Is a target of this type and class allowed by the "to" list of a property? */
static int target_allowed(const char *to, const char *type, unsigned cls)
{
	static const struct { const char *name; unsigned cls; } classes[] = {
		{"@sdo", STIX_SDO}, {"@sro", STIX_SRO}, {"@sco", STIX_SCO}, {"@marking", STIX_MARKING},
		{"@extdef", STIX_EXTDEF}, {"@any", ~0u},
	};
	size_t tlen = strlen(type);
	for (const char *p = to; *p;) {
		size_t n = strcspn(p, " ");
		if (p[0] == '@') {
			for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
				if (strlen(classes[i].name) == n && !strncmp(p, classes[i].name, n) && (cls & classes[i].cls))
					return 1;
		} else if (n == tlen && !strncmp(p, type, n)) {
			return 1;
		}
		p += n + (p[n] == ' ');
	}
	return 0;
}

static int check_ref(struct stix_ctx *c, json_t *v, const char *to)
{
	const char *id = json_string_value(v);
	if (!id || !stix_identifier_valid(id, NULL))
		return stix_fail(c, "must be a STIX identifier (type--UUID)");
	char type[251];
	size_t tlen = (size_t)(strstr(id, "--") - id);
	memcpy(type, id, tlen);
	type[tlen] = '\0';
	const struct stix_type *t = stix_type_find(type);
	char key[ID_KEY_MAX];
	id_key(key, id);
	json_t *known = json_object_get(c->index, key);
	if (!t && !known)
		return stix_fail(c, "refers to %s, which is not in the bundle", id);
	unsigned cls = t ? t->cls : (unsigned)json_integer_value(known);
	if (!strcmp(type, "bundle") || !target_allowed(to, type, cls))
		return stix_fail(c, "must refer to [%s], not to type %s", to, type);
	if (!known && !is_tlp_id(key))
		return stix_fail(c, "refers to %s, which is not in the bundle", id);
	return 0;
}

/* ---- values ------------------------------------------------------------ */

static int check_props(struct stix_ctx *c, json_t *obj, const struct stix_shape *base,
		       const struct stix_shape *own, int open);

static int enum_has(const char *vals, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = vals; *p;) {
		size_t m = strcspn(p, "|");
		if (m == n && !strncmp(p, s, n))
			return 1;
		p += m + (p[m] == '|');
	}
	return 0;
}

static int strings_list(json_t *v, size_t min)
{
	size_t i;
	json_t *s;
	if (!json_is_array(v) || json_array_size(v) < min)
		return 0;
	json_array_foreach(v, i, s)
		if (!json_is_string(s))
			return 0;
	return 1;
}

static int hash_value_valid(const char *alg, const char *h)
{
	static const struct { const char *alg; size_t len; } hexes[] = {
		{"MD5", 32}, {"SHA-1", 40}, {"SHA-256", 64}, {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128},
	};
	size_t n = strlen(h);
	for (size_t i = 0; i < sizeof hexes / sizeof hexes[0]; i++)
		if (!strcmp(alg, hexes[i].alg))
			return n == hexes[i].len && stix_hex_valid(h);
	if (!strcmp(alg, "SSDEEP"))
		return n >= 1 && n <= 128 &&
		       strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+:.") == n;
	if (!strcmp(alg, "TLSH"))
		return n == 70 && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
	return -1; /* not a predefined algorithm */
}

static int check_hashes(struct stix_ctx *c, json_t *v, int custom_ok)
{
	const char *alg;
	json_t *h;
	if (!json_is_object(v) || json_object_size(v) == 0)
		return stix_fail(c, "must be a non-empty dictionary of hashes");
	json_object_foreach(v, alg, h) {
		size_t old = stix_path_key(c, alg);
		int rc = 0;
		if (!json_is_string(h)) {
			rc = stix_fail(c, "a hash value must be a string");
		} else {
			int ok = hash_value_valid(alg, json_string_value(h));
			size_t n = strlen(alg);
			if (ok == 0)
				rc = stix_fail(c, "not a valid %s value", alg);
			else if (ok < 0 && (!custom_ok || strncmp(alg, "x_", 2) || n < 3 || n > 250 ||
					    strspn(alg, "abcdefghijklmnopqrstuvwxyz0123456789_-ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n))
				rc = stix_fail(c, "not a hash algorithm of hash-algorithm-ov%s",
					       custom_ok ? " (custom ones start with x_)" : "");
		}
		stix_path_pop(c, old);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_dict(struct stix_ctx *c, json_t *v, const char *kinds)
{
	const char *key;
	json_t *e;
	if (!json_is_object(v) || json_object_size(v) == 0)
		return stix_fail(c, "must be a non-empty dictionary");
	json_object_foreach(v, key, e) {
		size_t n = strlen(key), old = stix_path_key(c, key);
		int rc = 0;
		if (n == 0 || n > 250 ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
			rc = stix_fail(c, "dictionary keys are 1-250 of a-z A-Z 0-9 _ -");
		else if (json_is_null(e))
			rc = stix_fail(c, "null is not allowed (omit the entry)");
		else if (json_is_array(e) && json_array_size(e) == 0)
			rc = stix_fail(c, "empty lists are not allowed");
		else if (kinds && !((strchr(kinds, 's') && json_is_string(e)) ||
				    (strchr(kinds, 'i') && json_is_integer(e)) ||
				    (strchr(kinds, 'a') && strings_list(e, 1)) ||
				    (strchr(kinds, 'A') && strings_list(e, 2))))
			rc = stix_fail(c, "wrong kind of value for this dictionary");
		stix_path_pop(c, old);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_extensions(struct stix_ctx *c, json_t *v)
{
	const char *key;
	json_t *body;
	if (!json_is_object(v) || json_object_size(v) == 0)
		return stix_fail(c, "must be a non-empty dictionary");
	json_object_foreach(v, key, body) {
		size_t old = stix_path_key(c, key);
		int rc = 0;
		const struct stix_shape *shape = NULL;
		int open = 0;
		if (!strncmp(key, "extension-definition--", 22)) {
			if (!stix_identifier_valid(key, "extension-definition"))
				rc = stix_fail(c, "not an extension-definition identifier");
			shape = &stix_ext_body_shape;
			open = 1;
		} else {
			for (size_t i = 0; c->exts && c->exts[i].name && !shape; i++)
				if (!strcmp(key, c->exts[i].name))
					shape = c->exts[i].shape;
			if (!shape)
				rc = stix_fail(c, "not a predefined extension of this type "
						  "(custom extensions are keyed by an extension-definition id)");
		}
		if (!rc && (!json_is_object(body) || json_object_size(body) == 0))
			rc = stix_fail(c, "an extension must be a non-empty object");
		if (!rc)
			rc = check_props(c, body, NULL, shape, open);
		stix_path_pop(c, old);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_value(struct stix_ctx *c, const struct stix_prop *p, json_t *v)
{
	const char *s = json_string_value(v);
	size_t i;
	json_t *e;
	switch (p->kind) {
	case SK_STRING:
		return s ? 0 : stix_fail(c, "must be a string");
	case SK_TIMESTAMP:
	case SK_TIMESTAMP_MS:
		if (!s || !stix_timestamp_valid(s, p->kind == SK_TIMESTAMP_MS))
			return stix_fail(c, "must be an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS%sZ)",
					 p->kind == SK_TIMESTAMP_MS ? ".sss" : "[.s]");
		return 0;
	case SK_BOOL:
		return json_is_boolean(v) ? 0 : stix_fail(c, "must be true or false");
	case SK_INT:
	case SK_NUMBER:
		if (p->kind == SK_INT ? !json_is_integer(v) : !json_is_number(v))
			return stix_fail(c, "must be %s", p->kind == SK_INT ? "an integer" : "a number");
		if (p->ranged && (json_number_value(v) < p->lo || json_number_value(v) > p->hi))
			return stix_fail(c, "must be between %.15g and %.15g", p->lo, p->hi);
		return 0;
	case SK_ENUM:
		return s && enum_has(p->vals, s) ? 0 : stix_fail(c, "must be one of %s", p->vals);
	case SK_STRINGS:
		return strings_list(v, 1) ? 0 : stix_fail(c, "must be a non-empty list of strings");
	case SK_ENUMS:
		if (!strings_list(v, 1))
			return stix_fail(c, "must be a non-empty list of strings");
		json_array_foreach(v, i, e)
			if (!enum_has(p->vals, json_string_value(e)))
				return stix_fail(c, "each entry must be one of %s", p->vals);
		return 0;
	case SK_REF:
		return check_ref(c, v, p->to);
	case SK_REFS:
		if (!json_is_array(v) || json_array_size(v) == 0)
			return stix_fail(c, "must be a non-empty list of identifiers");
		json_array_foreach(v, i, e) {
			size_t old = stix_path_push(c, "[%zu]", i);
			int rc = check_ref(c, e, p->to);
			stix_path_pop(c, old);
			if (rc)
				return rc;
		}
		return 0;
	case SK_HASHES:
	case SK_HASHES_STD:
		return check_hashes(c, v, p->kind == SK_HASHES);
	case SK_DICT:
		return check_dict(c, v, p->vals);
	case SK_OBJECT:
		if (!json_is_object(v) || json_object_size(v) == 0)
			return stix_fail(c, "must be a non-empty object");
		return p->sub ? check_props(c, v, NULL, p->sub, 0) : 0;
	case SK_OBJECTS:
		if (!json_is_array(v) || json_array_size(v) == 0)
			return stix_fail(c, "must be a non-empty list of objects");
		json_array_foreach(v, i, e) {
			size_t old = stix_path_push(c, "[%zu]", i);
			int rc = json_is_object(e) ? check_props(c, e, NULL, p->sub, 0) : stix_fail(c, "must be an object");
			stix_path_pop(c, old);
			if (rc)
				return rc;
		}
		return 0;
	case SK_EXTENSIONS:
		return check_extensions(c, v);
	case SK_URL:
		return s && stix_url_valid(s) ? 0 : stix_fail(c, "must be an absolute URL (RFC 3986)");
	case SK_BINARY:
		return s && stix_base64_valid(s) ? 0 : stix_fail(c, "must be padded base64");
	case SK_HEX:
		return s && stix_hex_valid(s) ? 0 : stix_fail(c, "must be an even number of hex digits");
	case SK_IPV4:
		return s && stix_ipv4_valid(s) ? 0 : stix_fail(c, "must be an IPv4 address or CIDR block");
	case SK_IPV6:
		return s && stix_ipv6_valid(s) ? 0 : stix_fail(c, "must be an IPv6 address or CIDR block");
	case SK_MAC:
		return s && stix_mac_valid(s) ? 0 : stix_fail(c, "must be a MAC address (aa:bb:cc:dd:ee:ff, lowercase)");
	case SK_EMAIL:
		return s && stix_email_valid(s) ? 0 : stix_fail(c, "must be an e-mail address");
	case SK_DOMAIN:
		return s && stix_domain_valid(s) ? 0 : stix_fail(c, "must be a domain name");
	case SK_LANG:
		return s && stix_lang_valid(s) ? 0 : stix_fail(c, "must be an RFC 5646 language tag");
	case SK_MIME: {
		static const char *const tops[] = {"application/", "audio/", "font/", "image/", "message/",
						   "model/", "multipart/", "text/", "video/", NULL};
		for (i = 0; s && tops[i]; i++) {
			size_t n = strlen(tops[i]), rest = s ? strlen(s) - strnlen(s, n) : 0;
			if (!strncmp(s, tops[i], n) && rest > 0 &&
			    strspn(s + n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-") == rest)
				return 0;
		}
		return stix_fail(c, "must be an IANA media type (type/subtype)");
	}
	}
	return stix_fail(c, "internal error: unknown property kind");
}

/* ---- objects ----------------------------------------------------------- */

static const struct stix_prop *find_prop(const struct stix_shape *shape, const char *name)
{
	for (size_t i = 0; shape && shape->props[i].name; i++)
		if (!strcmp(shape->props[i].name, name))
			return &shape->props[i];
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* A property that no table names: x_ custom, or allowed by open / a toplevel extension. */
static int check_other(struct stix_ctx *c, const char *name, json_t *v, int open, const char *shape)
{
	static const struct stix_prop any_ref = {.name = "", .kind = SK_REF, .to = "@any"};
	static const struct stix_prop any_refs = {.name = "", .kind = SK_REFS, .to = "@any"};
	static const struct stix_prop bin = {.name = "", .kind = SK_BINARY};
	static const struct stix_prop hex = {.name = "", .kind = SK_HEX};
	if (!open && strncmp(name, "x_", 2) && !c->toplevel_ext)
		return stix_fail(c, "not a property of %s (custom properties start with x_)", shape);
	if (ends_with(name, "_ref"))
		return check_value(c, &any_ref, v);
	if (ends_with(name, "_refs"))
		return check_value(c, &any_refs, v);
	if (ends_with(name, "_bin"))
		return check_value(c, &bin, v);
	if (ends_with(name, "_hex"))
		return check_value(c, &hex, v);
	return 0;
}

static int any_of(struct stix_ctx *c, json_t *obj, const struct stix_shape *shape)
{
	if (!shape || !shape->any_of)
		return 0;
	for (const char *p = shape->any_of; *p;) {
		char name[64];
		size_t n = strcspn(p, " ");
		snprintf(name, sizeof name, "%.*s", (int)n, p);
		if (json_object_get(obj, name))
			return 0;
		p += n + (p[n] == ' ');
	}
	return stix_fail(c, "a %s needs at least one of: %s", shape->name, shape->any_of);
}

/*
 * Checks the properties of obj against base (common properties, may be NULL)
 * and own. open: properties neither table names are allowed (custom objects,
 * extension-definition extensions).
 */
static int check_props(struct stix_ctx *c, json_t *obj, const struct stix_shape *base,
		       const struct stix_shape *own, int open)
{
	static const char *const reserved[] = {"severity", "action", "username", "phone_numbers", NULL};
	const struct stix_shape *shapes[2] = {base, own};
	const char *key;
	json_t *v;
	int rc = 0;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; shapes[s] && shapes[s]->props[i].name; i++)
			if (shapes[s]->props[i].required && !json_object_get(obj, shapes[s]->props[i].name))
				return stix_fail_at(c, shapes[s]->props[i].name, "required property is missing");
	json_object_foreach(obj, key, v) {
		size_t old = stix_path_key(c, key);
		const struct stix_prop *p = find_prop(own, key);
		if (!p)
			p = find_prop(base, key);
		if (!stix_property_name_valid(key))
			rc = stix_fail(c, "property names are \"id\" or 3-250 of a-z 0-9 _ starting with a letter");
		for (size_t i = 0; !rc && reserved[i]; i++)
			if (!strcmp(key, reserved[i]))
				rc = stix_fail(c, "reserved property name");
		if (rc) {
		} else if (json_is_null(v)) {
			rc = stix_fail(c, "null is not allowed (omit the property)");
		} else if (json_is_array(v) && json_array_size(v) == 0) {
			rc = stix_fail(c, "empty lists are not allowed (omit the property)");
		} else if (p) {
			rc = check_value(c, p, v);
		} else {
			rc = check_other(c, key, v, open, own ? own->name : base ? base->name : "this object");
		}
		stix_path_pop(c, old);
		if (rc)
			return rc;
	}
	for (int s = 0; s < 2; s++) {
		if ((rc = any_of(c, obj, shapes[s])) != 0)
			return rc;
		if (shapes[s] && shapes[s]->check && (rc = shapes[s]->check(c, obj)) != 0)
			return rc;
	}
	return 0;
}

/* The extension_type an object declares for itself through an extension-definition, or NULL. */
static int has_extension_type(json_t *obj, const char *ext_type)
{
	const char *key;
	json_t *body;
	json_object_foreach(json_object_get(obj, "extensions"), key, body) {
		const char *t = json_string_value(json_object_get(body, "extension_type"));
		if (!strncmp(key, "extension-definition--", 22) && t && !strcmp(t, ext_type))
			return 1;
	}
	return 0;
}

/* The class of a custom object: what its extension says, else SDO if it has created. */
static unsigned custom_class(json_t *obj)
{
	if (has_extension_type(obj, "new-sro"))
		return STIX_SRO;
	if (has_extension_type(obj, "new-sco"))
		return STIX_SCO;
	if (has_extension_type(obj, "new-sdo"))
		return STIX_SDO;
	return json_object_get(obj, "created") ? STIX_SDO : STIX_SCO;
}

static int check_object(struct stix_ctx *c, json_t *obj)
{
	if (!json_is_object(obj))
		return stix_fail(c, "a STIX object must be a JSON object");
	json_t *jt = json_object_get(obj, "type"), *jid = json_object_get(obj, "id");
	const char *type = json_string_value(jt), *id = json_string_value(jid);
	if (!jt)
		return stix_fail_at(c, "type", "required property is missing");
	if (!type || !stix_type_valid(type))
		return stix_fail_at(c, "type", "must be 3-250 of a-z 0-9 - starting with a letter, without \"--\"");
	if (!strcmp(type, "bundle"))
		return stix_fail_at(c, "type", "a bundle cannot contain a bundle");
	if (!jid)
		return stix_fail_at(c, "id", "required property is missing");
	if (!id || !stix_identifier_valid(id, NULL))
		return stix_fail_at(c, "id", "must be <type>--<RFC 4122 UUID>");
	if (!stix_identifier_valid(id, type))
		return stix_fail_at(c, "id", "must start with \"%s--\" (the object's type)", type);

	const struct stix_type *t = stix_type_find(type);
	unsigned cls = t ? t->cls : custom_class(obj);
	if (!t && strncmp(type, "x-", 2) && !has_extension_type(obj, "new-sdo") &&
	    !has_extension_type(obj, "new-sco") && !has_extension_type(obj, "new-sro"))
		return stix_fail_at(c, "type", "unknown type (custom types start with x- or use a new-sdo/sco/sro extension)");

	/* Several versions of an SDO or SRO may share an id; they differ in modified. */
	const char *mod = json_string_value(json_object_get(obj, "modified"));
	char key[ID_KEY_MAX], vkey[ID_KEY_MAX + 40];
	id_key(key, id);
	snprintf(vkey, sizeof vkey, "%s %s", key, (cls & (STIX_SCO | STIX_MARKING)) || !mod ? "" : mod);
	if (json_object_get(c->versions, vkey))
		return stix_fail_at(c, "id", "%s appears twice%s", id, mod ? " with the same modified" : "");
	if (json_object_set_new(c->versions, vkey, json_true()))
		return err_set(ERR_NOMEM, "out of memory");

	c->object = obj;
	c->exts = t ? t->exts : NULL;
	c->toplevel_ext = has_extension_type(obj, "toplevel-property-extension");
	const struct stix_shape *base = (cls & STIX_SCO) ? &stix_sco_core_shape
				      : (cls & STIX_MARKING) ? NULL : &stix_core_shape;
	return check_props(c, obj, base, t ? t->shape : NULL, !t);
}

/* ---- the bundle -------------------------------------------------------- */

static int check_bundle(struct stix_ctx *c, json_t *root)
{
	const char *key;
	json_t *v, *objs, *o;
	size_t i;
	if (!json_is_object(root))
		return stix_fail(c, "a bundle must be a JSON object");
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "spec_version"))
			return stix_fail_at(c, key, "a STIX 2.1 bundle has no spec_version (this is STIX 2.0)");
		if (strcmp(key, "type") && strcmp(key, "id") && strcmp(key, "objects") &&
		    (strncmp(key, "x_", 2) || !stix_property_name_valid(key) || json_is_null(v)))
			return stix_fail_at(c, key, "not a property of a bundle");
	}
	const char *type = json_string_value(json_object_get(root, "type"));
	const char *id = json_string_value(json_object_get(root, "id"));
	if (!type || strcmp(type, "bundle"))
		return stix_fail_at(c, "type", "must be \"bundle\"");
	if (!id || !stix_identifier_valid(id, "bundle"))
		return stix_fail_at(c, "id", "must be bundle--<RFC 4122 UUID>");
	objs = json_object_get(root, "objects");
	if (!json_is_array(objs) || json_array_size(objs) == 0)
		return stix_fail_at(c, "objects", "must be a non-empty list of STIX objects");
	json_array_foreach(objs, i, o) {
		const char *oid = json_string_value(json_object_get(o, "id"));
		const char *otype = json_string_value(json_object_get(o, "type"));
		char okey[ID_KEY_MAX];
		if (!oid || !otype || strlen(oid) >= ID_KEY_MAX)
			continue;
		id_key(okey, oid);
		if (json_object_get(c->index, okey))
			continue;
		const struct stix_type *t = stix_type_find(otype);
		if (json_object_set_new(c->index, okey, json_integer(t ? t->cls : custom_class(o))))
			return err_set(ERR_NOMEM, "out of memory");
	}
	json_array_foreach(objs, i, o) {
		size_t old = stix_path_push(c, ".objects[%zu]", i);
		int rc = check_object(c, o);
		stix_path_pop(c, old);
		if (rc)
			return rc;
	}
	if (c->res)
		c->res->objects = json_array_size(objs);
	return 0;
}

/* Checks a parsed bundle; the paths in messages start with root. */
static int check_root(json_t *root, const char *root_path, struct stix_result *res)
{
	struct stix_ctx c = {.res = res};
	int rc;
	if (res) {
		res->objects = 0;
		res->path[0] = '\0';
	}
	c.index = json_object();
	c.versions = json_object();
	if (!c.index || !c.versions) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	stix_path_push(&c, "%s", root_path);
	rc = check_bundle(&c, root);
out:
	json_decref(c.index);
	json_decref(c.versions);
	return rc;
}

int stix_check_json(json_t *bundle, const char *root_path, struct stix_result *res)
{
	return check_root(bundle, root_path ? root_path : "$", res);
}

int stix_check_bundle(const uint8_t *json, size_t len, struct stix_result *res)
{
	json_t *root = NULL;
	int rc;
	if (res) {
		res->objects = 0;
		res->path[0] = '\0';
	}
	rc = jsonload_strict(json, len, STIX_MAX_INPUT, STIX_MAX_DEPTH, &root);
	if (rc == 0)
		rc = check_root(root, "$", res);
	json_decref(root);
	return rc;
}
