/*
 * desk_statement — the statement steps of docs/officer.md through the desk
 * (docs/desk.md): a statement is kept in the desk's directory as
 * DIR/statements/<id>/{envelope,body.age}, as `parley statement` keeps it in
 * the directory it is given.
 *
 *   POST /api/statement/propose {"case", "to": [..], "body": {..}, "handling"?}
 *   POST /api/statement/cosign  {"statement": id} | {"envelope": TEXT, "body_age": BASE64}
 *   POST /api/statement/publish {"statement": id} | {"envelope": TEXT, "body_age": BASE64}
 *
 * propose and cosign answer {"statement": id, "envelope": TEXT, "body_age":
 * BASE64, "missing": [agencies whose signature it still lacks]}: the envelope
 * and body go to the other agencies named (each co-signs it in its own desk,
 * importing it with "envelope" and "body_age", or with `parley statement
 * cosign`), then back to the proposer's desk, which publishes it. publish
 * answers {"statement", "party", "index"}, and a node's refusal with its
 * status, as /api/send does.
 */
#include "desk/desk_internal.h"

#include "base/err.h"
#include "base/fileio.h"
#include "base/jsonload.h"
#include "exchange/envelope.h"
#include "exchange/profile.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ID_LEN 16 /* hex digits of a statement's id */

/* DIR/statements/<id> into out (id checked: ID_LEN lower-case hex digits). */
static int statement_dir(struct desk *d, const char *id, char *out, size_t outsz)
{
	if (strlen(id) != ID_LEN || strspn(id, "0123456789abcdef") != ID_LEN)
		return err_set(ERR_USAGE, "\"statement\" is the id the desk gave the statement (%d hex digits)", ID_LEN);
	if (snprintf(out, outsz, "%s/statements/%s", d->dir, id) >= (int)outsz)
		return err_set(ERR_USAGE, "the desk's directory path is too long");
	return 0;
}

/* A new statement directory: its id into id (ID_LEN + 1), its path into out. */
static int new_statement(struct desk *d, char *id, char *out, size_t outsz)
{
	unsigned char r[ID_LEN / 2];
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(id, ID_LEN + 1, r, sizeof r);
	int rc = statement_dir(d, id, out, outsz);
	if (!rc)
		rc = mkdir_p(out, 0700);
	return rc;
}

/* {"statement", "envelope", "body_age", "missing"} of the statement in dir. */
static int describe(struct desk *d, const char *id, const char *dir, json_t **out)
{
	char path[PATH_MAX + 32];
	struct buf raw, body, missing;
	struct envelope e;
	int rc, parsed = 0;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&body, ENVELOPE_BODY_MAX);
	buf_init(&missing, 4096);
	snprintf(path, sizeof path, "%s/envelope", dir);
	if (!(rc = file_read(path, ENVELOPE_MAX_SIZE, &raw)) && !(rc = envelope_parse(&e, raw.data, raw.len)))
		parsed = 1;
	snprintf(path, sizeof path, "%s/body.age", dir);
	if (!rc)
		rc = file_read(path, ENVELOPE_BODY_MAX, &body);
	if (!rc)
		rc = envelope_missing_signers(&e, history_at(&d->o.history, e.f.time), &missing);
	char *b64 = NULL;
	if (!rc) {
		size_t n = sodium_base64_ENCODED_LEN(body.len, sodium_base64_VARIANT_ORIGINAL);
		if (!(b64 = malloc(n)))
			rc = err_set(ERR_NOMEM, "out of memory");
		else
			sodium_bin2base64(b64, n, body.data ? body.data : (const uint8_t *)"", body.len,
					  sodium_base64_VARIANT_ORIGINAL);
	}
	if (!rc) {
		json_t *names = json_array();
		buf_append_byte(&missing, 0);
		for (char *p = (char *)missing.data, *comma; p && *p; p = comma ? comma + 1 : NULL) {
			while (*p == ' ')
				p++;
			comma = strchr(p, ',');
			json_array_append_new(names, json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
		}
		*out = json_pack("{s:s, s:s%, s:s, s:o}", "statement", id, "envelope", (const char *)raw.data, raw.len,
				 "body_age", b64, "missing", names);
	}
	free(b64);
	if (parsed)
		envelope_release(&e);
	buf_release(&raw);
	buf_release(&body);
	buf_release(&missing);
	return rc;
}

/* The statement a cosign or publish request names: its id, or an imported envelope and body (a new id;
 * *imported then set, and the caller removes dir if the step refuses it: nothing kept on refusal). */
static int named_statement(struct desk *d, json_t *j, char *id, char *dir, size_t dirsz, int *imported)
{
	json_t *sid = json_object_get(j, "statement"), *env = json_object_get(j, "envelope"),
	       *body = json_object_get(j, "body_age");
	if (json_is_string(sid) && !env && !body && json_object_size(j) == 1) {
		snprintf(id, ID_LEN + 1, "%.*s", ID_LEN, json_string_value(sid));
		int rc = statement_dir(d, json_string_value(sid), dir, dirsz);
		struct stat st;
		if (!rc && stat(dir, &st))
			rc = err_set(ERR_NOTFOUND, "no statement %s in this desk", json_string_value(sid));
		return rc;
	}
	if (!json_is_string(env) || !json_is_string(body) || json_object_size(j) != 2)
		return err_set(ERR_FORMAT, "name the statement: {\"statement\": id}, or {\"envelope\": TEXT, \"body_age\": BASE64}");
	const char *b64 = json_string_value(body);
	size_t max = strlen(b64) / 4 * 3 + 3, len = 0;
	if (json_string_length(env) > ENVELOPE_MAX_SIZE || max > ENVELOPE_BODY_MAX + 3)
		return err_set(ERR_LIMIT, "the statement is larger than an envelope and its body may be");
	uint8_t *bin = malloc(max ? max : 1);
	if (!bin)
		return err_set(ERR_NOMEM, "out of memory");
	int rc = sodium_base642bin(bin, max, b64, strlen(b64), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL)
			 ? err_set(ERR_FORMAT, "\"body_age\" is not base64")
			 : 0;
	char path[PATH_MAX + 32];
	if (!rc && !(rc = new_statement(d, id, dir, dirsz)))
		*imported = 1;
	if (!rc && snprintf(path, sizeof path, "%s/envelope", dir) > 0)
		rc = file_write_atomic(path, json_string_value(env), json_string_length(env), 0644, 1);
	if (!rc && snprintf(path, sizeof path, "%s/body.age", dir) > 0)
		rc = file_write_atomic(path, bin, len, 0644, 1);
	free(bin);
	return rc;
}

static int status_of(int rc)
{
	return rc == ERR_NOTFOUND ? 404 : rc == ERR_FORMAT ? 400 : rc == ERR_LIMIT ? 413 : rc == ERR_IO ? 502 : 422;
}

void desk_api_statement(struct desk *d, const struct http_request *req, const char *step, struct http_response *resp)
{
	json_t *j = NULL, *answer = NULL;
	char id[ID_LEN + 1], dir[PATH_MAX];
	int imported = 0;
	int rc = jsonload_strict(req->body, req->body_len, DESK_REQUEST_MAX, 64, &j);
	if (rc || !json_is_object(j)) {
		desk_json_error(resp, rc == ERR_LIMIT ? 413 : 400, "the request: %s", rc ? err_msg() : "not a JSON object");
		json_decref(j);
		return;
	}
	pthread_mutex_lock(&d->officer_lock);
	if (!strcmp(step, "propose")) {
		json_t *to = json_object_get(j, "to"), *body = json_object_get(j, "body"), *v;
		const char *case_id = json_string_value(json_object_get(j, "case")),
			   *handling = json_string_value(json_object_get(j, "handling"));
		struct officer_msg m = {.kind = ENV_STATEMENT, .case_id = case_id, .handling = handling};
		size_t i, extra = json_object_size(j) - (handling ? 1 : 0);
		if (!case_id || !json_array_size(to) || !json_is_object(body) || extra != 3 ||
		    (json_object_get(j, "handling") && !handling))
			rc = err_set(ERR_FORMAT, "propose takes {\"case\", \"to\": [agency, ...], \"body\": {...}, \"handling\"?}");
		json_array_foreach(to, i, v)
			if (!rc)
				rc = json_is_string(v) ? officer_msg_add_to(&m, json_string_value(v))
						       : err_set(ERR_FORMAT, "\"to\" is a list of agency names");
		if (!rc && !json_object_get(body, "profile"))
			json_object_set_new(body, "profile", json_string("cyber-mla"));
		if (!rc && !json_object_get(body, "type"))
			json_object_set_new(body, "type", json_string("statement"));
		char *text = rc ? NULL : json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!rc && !text)
			rc = err_set(ERR_NOMEM, "out of memory");
		m.body = (const uint8_t *)text;
		m.body_len = text ? strlen(text) : 0;
		if (!rc && (rc = new_statement(d, id, dir, sizeof dir)) == 0 &&
		    (rc = officer_statement_propose(&d->o, &m, dir)) != 0)
			desk_remove_tree(dir);
		free(text);
		if (!rc)
			rc = describe(d, id, dir, &answer);
	} else if (!strcmp(step, "cosign")) {
		if (!(rc = named_statement(d, j, id, dir, sizeof dir, &imported)) &&
		    !(rc = officer_statement_cosign(&d->o.key, dir)))
			rc = describe(d, id, dir, &answer);
	} else if (!strcmp(step, "publish")) {
		struct officer_pos pos;
		if (!(rc = named_statement(d, j, id, dir, sizeof dir, &imported)) &&
		    !(rc = officer_statement_publish(&d->o, dir, &pos)))
			answer = json_pack("{s:s, s:s, s:I}", "statement", id, "party", pos.party, "index", (json_int_t)pos.index);
	} else {
		rc = err_set(ERR_NOTFOUND, "no statement step '%.40s' (propose, cosign, publish)", step);
	}
	long refused = !strcmp(step, "publish") ? officer_node_refusal() : 0; /* only publish submits */
	if (rc && imported)
		desk_remove_tree(dir);
	pthread_mutex_unlock(&d->officer_lock);
	json_decref(j);
	if (rc && refused >= 400 && refused < 600)
		desk_json_error(resp, (int)refused, "%s", err_msg());
	else if (rc)
		desk_json_error(resp, status_of(rc), "%s", err_msg());
	else
		desk_json(resp, 200, answer);
}
