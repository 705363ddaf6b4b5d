/*
 * profile — strict checks of message bodies (profile.h): parsing, dispatch on
 * "profile" and "type", and the walk of a body against its shape
 * (profile_rules.h). The first violation stops the check; its message is
 * "<JSON path>: <rule>".
 */
#include "exchange/profile.h"
#include "exchange/profile_rules.h"
#include "base/err.h"
#include "base/jsonload.h"
#include "evidence/stix.h"
#include "exchange/syntax.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN 256
#define PATH_KEY_MAX 64

/* ---- paths ------------------------------------------------------------- */

/* 1 if key can be written as ".key" in a path. */
static int key_is_plain(const char *key)
{
	size_t n = 0;
	for (; key[n]; n++) {
		unsigned char ch = (unsigned char)key[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return 0;
	}
	return n > 0 && n <= PATH_KEY_MAX;
}

/* Appends one step to out (size PATH_MAX_LEN); a cut path ends in "...". */
static void path_step(char *out, const struct profile_path *p)
{
	size_t len = strlen(out);
	char key[PATH_KEY_MAX + 4];
	if (!p->up) {
		snprintf(out, PATH_MAX_LEN, "$");
		return;
	}
	if (!p->key) {
		snprintf(out + len, PATH_MAX_LEN - len, "[%zu]", p->index);
	} else if (key_is_plain(p->key)) {
		snprintf(out + len, PATH_MAX_LEN - len, ".%s", p->key);
	} else {
		/* Quoted, with anything a reader could misread replaced by '?'. */
		size_t n = 0;
		for (; n < PATH_KEY_MAX && p->key[n]; n++) {
			unsigned char ch = (unsigned char)p->key[n];
			key[n] = (ch < 0x20 || ch >= 0x7f || ch == '\'' || ch == '\\') ? '?' : (char)ch;
		}
		snprintf(key + n, sizeof key - n, "%s", p->key[n] ? "..." : "");
		snprintf(out + len, PATH_MAX_LEN - len, "['%s']", key);
	}
	if (strlen(out) == PATH_MAX_LEN - 1)
		memcpy(out + PATH_MAX_LEN - 4, "...", 4);
}

static void path_render(const struct profile_path *at, char out[PATH_MAX_LEN])
{
	const struct profile_path *chain[PROFILE_MAX_DEPTH + 8];
	size_t n = 0;
	for (const struct profile_path *p = at; p && n < sizeof chain / sizeof chain[0]; p = p->up)
		chain[n++] = p;
	out[0] = '\0';
	while (n > 0)
		path_step(out, chain[--n]);
}

int profile_fail(const struct profile_path *at, const char *key, const char *fmt, ...)
{
	struct profile_path member = {at, key, 0};
	char path[PATH_MAX_LEN], rule[512];
	va_list ap;
	path_render(key ? &member : at, path);
	va_start(ap, fmt);
	vsnprintf(rule, sizeof rule, fmt, ap);
	va_end(ap);
	return err_set(ERR_FORMAT, "%s: %s", path, rule);
}

/* ---- strings ----------------------------------------------------------- */

/* The next code point of valid UTF-8 s[*i..n), advancing *i. */
static unsigned long next_code_point(const unsigned char *s, size_t n, size_t *i)
{
	unsigned long c = s[*i];
	int more = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	if (more)
		c &= 0x3fu >> more;
	for ((*i)++; more > 0 && *i < n; more--, (*i)++)
		c = (c << 6) | (s[*i] & 0x3fu);
	return c;
}

/* White space as JSON Schema's "\S" (ECMAScript) sees it. */
static int is_js_space(unsigned long c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}

/*
 * Text: 1..max characters, at least one not white space; no C0 or C1 control
 * character (a text may hold tab and newline), no DEL, no line or paragraph
 * separator in a line, and no bidirectional embedding, override or isolate
 * (U+202A-U+202E, U+2066-U+2069), which can make the text a reader sees
 * differ from the text that was signed.
 */
static int check_text(const char *s, size_t n, int multiline, const struct profile_path *at)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, chars = 0, max = multiline ? PROFILE_TEXT_MAX : PROFILE_LINE_MAX;
	int visible = 0;
	while (i < n) {
		unsigned long c = next_code_point(u, n, &i);
		chars++;
		if (multiline && (c == '\n' || c == '\t')) {
			continue;
		} else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
			return profile_fail(at, NULL, "control character U+%04lX is not allowed%s", c,
					    multiline ? " (only newline and tab are)" : " in a one-line value");
		} else if (!multiline && (c == 0x2028 || c == 0x2029)) {
			return profile_fail(at, NULL, "line separator U+%04lX is not allowed in a one-line value", c);
		} else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
			return profile_fail(at, NULL, "bidirectional control U+%04lX is not allowed", c);
		}
		visible |= !is_js_space(c);
	}
	if (chars == 0 || !visible)
		return profile_fail(at, NULL, "must not be empty or only white space");
	if (chars > max)
		return profile_fail(at, NULL, "longer than %zu characters", max);
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3339 full-date: a real calendar day. */
static int date_valid(const char *s)
{
	char t[32];
	if (strlen(s) != 10)
		return 0;
	snprintf(t, sizeof t, "%sT00:00:00Z", s);
	return stix_timestamp_valid(t, 0);
}

/* The "email" format of JSON Schema validators (ajv-formats, full mode):
 * a dot-atom of ASCII atext, "@", two or more LDH labels. */
static int email_valid(const char *s)
{
	static const char atext[] = "!#$%&'*+/=?^_`{|}~-";
	const char *at = strchr(s, '@');
	size_t n = strlen(s);
	if (!at || n > 254 || at == s || at[-1] == '.' || s[0] == '.')
		return 0;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c);
		if (c == '.' ? p[1] == '.' : !(alnum || (c && strchr(atext, c))))
			return 0;
	}
	size_t labels = 0;
	for (const char *p = at + 1;; labels++) {
		size_t len = 0;
		for (; (p[len] >= 'a' && p[len] <= 'z') || (p[len] >= 'A' && p[len] <= 'Z') || is_digit(p[len]) ||
		       p[len] == '-';
		     len++)
			;
		if (len == 0 || p[0] == '-' || p[len - 1] == '-')
			return 0;
		p += len;
		if (*p == '\0')
			break;
		if (*p++ != '.')
			return 0;
	}
	return labels >= 1;
}

/* "+", a digit 1-9, 5-22 digits or spaces, a digit: international form. */
static int phone_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 8 || n > 25 || s[0] != '+' || s[1] < '1' || s[1] > '9' || !is_digit(s[n - 1]))
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!is_digit(s[i]) && s[i] != ' ')
			return 0;
	return 1;
}

static int country_valid(const char *s)
{
	return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/* "0" or 1-18 digits without a leading zero, then optionally "." and 1-18 digits. */
static int amount_valid(const char *s)
{
	size_t i = 0, frac = 0;
	while (is_digit(s[i]))
		i++;
	if (i == 0 || i > 18 || (s[0] == '0' && i > 1))
		return 0;
	if (s[i] == '.') {
		while (is_digit(s[i + 1 + frac]))
			frac++;
		if (frac == 0 || frac > 18)
			return 0;
		i += 1 + frac;
	}
	return s[i] == '\0';
}

/* A capital letter, then 2-9 capital letters or digits (USD, EUR, BTC, USDT). */
static int currency_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 10 || s[0] < 'A' || s[0] > 'Z')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !is_digit(s[i]))
			return 0;
	return 1;
}

static int enum_has(const char *values, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = values; *p;) {
		size_t m = strcspn(p, "|");
		if (m == n && !strncmp(p, s, n))
			return 1;
		p += m + (p[m] == '|');
	}
	return 0;
}

/* "x_" then 1-62 of a-z 0-9 _. */
static int extension_name_valid(const char *key)
{
	size_t n = strlen(key);
	if (n < 3 || n > 64 || strncmp(key, "x_", 2))
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || is_digit(key[i]) || key[i] == '_'))
			return 0;
	return 1;
}

/* ---- values ------------------------------------------------------------ */

static int check_bundle(json_t *v, const struct profile_path *at)
{
	char path[PATH_MAX_LEN];
	path_render(at, path);
	int rc = stix_check_json(v, path, NULL);
	if (rc != ERR_VERIFY)
		return rc;
	/* A STIX rule broken inside a body is a malformed body (profile.h). */
	return err_set(ERR_FORMAT, "%s", err_msg());
}

static int check_string(const struct profile_field *f, const char *s, size_t n, const struct profile_path *at)
{
	if (f->kind == PV_LINE || f->kind == PV_TEXT)
		return check_text(s, n, f->kind == PV_TEXT, at);
	if (strlen(s) != n)
		return profile_fail(at, NULL, "must not contain U+0000");
	switch (f->kind) {
	case PV_TIME:
		if (!stix_timestamp_valid(s, 0))
			return profile_fail(at, NULL, "must be an RFC 3339 UTC time, YYYY-MM-DDTHH:MM:SS[.fraction]Z");
		return 0;
	case PV_DATE:
		return date_valid(s) ? 0 : profile_fail(at, NULL, "must be an RFC 3339 date, YYYY-MM-DD");
	case PV_STIME: {
		int64_t t;
		if (syntax_time(s, n, &t))
			return profile_fail(at, NULL, "must be an RFC 3339 UTC time in whole seconds, YYYY-MM-DDTHH:MM:SSZ "
					    "(from 1970, no leap second), as the envelope's aid line writes it");
		return 0;
	}
	case PV_CROSSING: {
		size_t i = 0;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '-'))
			i++;
		if (n < 1 || n > ENVELOPE_AID_CROSSING_MAX || i != n)
			return profile_fail(at, NULL, "must be a crossing point id: 1 to %d of a-z 0-9 - (\"bab-al-hawa\")",
					    ENVELOPE_AID_CROSSING_MAX);
		return 0;
	}
	case PV_ENUM:
		return enum_has(f->values, s) ? 0 : profile_fail(at, NULL, "must be one of %s", f->values);
	case PV_EMAIL:
		return email_valid(s) ? 0 : profile_fail(at, NULL, "must be an e-mail address (ASCII, name@domain.tld)");
	case PV_PHONE:
		return phone_valid(s) ? 0 : profile_fail(at, NULL, "must be an international number: +, then digits and spaces");
	case PV_COUNTRY:
		return country_valid(s) ? 0 : profile_fail(at, NULL, "must be an ISO 3166-1 alpha-2 code such as \"DE\"");
	case PV_AMOUNT:
		return amount_valid(s) ? 0 : profile_fail(at, NULL, "must be a decimal number as a string, such as \"4500000.00\"");
	case PV_CURRENCY:
		return currency_valid(s) ? 0 : profile_fail(at, NULL, "must be an ISO 4217 code or ticker (3-10 of A-Z 0-9)");
	default:
		return profile_fail(at, NULL, "must not be a string");
	}
}

static int check_one(const struct profile_field *f, json_t *v, const struct profile_path *at)
{
	static const char *const expected[] = {
		[PV_BOOL] = "true or false", [PV_TRUE] = "true", [PV_COUNT] = "an integer",
		[PV_INDEX] = "an integer", [PV_OBJECT] = "a JSON object", [PV_BUNDLE] = "a STIX 2.1 bundle (a JSON object)",
		[PV_TRUCKS] = "an integer", [PV_TRUCKS0] = "an integer", [PV_PEOPLE] = "an integer",
	};
	static const json_int_t lows[] = {[PV_COUNT] = 1, [PV_INDEX] = 0, [PV_TRUCKS] = 1, [PV_TRUCKS0] = 0,
					  [PV_PEOPLE] = 1};
	static const json_int_t highs[] = {[PV_COUNT] = PROFILE_COUNT_MAX, [PV_INDEX] = PROFILE_LIST_MAX - 1,
					   [PV_TRUCKS] = ENVELOPE_AID_TRUCKS_MAX, [PV_TRUCKS0] = ENVELOPE_AID_TRUCKS_MAX,
					   [PV_PEOPLE] = ENVELOPE_AID_BENEFICIARIES_MAX};
	if (json_is_null(v))
		return profile_fail(at, NULL, "null is not allowed (omit the member)");
	switch (f->kind) {
	case PV_BOOL:
	case PV_TRUE:
		if (!json_is_boolean(v) || (f->kind == PV_TRUE && !json_is_true(v)))
			break;
		return 0;
	case PV_COUNT:
	case PV_INDEX:
	case PV_TRUCKS:
	case PV_TRUCKS0:
	case PV_PEOPLE: {
		json_int_t lo = lows[f->kind], hi = highs[f->kind];
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < lo || json_integer_value(v) > hi)
			return profile_fail(at, NULL, "must be from %lld to %lld", (long long)lo, (long long)hi);
		return 0;
	}
	case PV_OBJECT:
		if (!json_is_object(v))
			break;
		return profile_check_shape(v, f->shape, at);
	case PV_BUNDLE:
		if (!json_is_object(v))
			break;
		return check_bundle(v, at);
	default:
		if (!json_is_string(v))
			return profile_fail(at, NULL, "must be a string");
		return check_string(f, json_string_value(v), json_string_length(v), at);
	}
	return profile_fail(at, NULL, "must be %s", expected[f->kind]);
}

static int check_member(const struct profile_field *f, json_t *v, const struct profile_path *at)
{
	size_t i, j, max = (f->flags & PF_LONG) ? ENVELOPE_AID_TRUCKS_MAX : PROFILE_LIST_MAX;
	json_t *item;
	if (!(f->flags & PF_LIST))
		return check_one(f, v, at);
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > max)
		return profile_fail(at, NULL, "must be a list of 1 to %zu items", max);
	json_array_foreach(v, i, item) {
		struct profile_path here = {at, NULL, i};
		int rc = check_one(f, item, &here);
		if (rc)
			return rc;
		for (j = 0; (f->flags & PF_UNIQUE) && j < i; j++)
			if (json_equal(json_array_get(v, j), item))
				return profile_fail(&here, NULL, "repeats item %zu (items must be unique)", j);
	}
	return 0;
}

int profile_check_shape(json_t *obj, const struct profile_shape *shape, const struct profile_path *at)
{
	const char *key;
	json_t *v;
	const struct profile_field *f;
	int rc;
	/* Unknown members first: a misspelt name is reported as such, not as
	 * the required member it was meant to be. */
	json_object_foreach(obj, key, v) {
		for (f = shape->fields; f->name && strcmp(f->name, key); f++)
			;
		if (!f->name && !extension_name_valid(key))
			return profile_fail(at, key, "unknown member (extensions are named x_ and 1-62 of a-z 0-9 _)");
	}
	for (f = shape->fields; f->name; f++) {
		struct profile_path here = {at, f->name, 0};
		v = json_object_get(obj, f->name);
		if (!v) {
			if (f->flags & PF_REQ)
				return profile_fail(&here, NULL, "required member is missing");
			continue;
		}
		if (f->kind != PV_FIXED && (rc = check_member(f, v, &here)) != 0)
			return rc;
	}
	return shape->check ? shape->check(obj, at) : 0;
}

/* ---- bodies ------------------------------------------------------------ */

int profile_load(const uint8_t *json, size_t len, json_t **out)
{
	return jsonload_strict(json, len, PROFILE_BODY_MAX, PROFILE_MAX_DEPTH, out);
}

/* A profile's body types and how its messages name them. */
struct profile_def {
	const char *name;
	const struct profile_type *types;
	const char *all;   /* "notice, mla-request, ..." */
};

static const struct profile_def mla = {"cyber-mla", profile_mla_types,
				       "notice, mla-request, preservation-request, ack, answer, decline, update, close, "
				       "statement"};
static const struct profile_def aid = {"aid-crossing", profile_aid_types,
				       "consignment, inspection, crossing, ack, close"};

/* "a, b or c": the profile's types for kind, into out. */
static void types_for_kind(const struct profile_def *p, enum envelope_kind kind, char *out, size_t outsz)
{
	size_t len = 0, n = 0;
	out[0] = '\0';
	for (const struct profile_type *t = p->types; t->name; t++) {
		if (t->kind != kind)
			continue;
		len = strlen(out);
		snprintf(out + len, outsz - len, "%s%s", n++ ? " or " : "", t->name);
	}
	if (!n)
		snprintf(out, outsz, "none: %s has no body type for it", p->name);
}

static int check_typed(const struct profile_def *p, enum envelope_kind kind, json_t *body,
		       const struct profile_path *root)
{
	const char *type = json_string_value(json_object_get(body, "type"));
	const struct profile_type *t;
	char want[128];
	if (!json_object_get(body, "type"))
		return profile_fail(root, "type", "required member is missing");
	if (!type)
		return profile_fail(root, "type", "must be a string naming the body type");
	for (t = p->types; t->name && strcmp(t->name, type); t++)
		;
	if (!t->name)
		return profile_fail(root, "type", "unknown body type (%s has %s)", p->name, p->all);
	if (json_object_get(body, "handling"))
		return profile_fail(root, "handling", "handling marks (TLP, H0-H3) belong in the envelope's handling "
				    "line, not in the body");
	if (t->kind != kind) {
		types_for_kind(p, kind, want, sizeof want);
		return profile_fail(root, "type", "a %s body cannot travel in an envelope of kind %s (expected %s)",
				    t->name, envelope_kind_name(kind), want);
	}
	return profile_check_shape(body, t->shape, root);
}

int profile_check_value(enum envelope_kind kind, unsigned profiles, json_t *body)
{
	const struct profile_path root = {NULL, NULL, 0};
	const char *profile;
	if ((unsigned)kind >= ENV_KIND_COUNT)
		return err_set(ERR_USAGE, "envelope kind %d is out of range", (int)kind);
	if (!(profiles & (CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING)))
		return err_set(ERR_USAGE, "the charter enables no body profile");
	if (kind == ENV_RECEIVED)
		return err_set(ERR_FORMAT, "an envelope of kind received carries no body");
	if (!json_is_object(body))
		return profile_fail(&root, NULL, "a body must be a JSON object");
	profile = json_string_value(json_object_get(body, "profile"));
	if (!json_object_get(body, "profile"))
		return profile_fail(&root, "profile", "required member is missing");
	if (!profile)
		return profile_fail(&root, "profile", "must be a string naming the profile");
	if (!strcmp(profile, "aid-crossing") && (profiles & CHARTER_PROFILE_AID_CROSSING))
		return check_typed(&aid, kind, body, &root);
	if (!strcmp(profile, "cyber-mla") && (profiles & CHARTER_PROFILE_CYBER_MLA))
		return check_typed(&mla, kind, body, &root);
	if ((profiles & CHARTER_PROFILE_CYBER_MLA) && (profiles & CHARTER_PROFILE_AID_CROSSING))
		return profile_fail(&root, "profile", "must be \"cyber-mla\" or \"aid-crossing\", the profiles the "
				    "charter enables");
	return profile_fail(&root, "profile", "must be \"%s\", the profile the charter enables",
			    (profiles & CHARTER_PROFILE_CYBER_MLA) ? "cyber-mla" : "aid-crossing");
}

int profile_check_body(enum envelope_kind kind, unsigned profiles, const uint8_t *json, size_t len)
{
	json_t *body = NULL;
	int rc = profile_load(json, len, &body);
	if (rc == 0)
		rc = profile_check_value(kind, profiles, body);
	json_decref(body);
	return rc;
}
