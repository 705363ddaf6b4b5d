/*
 * desk_api — the JSON API of docs/desk.md over src/officer/: the session's
 * facts, the inbox and case views (the same JSON as `parley inbox --json` and
 * `show --json`, with the bodies the agency may open), templates and schemas,
 * sending every kind. Downloads (receipts, evidence) are in desk_download.c,
 * reports in desk_report.c, statements in desk_statement.c.
 *
 * Every call into the officer's client holds d->officer_lock. Statuses:
 * 400 a malformed request, 413 too large, 422 refused by the desk's checks
 * (or the officer's: a body the profile refuses, a ref that does not fit),
 * 404 nothing there, 502 the node could not be reached or its answer did not
 * verify, and a node's refusal of a submission with the node's own status.
 */
#include "desk/desk_internal.h"
#include "desk/desk_titles.h"
#include "exchange/builtin.h"

#include "base/err.h"
#include "base/jsonload.h"
#include "base/version.h"
#include "exchange/profile.h"
#include "exchange/seal.h"
#include "exchange/syntax.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The status for a failure rc of the officer's client; usage is the status of ERR_USAGE (400 or 422). */
static int status_of(int rc, int usage)
{
	switch (rc) {
	case ERR_NOTFOUND: return 404;
	case ERR_IO: return 502;
	case ERR_VERIFY: return 502;
	case ERR_NOMEM: return 500;
	case ERR_LIMIT: return usage == 400 ? 413 : 422;
	default: return usage;
	}
}

static void fail(struct http_response *resp, int rc, int usage)
{
	desk_json_error(resp, status_of(rc, usage), "%s", err_msg()[0] ? err_msg() : "failed");
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* The request's JSON object (strict, bounded); answers 400/413 and returns NULL if it is not one. */
static json_t *request_json(const struct http_request *req, struct http_response *resp)
{
	json_t *j = NULL;
	int rc = jsonload_strict(req->body, req->body_len, DESK_REQUEST_MAX, 64, &j);
	if (rc) {
		desk_json_error(resp, rc == ERR_LIMIT && strstr(err_msg(), "larger") ? 413 : 400, "the request: %s", err_msg());
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		desk_json_error(resp, 400, "the request must be a JSON object");
		return NULL;
	}
	return j;
}

/* 0 if every member of j is named in allowed (NULL-terminated); else 400 naming the first that is not. */
static int only_members(json_t *j, const char *const *allowed, struct http_response *resp)
{
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		size_t i;
		for (i = 0; allowed[i] && strcmp(allowed[i], k); i++)
			;
		if (!allowed[i]) {
			desk_json_error(resp, 400, "the request has an unknown member \"%.60s\"", k);
			return -1;
		}
	}
	return 0;
}

/* ---- GET /api/session ---- */

static void api_session(struct desk *d, struct http_response *resp)
{
	int64_t now = (int64_t)time(NULL);
	const struct charter *c = history_at(&d->o.history, now);
	char t[21];
	syntax_format_time(now, t);
	json_t *profiles = json_array(), *agencies = json_array();
	if (c->profiles & CHARTER_PROFILE_CYBER_MLA)
		json_array_append_new(profiles, json_string("cyber-mla"));
	if (c->profiles & CHARTER_PROFILE_AID_CROSSING)
		json_array_append_new(profiles, json_string("aid-crossing"));
	for (size_t i = 0; i < c->nagencies; i++)
		json_array_append_new(agencies, json_string(c->agencies[i].name));
	/*
	 * The session's CSRF token too, so a reloaded page can act again: only a
	 * page of the desk's own origin can read this answer (no CORS; the Host
	 * check stops DNS rebinding), which is what the token proves.
	 */
	pthread_mutex_lock(&d->lock);
	json_t *csrf = json_string(d->csrf);
	pthread_mutex_unlock(&d->lock);
	char seen[DESK_TOKEN_LEN + 1];
	desk_seen_key(d, seen);
	desk_json(resp, 200,
		  json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:s}", "agency", d->o.agency->name, "party",
			    d->o.party->id, "node", d->o.node, "channel", c->id_hex, "channel_name", c->name, "profiles",
			    profiles, "agencies", agencies, "now", t, "version", parley_version(), "csrf", csrf, "seen_key",
			    seen));
	sodium_memzero(seen, sizeof seen);
}

/* ---- GET /api/case/<case id> ---- */

static int addressed_or_sent(const struct desk *d, json_t *env)
{
	size_t i;
	json_t *v;
	if (!strcmp(jstr(env, "from"), d->o.agency->name))
		return 1;
	json_array_foreach(json_object_get(env, "to"), i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", d->o.agency->name))
			return 1;
	return 0;
}

/* The envelope kinds whose bodies name the case: a request's title, a notice's shipment. */
static int opens_case(json_t *env)
{
	return !strcmp(jstr(env, "kind"), "request") || !strcmp(jstr(env, "kind"), "notice");
}

/* The decrypted body of env (a new reference), or NULL with *rc and err_msg() saying why. The officer's lock held. */
static json_t *open_body_json(struct desk *d, json_t *env, const char *party, int *rc_out)
{
	struct buf raw, plain;
	struct envelope e;
	json_t *b = NULL;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	int rc = officer_fetch_envelope(&d->o, party, (uint64_t)json_integer_value(json_object_get(env, "index")), &raw, &e);
	if (!rc) {
		rc = officer_open_body(&d->o, &e, &plain);
		envelope_release(&e);
	}
	if (!rc)
		rc = jsonload_strict(plain.data, plain.len, PROFILE_BODY_MAX, 64, &b);
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&raw);
	buf_release(&plain);
	*rc_out = rc;
	return rc ? NULL : b;
}

/* Opens env's body (the officer's lock held): into env as "body", or "body_error" with the reason; a request's or notice's summary into the title cache. */
static void open_body(struct desk *d, json_t *env, const char *party)
{
	int rc;
	json_t *b = open_body_json(d, env, party, &rc);
	if (d->titles && opens_case(env) && rc != ERR_IO)
		desk_titles_put(d->titles, jstr(env, "case"), b);
	if (!b)
		json_object_set_new(env, "body_error", json_string(err_msg()));
	else
		json_object_set_new(env, "body", b);
}

/* ---- titles (desk_titles.h) ---- */

/*
 * Each item's "title" where the cache knows one; for cases it does not know, opens
 * the bodies of up to DESK_TITLES_PER_REQUEST requests and notices the agency sent
 * or received (each a fetch from the node and a decryption). The officer's lock held.
 */
static void add_titles(struct desk *d, json_t *items)
{
	size_t i, opened = 0;
	json_t *env;
	const char *title;
	if (!d->titles)
		return;
	json_array_foreach(items, i, env) {
		const char *case_id = jstr(env, "case"), *party = officer_log_party(&d->o, jstr(env, "log"));
		if (!desk_titles_get(d->titles, case_id, &title) && opened < DESK_TITLES_PER_REQUEST && party &&
		    opens_case(env) && addressed_or_sent(d, env)) {
			int rc;
			json_t *b = open_body_json(d, env, party, &rc);
			opened++;
			if (rc != ERR_IO) /* the node out of reach: try again at the next request, not "no title" */
				desk_titles_put(d->titles, case_id, b);
			json_decref(b);
		}
	}
	json_array_foreach(items, i, env)
		if (desk_titles_get(d->titles, jstr(env, "case"), &title) && title[0])
			json_object_set_new(env, "title", json_string(title));
}

/* ---- GET /api/inbox ---- */

static void api_inbox(struct desk *d, const struct http_request *req, struct http_response *resp)
{
	const char *open = http_arg(req, "open"), *overdue = http_arg(req, "overdue");
	if ((open && strcmp(open, "1") && strcmp(open, "0")) || (overdue && strcmp(overdue, "1") && strcmp(overdue, "0"))) {
		desk_json_error(resp, 400, "open and overdue take 1 or 0");
		return;
	}
	enum officer_urgency keep = overdue && !strcmp(overdue, "1") ? OFFICER_OVERDUE
				    : open && !strcmp(open, "1")      ? OFFICER_WAITING
									 : OFFICER_NOTHING;
	json_t *j = NULL;
	pthread_mutex_lock(&d->officer_lock);
	int rc = officer_inbox(&d->o, 0, &j);
	if (!rc)
		rc = officer_inbox_sort(&d->o, j, keep);
	if (!rc)
		add_titles(d, json_object_get(j, "items"));
	pthread_mutex_unlock(&d->officer_lock);
	if (rc) {
		json_decref(j);
		fail(resp, rc, 400);
		return;
	}
	desk_json(resp, 200, j);
}

/*
 * The case view with, in each envelope: "pos" (PARTY/INDEX, what a ref names),
 * "sealed_body" (the view's {"sha256", "size"} of the sealed body), and where
 * the agency sent or received it, "body" (the decrypted body) or "body_error".
 */
static void api_case(struct desk *d, const char *case_id, struct http_response *resp)
{
	json_t *kase = NULL, *env;
	size_t i;
	pthread_mutex_lock(&d->officer_lock);
	int rc = officer_case(&d->o, case_id, 0, &kase);
	if (!rc)
		json_array_foreach(json_object_get(kase, "envelopes"), i, env) {
			const char *party = officer_log_party(&d->o, jstr(env, "log"));
			char pos[64];
			snprintf(pos, sizeof pos, "%s/%" JSON_INTEGER_FORMAT, party ? party : "?",
				 json_integer_value(json_object_get(env, "index")));
			json_object_set_new(env, "pos", json_string(pos));
			json_t *sealed = json_object_get(env, "body");
			if (!json_is_object(sealed))
				continue;
			json_object_set(env, "sealed_body", sealed);
			json_object_del(env, "body");
			if (party && addressed_or_sent(d, env))
				open_body(d, env, party);
		}
	pthread_mutex_unlock(&d->officer_lock);
	if (rc) {
		json_decref(kase);
		fail(resp, rc, 400);
		return;
	}
	desk_json(resp, 200, kase);
}

/* ---- GET /api/template/<kind>, /api/schema/<profile>/<kind> ---- */

/* The body type of a desk kind (request -> mla-request, ...); other names stand for themselves. */
static const char *body_type_of(const char *kind)
{
	if (!strcmp(kind, "request"))
		return "mla-request";
	if (!strcmp(kind, "preservation"))
		return "preservation-request";
	return kind;
}

static void raw_json(struct http_response *resp, const char *data, size_t len)
{
	buf_reset(&resp->body);
	if (buf_append(&resp->body, data, len)) {
		desk_json_error(resp, 500, "out of memory");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/json";
	resp->cache_control = "no-store";
}

static void api_template(const struct http_request *req, const char *kind, struct http_response *resp)
{
	struct builtin_body b;
	if (builtin_template_find(http_arg(req, "profile"), body_type_of(kind), &b))
		desk_json_error(resp, 404, "no body template for '%.60s'", kind);
	else
		raw_json(resp, b.data, b.len);
}

static void api_schema(const char *rest, struct http_response *resp)
{
	char profile[32];
	const char *slash = strchr(rest, '/'), *data;
	size_t len;
	if (!slash || (size_t)(slash - rest) >= sizeof profile) {
		desk_json_error(resp, 404, "the schema path is /api/schema/PROFILE/KIND");
		return;
	}
	memcpy(profile, rest, (size_t)(slash - rest));
	profile[slash - rest] = 0;
	if (builtin_schema_find(profile, body_type_of(slash + 1), &data, &len))
		desk_json_error(resp, 404, "no schema %.30s/%.60s", profile, slash + 1);
	else
		raw_json(resp, data, len);
}

/* ---- POST /api/send ---- */

struct kind_rule {
	const char *name;
	enum envelope_kind kind;
	const char *type;          /* the body type it carries */
	int response;              /* needs case and ref */
	int body;                  /* 1 required, 0 optional */
	enum officer_pick how;
};

static const struct kind_rule kinds[] = {
	{"notice", ENV_NOTICE, "notice", 0, 1, OFFICER_PICK_ANY},
	{"request", ENV_REQUEST, "mla-request", 0, 1, OFFICER_PICK_ANY},
	{"preservation", ENV_REQUEST, "preservation-request", 0, 1, OFFICER_PICK_ANY},
	{"update", ENV_UPDATE, "update", 1, 1, OFFICER_PICK_ANY},
	{"ack", ENV_ACK, "ack", 1, 0, OFFICER_PICK_ACK},
	{"answer", ENV_ANSWER, "answer", 1, 1, OFFICER_PICK_REQUEST},
	{"decline", ENV_DECLINE, "decline", 1, 1, OFFICER_PICK_REQUEST},
	{"close", ENV_CLOSE, "close", 1, 0, OFFICER_PICK_CLOSE},
};

/*
 * The plaintext body: body and evidence. An absent "profile" is the charter's (cyber-mla
 * when it enables it, else aid-crossing); an absent "type" is the kind's (for aid-crossing:
 * a notice carries a consignment; an update names its type, inspection or crossing).
 * The node's checker is the judge of the rest. 422 on refusal.
 */
static int send_body(struct desk *d, json_t *body, json_t *evidence, const struct kind_rule *k, struct buf *plain,
		     struct http_response *resp)
{
	const struct charter *c = history_at(&d->o.history, (int64_t)time(NULL));
	if (!json_object_get(body, "profile"))
		json_object_set_new(body, "profile", json_string(c->profiles & CHARTER_PROFILE_CYBER_MLA ? "cyber-mla"
												 : "aid-crossing"));
	int aid = !strcmp(jstr(body, "profile"), "aid-crossing");
	if (!json_object_get(body, "type")) {
		if (aid && k->kind == ENV_UPDATE) {
			desk_json_error(resp, 422, "an aid-crossing update names its body's type: \"type\": \"inspection\" or "
						   "\"crossing\"");
			return -1;
		}
		json_object_set_new(body, "type", json_string(aid && k->kind == ENV_NOTICE ? "consignment" : k->type));
	}
	char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *ev = evidence ? json_dumps(evidence, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int rc = 0;
	if (!s || (evidence && !ev))
		rc = err_set(ERR_NOMEM, "out of memory");
	else if (ev)
		rc = seal_add_evidence((const uint8_t *)s, strlen(s), "the body", (const uint8_t *)ev, strlen(ev),
				       "the evidence", plain);
	else
		rc = buf_append_str(plain, s);
	free(s);
	free(ev);
	if (rc)
		fail(resp, rc, 422);
	return rc;
}

static void api_send(struct desk *d, const struct http_request *req, struct http_response *resp)
{
	static const char *const members[] = {"kind", "to", "case", "ref", "urgent", "handling", "body", "evidence", NULL};
	json_t *j = request_json(req, resp);
	if (!j || only_members(j, members, resp)) {
		json_decref(j);
		return;
	}
	const char *kind = json_string_value(json_object_get(j, "kind"));
	json_t *to = json_object_get(j, "to"), *case_j = json_object_get(j, "case"), *ref_j = json_object_get(j, "ref"),
	       *urgent = json_object_get(j, "urgent"), *handling = json_object_get(j, "handling"),
	       *body = json_object_get(j, "body"), *evidence = json_object_get(j, "evidence");
	const struct kind_rule *k = NULL;
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].name, kind))
			k = &kinds[i];
	struct buf plain;
	struct officer_msg m = {0};
	struct officer_pos pos;
	char case_id[SYNTAX_CASE_MAX + 1] = "", about[128];
	buf_init(&plain, PROFILE_BODY_MAX + (1u << 20));
	/* the shape first: 400 */
	if (!k) {
		desk_json_error(resp, 400, "kind must be one of notice, request, preservation, update, ack, answer, decline, close");
		goto out;
	}
	if ((to && !json_is_array(to)) || (case_j && !json_is_string(case_j)) || (ref_j && !json_is_string(ref_j)) ||
	    (urgent && !json_is_boolean(urgent)) || (handling && !json_is_string(handling)) ||
	    (body && !json_is_object(body)) || (evidence && !json_is_object(evidence))) {
		desk_json_error(resp, 400, "to is a list of agencies, case, ref and handling strings, urgent true or false, "
					   "body and evidence objects");
		goto out;
	}
	size_t i;
	json_t *v;
	json_array_foreach(to, i, v)
		if (!json_is_string(v)) {
			desk_json_error(resp, 400, "to is a list of agency names");
			goto out;
		}
	/* then what the desk requires: 422 */
	if (k->response && (!case_j || !ref_j)) {
		desk_json_error(resp, 422, "a%s %s responds to an envelope of a case: give \"case\" and \"ref\" (PARTY/INDEX); "
					   "the desk never picks one", k->name[0] == 'a' || k->name[0] == 'u' ? "n" : "",
				k->name);
		goto out;
	}
	if (ref_j && !case_j) {
		desk_json_error(resp, 422, "\"ref\" names an envelope of a case: give \"case\" too");
		goto out;
	}
	if (!k->response && !json_array_size(to)) {
		desk_json_error(resp, 422, "a %s needs recipients: \"to\": [agency, ...]", k->name);
		goto out;
	}
	if (k->body && !body) {
		desk_json_error(resp, 422, "a%s %s needs a body", k->name[0] == 'a' || k->name[0] == 'u' ? "n" : "", k->name);
		goto out;
	}
	if (evidence && !body) {
		desk_json_error(resp, 422, "evidence goes with a body");
		goto out;
	}
	if (body && send_body(d, body, evidence, k, &plain, resp))
		goto out;
	int rc = 0;
	json_array_foreach(to, i, v)
		if (!rc)
			rc = officer_msg_add_to(&m, json_string_value(v));
	if (rc) {
		fail(resp, rc, 422);
		goto out;
	}
	m.kind = k->kind;
	m.handling = handling ? json_string_value(handling) : NULL;
	m.urgent = json_is_true(urgent);
	m.body = body ? plain.data : NULL;
	m.body_len = body ? plain.len : 0;
	pthread_mutex_lock(&d->officer_lock);
	if (case_j)
		snprintf(case_id, sizeof case_id, "%s", json_string_value(case_j));
	else
		rc = officer_new_case_id(&d->o, (int64_t)time(NULL), case_id, sizeof case_id);
	m.case_id = case_id;
	if (!rc && case_j && strlen(json_string_value(case_j)) >= sizeof case_id)
		rc = err_set(ERR_USAGE, "case id too long");
	int submitted = 0;
	if (!rc) {
		submitted = 1;
		rc = ref_j ? officer_respond(&d->o, &m, k->how, json_string_value(ref_j), &pos, about, sizeof about)
			   : officer_send(&d->o, &m, &pos);
	}
	long refused = submitted ? officer_node_refusal() : 0;
	pthread_mutex_unlock(&d->officer_lock);
	if (rc && refused >= 400 && refused < 600)
		desk_json_error(resp, (int)refused, "%s", err_msg());
	else if (rc)
		fail(resp, rc, 422);
	else
		desk_json(resp, 200, json_pack("{s:s, s:s, s:I}", "case", case_id, "party", pos.party, "index",
					       (json_int_t)pos.index));
out:
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&plain);
	json_decref(j);
}

void desk_api(struct desk *d, const struct http_request *req, struct http_response *resp)
{
	const char *p = req->path + 5; /* after "/api/" */
	int get = strcmp(req->method, "POST") != 0;
	if (get && !strcmp(p, "session"))
		api_session(d, resp);
	else if (get && !strcmp(p, "inbox"))
		api_inbox(d, req, resp);
	else if (get && !strncmp(p, "case/", 5))
		api_case(d, p + 5, resp);
	else if (get && !strncmp(p, "template/", 9))
		api_template(req, p + 9, resp);
	else if (get && !strncmp(p, "schema/", 7))
		api_schema(p + 7, resp);
	else if (get && !strncmp(p, "receipt/", 8))
		desk_api_receipt(d, p + 8, resp);
	else if (get && !strncmp(p, "evidence/", 9))
		desk_api_evidence(d, p + 9, resp);
	else if (get && (!strcmp(p, "report") || !strcmp(p, "report/bundle") || !strcmp(p, "mandate")))
		desk_api_report(d, req, p, resp);
	else if (!get && !strcmp(p, "send"))
		api_send(d, req, resp);
	else if (!get && !strncmp(p, "statement/", 10))
		desk_api_statement(d, req, p + 10, resp);
	else if (!get && !strcmp(p, "start"))
		desk_json_error(resp, 403, "the start link has been used already: restart `parley desk` for a new one");
	else
		desk_json_error(resp, 404, "no such API: %s %s", req->method, req->path);
}
