#include "officer/officer.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/jsonload.h"
#include "cases/cosig.h"
#include "exchange/seal.h"
#include "net/client.h"
#include "exchange/submit_frame.h"
#include "tlog/checkpoint.h"
#include "tlog/proof.h"

#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VIEW_MAX (64u << 20)   /* largest JSON view accepted from the node */
#define HTTP_TIMEOUT 30

const char *officer_log_party(const struct officer *o, const char *origin)
{
	const struct charter_party *p = charter_party_of_log(&o->charter, origin);
	return p ? p->id : NULL;
}

static const struct charter_party *party_by_id(const struct officer *o, const char *id)
{
	return charter_party(&o->charter, id, strlen(id));
}

int officer_get(const struct officer *o, const char *path, struct buf *out)
{
	char url[SYNTAX_URL_MAX + 512];
	long status;
	int rc = client_url(url, sizeof url, o->node, path + (path[0] == '/'));
	if (rc)
		return rc;
	if ((rc = client_get(url, out, &status, HTTP_TIMEOUT)))
		return rc;
	if (status == 200)
		return 0;
	int n = (int)(out->len > 200 ? 200 : out->len);
	while (n > 0 && out->data[n - 1] == '\n')
		n--;
	if (status == 404)
		return err_set(ERR_NOTFOUND, "%.*s", n, (const char *)out->data);
	return err_set(ERR_IO, "%s: HTTP %ld %.*s", url, status, n, (const char *)out->data);
}

static int get_json(const struct officer *o, const char *path, json_t **out)
{
	struct buf b;
	buf_init(&b, VIEW_MAX);
	int rc = officer_get(o, path, &b);
	if (!rc && (rc = jsonload_strict(b.data, b.len, VIEW_MAX, 64, out)))
		err_wrap(rc, "the node's %s", path);
	buf_release(&b);
	return rc;
}

/* The node's amendments, GET /amendment/1, 2, ... until a 404: each must extend the history (history_add). */
static int load_amendments(struct officer *o)
{
	struct buf b;
	int rc = 0;
	buf_init(&b, AMENDMENT_MAX_SIZE);
	for (unsigned k = 1; k <= HISTORY_MAX && !rc; k++) {
		char path[32];
		snprintf(path, sizeof path, "/amendment/%u", k);
		if ((rc = officer_get(o, path, &b)) == ERR_NOTFOUND) {
			rc = 0;
			break;
		}
		if (!rc && (rc = history_add(&o->history, b.data, b.len, NULL)))
			err_wrap(rc, "amendment %u served by %s", k, o->node);
	}
	buf_release(&b);
	return rc;
}

int officer_open(struct officer *o, const char *key_path, const char *node_url)
{
	struct buf b;
	int rc, have_charter = 0;
	memset(o, 0, sizeof *o);
	if (strlen(node_url) >= sizeof o->node || !syntax_url(node_url, strlen(node_url)))
		return err_set(ERR_USAGE, "--node '%s' is not an http(s) URL", node_url);
	snprintf(o->node, sizeof o->node, "%s", node_url);
	if ((rc = client_global_init()))
		return rc;
	if ((rc = keyfile_read(&o->key, key_path)))
		return rc;
	buf_init(&b, CHARTER_MAX_SIZE);
	if ((rc = officer_get(o, "/charter", &b)))
		goto out;
	if ((rc = charter_parse(&o->charter, b.data, b.len))) {
		err_wrap(rc, "the charter served by %s", node_url);
		goto out;
	}
	have_charter = 1;
	history_init(&o->history, &o->charter);
	if (!charter_complete(&o->charter)) {
		rc = err_set(ERR_USAGE, "the charter served by %s is not signed by every party", node_url);
		goto out;
	}
	if ((rc = load_amendments(o)))
		goto out;
	const char *name = o->key.sign.name;
	const struct charter *now = history_at(&o->history, (int64_t)time(NULL));
	o->agency = charter_agency(now, name, strlen(name));
	if (!o->agency || o->agency->key.id != o->key.sign.id) {
		rc = err_set(ERR_USAGE, "key '%s' is not the key of an agency of the channel at %s", name, node_url);
		goto out;
	}
	struct age_recipient mine;
	if ((rc = age_recipient_from_identity(&mine, &o->key.age)))
		goto out;
	if (memcmp(mine.pk, o->agency->recipient.pk, AGE_KEY_LEN) != 0) {
		rc = err_set(ERR_USAGE, "the age identity in %s is not the one the charter lists for %s", key_path, name);
		goto out;
	}
	o->party = &now->parties[o->agency->party];
	/* The node must be the agency's party's: its checkpoint is signed by that party's node key. */
	struct checkpoint cp;
	buf_release(&b);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	if ((rc = officer_get(o, "/checkpoint", &b)))
		goto out;
	/* by one of the party's node keys under the node's amendments (docs/amendments.md, "Rotating a node key") */
	if (cosig_open_checkpoint(&o->history, b.data, b.len, &cp) || strcmp(cp.origin, o->party->node_key.name)) {
		rc = err_set(ERR_USAGE, "%s is not the node of party %s (its checkpoint is not signed by %s)", node_url,
			     o->party->id, o->party->node_key.name);
		goto out;
	}
out:
	buf_release(&b);
	if (rc) {
		history_release(&o->history);
		if (have_charter)
			charter_release(&o->charter);
		keyfile_release(&o->key);
		memset(o, 0, sizeof *o);
	}
	return rc;
}

void officer_release(struct officer *o)
{
	history_release(&o->history);
	if (o->agency || o->party)
		charter_release(&o->charter);
	keyfile_release(&o->key);
	memset(o, 0, sizeof *o);
}

static void at_query(int64_t at, char *q, size_t qsz)
{
	char t[21];
	q[0] = 0;
	if (at) {
		syntax_format_time(at, t);
		snprintf(q, qsz, "?at=%s", t);
	}
}

int officer_case(const struct officer *o, const char *case_id, int64_t at, json_t **out)
{
	char path[SYNTAX_CASE_MAX + 64], q[32];
	if (!syntax_case_id(case_id, strlen(case_id)))
		return err_set(ERR_USAGE, "'%s' is not a case id (<agency>/<id>, like us.fbi/2021-0007)", case_id);
	at_query(at, q, sizeof q);
	snprintf(path, sizeof path, "/case/%s%s", case_id, q);
	return get_json(o, path, out);
}

int officer_inbox(const struct officer *o, int64_t at, json_t **out)
{
	char path[SYNTAX_AGENCY_MAX + 64], q[32];
	at_query(at, q, sizeof q);
	snprintf(path, sizeof path, "/inbox/%s%s", o->agency->name, q);
	return get_json(o, path, out);
}

int officer_new_case_id(const struct officer *o, int64_t now, char *out, size_t outsz)
{
	json_t *j;
	int rc = get_json(o, "/cases", &j);
	if (rc)
		return rc;
	struct tm tm;
	time_t t = (time_t)now;
	gmtime_r(&t, &tm);
	char prefix[SYNTAX_AGENCY_MAX + 16];
	int pl = snprintf(prefix, sizeof prefix, "%s/%04d-", o->agency->name, tm.tm_year + 1900);
	unsigned long max = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "cases"), i, v) {
		const char *s = json_string_value(v);
		if (s && !strncmp(s, prefix, (size_t)pl) && strlen(s + pl) == 4 && strspn(s + pl, "0123456789") == 4) {
			unsigned long n = strtoul(s + pl, NULL, 10);
			if (n > max)
				max = n;
		}
	}
	json_decref(j);
	if (max >= 9999)
		return err_set(ERR_LIMIT, "no case number left in %s%s: give --case", prefix, "NNNN");
	if ((size_t)snprintf(out, outsz, "%s%04lu", prefix, max + 1) >= outsz)
		return err_set(ERR_USAGE, "case id too long");
	return 0;
}

/* Parses the node's answer to a submission: a tlog-proof of the entry, verified. */
static int check_appended(const struct officer *o, const uint8_t *env, size_t elen, const struct buf *resp,
			  struct officer_pos *pos)
{
	struct tlog_proof *p = malloc(sizeof *p);
	struct checkpoint cp;
	int rc;
	if (!p)
		return err_set(ERR_NOMEM, "out of memory");
	if ((rc = tlog_proof_parse(p, resp->data, resp->len)) ||
	    (rc = cosig_verify_proof(&o->history, p, env, elen, o->party->node_key.name, NULL, NULL, &cp))) {
		err_wrap(ERR_VERIFY, "the node's proof of the appended envelope");
		rc = ERR_VERIFY;
	} else {
		snprintf(pos->party, sizeof pos->party, "%s", o->party->id);
		pos->index = p->index;
		merkle_leaf_hash(env, elen, pos->leaf);
	}
	free(p);
	return rc;
}

/* The status of this thread's last refusal by the node (officer_node_refusal). */
static _Thread_local long node_refusal;

long officer_node_refusal(void)
{
	return node_refusal;
}

int officer_submit(const struct officer *o, const uint8_t *env, size_t elen, const uint8_t *body, size_t blen,
		   struct officer_pos *pos)
{
	node_refusal = 0;
	struct buf req, resp;
	char url[SYNTAX_URL_MAX + 16];
	long status;
	buf_init(&req, SUBMIT_MAX_REQUEST);
	buf_init(&resp, TLOG_PROOF_MAX_SIZE);
	int rc = submit_frame_format(&req, env, elen, body, blen);
	if (!rc)
		rc = client_url(url, sizeof url, o->node, "submit");
	if (!rc)
		rc = client_post(url, SUBMIT_CONTENT_TYPE, req.data, req.len, &resp, &status, 60);
	if (!rc && status != 200) {
		int n = (int)(resp.len > 300 ? 300 : resp.len);
		while (n > 0 && resp.data[n - 1] == '\n')
			n--;
		node_refusal = status;
		rc = err_set(status == 403 ? ERR_VERIFY : status == 409 ? ERR_CONFLICT : ERR_USAGE,
			     "the node refused it (HTTP %ld): %.*s", status, n, (const char *)resp.data);
	}
	if (!rc)
		rc = check_appended(o, env, elen, &resp, pos);
	buf_release(&req);
	buf_release(&resp);
	return rc;
}

/* Seals m into note and sealed (time: now). */
static int seal_msg(const struct officer *o, const struct officer_msg *m, struct buf *note, struct buf *sealed)
{
	struct envelope_fields *f = calloc(1, sizeof *f);
	int rc = 0;
	if (!f)
		return err_set(ERR_NOMEM, "out of memory");
	f->kind = m->kind;
	if (strlen(m->case_id) >= sizeof f->case_id) {
		rc = err_set(ERR_USAGE, "case id '%.40s...' is too long", m->case_id);
		goto out;
	}
	snprintf(f->case_id, sizeof f->case_id, "%s", m->case_id);
	for (size_t i = 0; i < m->nto; i++)
		memcpy(f->to[i], m->to[i], sizeof f->to[i]);
	f->nto = m->nto;
	f->time = (int64_t)time(NULL);
	f->has_ref = m->has_ref;
	f->ref = m->ref;
	if (m->handling) {
		if (strlen(m->handling) >= sizeof f->handling) {
			rc = err_set(ERR_USAGE, "handling marks too long");
			goto out;
		}
		snprintf(f->handling, sizeof f->handling, "%s", m->handling);
	}
	f->urgent = m->urgent;
	rc = seal_envelope(history_at(&o->history, f->time), &o->key, f, m->body, m->body_len, note, sealed);
out:
	free(f);
	return rc;
}

int officer_send(const struct officer *o, const struct officer_msg *m, struct officer_pos *pos)
{
	struct buf note, sealed;
	node_refusal = 0;
	buf_init(&note, ENVELOPE_MAX_SIZE);
	buf_init(&sealed, ENVELOPE_BODY_MAX);
	int rc = seal_msg(o, m, &note, &sealed);
	if (!rc)
		rc = officer_submit(o, note.data, note.len, sealed.data, sealed.len, pos);
	buf_release(&note);
	buf_release(&sealed);
	return rc;
}

/* ---- reading case views ---- */

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static int env_to_me(const struct officer *o, json_t *env)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(env, "to"), i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", o->agency->name))
			return 1;
	return 0;
}

static int env_from_me(const struct officer *o, json_t *env)
{
	return !strcmp(jstr(env, "from"), o->agency->name);
}

/* The clock (ack or answer) of env's obligation for the officer's party, or NULL. */
static json_t *my_clock(const struct officer *o, json_t *env, const char *which)
{
	size_t i;
	json_t *ob;
	json_array_foreach(json_object_get(env, "obligations"), i, ob)
		if (!strcmp(jstr(ob, "party"), o->party->id))
			return json_object_get(ob, which);
	return NULL;
}

/* "PARTY/INDEX" of env into out. */
static void env_pos(const struct officer *o, json_t *env, char *out, size_t outsz)
{
	const char *p = officer_log_party(o, jstr(env, "log"));
	snprintf(out, outsz, "%s/%" JSON_INTEGER_FORMAT, p ? p : "?", json_integer_value(json_object_get(env, "index")));
}

enum { PICK_NONE, PICK_BEST, PICK_FALLBACK };

/* What env is to the rule: a candidate, a fallback (an acknowledged request; for close, one the agency sent), or neither. */
static int pick_class(const struct officer *o, json_t *e, enum officer_pick how)
{
	const char *kind = jstr(e, "kind");
	int request = !strcmp(kind, "request");
	if (how == OFFICER_PICK_ANY)
		return strcmp(kind, "received") && (env_to_me(o, e) || env_from_me(o, e)) ? PICK_BEST : PICK_NONE;
	if (request && env_to_me(o, e)) {
		const char *st = jstr(my_clock(o, e, "ack"), "state");
		if (how == OFFICER_PICK_ACK && (!strcmp(st, "met") || !strcmp(st, "sent") || !strcmp(st, "closed")))
			return PICK_FALLBACK; /* acknowledged already */
		return PICK_BEST;
	}
	if (request && env_from_me(o, e) && how == OFFICER_PICK_CLOSE)
		return PICK_FALLBACK; /* a request the agency sent */
	return PICK_NONE;
}

int officer_pick(const struct officer *o, json_t *kase, enum officer_pick how, const char *ref_arg, json_t **env)
{
	json_t *envs = json_object_get(kase, "envelopes"), *e, *best = NULL, *fallback = NULL;
	const char *case_id = jstr(kase, "case");
	size_t i;
	*env = NULL;
	if (ref_arg) {
		char want[64];
		json_array_foreach(envs, i, e) {
			env_pos(o, e, want, sizeof want);
			if (!strcmp(want, ref_arg)) {
				*env = e;
				return 0;
			}
		}
		return err_set(ERR_NOTFOUND, "case %s has no valid envelope at %s (--ref takes PARTY/INDEX, as `parley show` prints)",
			       case_id, ref_arg);
	}
	/* The views list envelopes in time order. More than one candidate: the officer must say which. */
	size_t nbest = 0, nfallback = 0;
	json_array_foreach(envs, i, e) {
		int c = pick_class(o, e, how);
		if (c == PICK_BEST)
			best = e, nbest++;
		else if (c == PICK_FALLBACK)
			fallback = e, nfallback++;
	}
	int want = PICK_BEST;
	if (!best && how == OFFICER_PICK_CLOSE)
		best = fallback, nbest = nfallback, want = PICK_FALLBACK;
	if (nbest > 1 && how != OFFICER_PICK_CLOSE) { /* a close ends the whole case: the latest request serves */
		char choices[512] = "";
		json_array_foreach(envs, i, e) {
			size_t used = strlen(choices);
			if (pick_class(o, e, how) == want && used + 80 < sizeof choices) {
				char p[64];
				env_pos(o, e, p, sizeof p);
				snprintf(choices + used, sizeof choices - used, "%s%s (%s of %s)", used ? ", " : "", p,
					 jstr(e, "kind"), jstr(e, "time"));
			}
		}
		return err_set(ERR_USAGE, "case %s has %zu envelopes this could refer to: %s; say which with --ref PARTY/INDEX",
			       case_id, nbest, choices);
	}
	if (best) {
		*env = best;
		return 0;
	}
	if (how == OFFICER_PICK_ACK && fallback) {
		char p[64];
		env_pos(o, fallback, p, sizeof p);
		return err_set(ERR_CONFLICT, "nothing to acknowledge in case %s: the latest request to %s (%s) is acknowledged already",
			       case_id, o->agency->name, p);
	}
	if (how == OFFICER_PICK_ANY)
		return err_set(ERR_NOTFOUND, "case %s has no envelope sent by or to %s", case_id, o->agency->name);
	return err_set(ERR_NOTFOUND, "nothing to %s in case %s: no request %s %s",
		       how == OFFICER_PICK_ACK ? "acknowledge" : how == OFFICER_PICK_CLOSE ? "close" : "respond to", case_id,
		       how == OFFICER_PICK_CLOSE ? "to or from" : "addressed to", o->agency->name);
}

int officer_fetch_envelope(const struct officer *o, const char *party, uint64_t index, struct buf *raw,
			   struct envelope *e)
{
	char path[64];
	snprintf(path, sizeof path, "/envelope/%s/%" PRIu64, party, index);
	int rc = officer_get(o, path, raw);
	if (rc)
		return rc;
	if ((rc = envelope_parse(e, raw->data, raw->len)))
		return err_wrap(ERR_VERIFY, "%s/%" PRIu64 " as served by the node", party, index);
	if ((rc = envelope_verify(e, history_at(&o->history, e->f.time)))) {
		envelope_release(e);
		return err_wrap(ERR_VERIFY, "%s/%" PRIu64, party, index);
	}
	return 0;
}

int officer_ref(const struct officer *o, json_t *env, struct envelope_ref *ref)
{
	const char *origin = jstr(env, "log"), *party = officer_log_party(o, origin);
	json_int_t index = json_integer_value(json_object_get(env, "index"));
	struct buf raw;
	struct envelope e;
	uint8_t shown[32];
	size_t n;
	if (!party || index < 0)
		return err_set(ERR_VERIFY, "the node's view names a log %s that is no party's", origin);
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	int rc = officer_fetch_envelope(o, party, (uint64_t)index, &raw, &e);
	if (!rc) {
		envelope_release(&e);
		memset(ref, 0, sizeof *ref);
		snprintf(ref->origin, sizeof ref->origin, "%s", origin);
		ref->index = (uint64_t)index;
		merkle_leaf_hash(raw.data, raw.len, ref->leaf);
		const char *leaf = jstr(env, "leaf");
		if (b64_decode(shown, sizeof shown, &n, leaf, strlen(leaf)) || n != 32 || memcmp(shown, ref->leaf, 32))
			rc = err_set(ERR_VERIFY, "%s/%" JSON_INTEGER_FORMAT ": the envelope served is not the one the case view shows",
				     party, index);
	}
	buf_release(&raw);
	return rc;
}

int officer_msg_add_to(struct officer_msg *m, const char *agency)
{
	if (m->nto == ENVELOPE_MAX_TO || strlen(agency) >= sizeof m->to[0])
		return err_set(ERR_USAGE, "too many recipients, or '%.60s' is no agency name", agency);
	snprintf(m->to[m->nto++], sizeof m->to[0], "%s", agency);
	return 0;
}

int officer_reply_to(const struct officer *o, json_t *env, struct officer_msg *m)
{
	size_t i;
	json_t *v;
	int rc = 0;
	m->nto = 0;
	if (!env_from_me(o, env))
		return officer_msg_add_to(m, jstr(env, "from"));
	json_array_foreach(json_object_get(env, "to"), i, v)
		if (!rc && json_string_value(v))
			rc = officer_msg_add_to(m, json_string_value(v));
	return rc ? rc : m->nto ? 0 : err_set(ERR_FORMAT, "the envelope has no recipients");
}

int officer_respond(const struct officer *o, struct officer_msg *m, enum officer_pick how, const char *ref_arg,
		    struct officer_pos *pos, char *about, size_t aboutsz)
{
	json_t *kase, *env;
	char p[64];
	node_refusal = 0;
	int rc = officer_case(o, m->case_id, 0, &kase);
	if (rc)
		return rc;
	if (!(rc = officer_pick(o, kase, how, ref_arg, &env)) && !(rc = officer_ref(o, env, &m->ref))) {
		m->has_ref = 1;
		env_pos(o, env, p, sizeof p);
		snprintf(about, aboutsz, "%s %s from %s", p, jstr(env, "kind"), jstr(env, "from"));
		if (!m->nto)
			rc = officer_reply_to(o, env, m);
	}
	if (!rc)
		rc = officer_send(o, m, pos);
	json_decref(kase);
	return rc;
}

/* The case view's envelope at pos, or NULL. */
static json_t *find_pos(const struct officer *o, json_t *kase, const struct officer_pos *pos)
{
	const struct charter_party *p = party_by_id(o, pos->party);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(kase, "envelopes"), i, e)
		if (p && !strcmp(jstr(e, "log"), p->node_key.name) &&
		    json_integer_value(json_object_get(e, "index")) == (json_int_t)pos->index)
			return e;
	return NULL;
}

static int all_delivered(json_t *env)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(env, "delivery"), i, d)
		if (strcmp(jstr(d, "state"), "delivered"))
			return 0;
	return 1;
}

int officer_wait_delivered(const struct officer *o, const char *case_id, const struct officer_pos *pos, int timeout_s)
{
	for (int tries = 0; tries <= timeout_s * 5; tries++) {
		json_t *k;
		int rc = officer_case(o, case_id, 0, &k);
		if (rc && rc != ERR_NOTFOUND)
			return rc;
		json_t *e = rc ? NULL : find_pos(o, k, pos);
		int done = e && all_delivered(e);
		if (!rc)
			json_decref(k);
		if (done)
			return 0;
		usleep(200000);
	}
	return err_set(ERR_IO, "%s/%" PRIu64 " is not deemed delivered after %d s: the recipient node has not cosigned it",
		       pos->party, pos->index, timeout_s);
}

int officer_open_body_marked(const struct officer *o, const struct envelope *e, struct buf *plain, char *disagree,
			     size_t dsz)
{
	char hex[65], path[80];
	struct buf body;
	hex_encode(hex, e->f.body_hash, 32);
	snprintf(path, sizeof path, "/body/%s", hex);
	buf_init(&body, ENVELOPE_BODY_MAX);
	int rc = officer_get(o, path, &body);
	if (!rc) {
		unsigned profiles = history_at(&o->history, e->f.time)->profiles;
		rc = disagree ? seal_open_marked(e, body.data, body.len, &o->key, profiles, plain, disagree, dsz)
			      : seal_open(e, body.data, body.len, &o->key, profiles, plain);
	}
	buf_release(&body);
	return rc;
}

int officer_open_body(const struct officer *o, const struct envelope *e, struct buf *plain)
{
	return officer_open_body_marked(o, e, plain, NULL, 0);
}

/* ---- statements ---- */

static int dir_file(const char *dir, const char *name, char *out, size_t outsz)
{
	if ((size_t)snprintf(out, outsz, "%s/%s", dir, name) >= outsz)
		return err_set(ERR_USAGE, "path too long: %s/%s", dir, name);
	return 0;
}

int officer_statement_propose(const struct officer *o, const struct officer_msg *m, const char *dir)
{
	struct officer_msg s = *m;
	struct buf note, sealed;
	char path[PATH_MAX];
	s.kind = ENV_STATEMENT;
	buf_init(&note, ENVELOPE_MAX_SIZE);
	buf_init(&sealed, ENVELOPE_BODY_MAX);
	int rc = seal_msg(o, &s, &note, &sealed);
	if (!rc)
		rc = mkdir_p(dir, 0755);
	if (!rc && !(rc = dir_file(dir, "envelope", path, sizeof path)))
		rc = file_write_atomic(path, note.data, note.len, 0644, 1);
	if (!rc && !(rc = dir_file(dir, "body.age", path, sizeof path)))
		rc = file_write_atomic(path, sealed.data, sealed.len, 0644, 1);
	buf_release(&note);
	buf_release(&sealed);
	return rc;
}

int officer_statement_cosign(const struct keyfile *k, const char *dir)
{
	char path[PATH_MAX];
	struct buf raw, out;
	int rc = dir_file(dir, "envelope", path, sizeof path);
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&out, ENVELOPE_MAX_SIZE);
	if (!rc)
		rc = file_read(path, ENVELOPE_MAX_SIZE, &raw);
	if (!rc)
		rc = seal_cosign(raw.data, raw.len, k, &out);
	if (!rc)
		rc = file_write_atomic(path, out.data, out.len, 0644, 0);
	buf_release(&raw);
	buf_release(&out);
	return rc;
}

int officer_statement_publish(const struct officer *o, const char *dir, struct officer_pos *pos)
{
	char path[PATH_MAX];
	struct buf raw, body, missing;
	struct envelope e;
	int rc, parsed = 0;
	node_refusal = 0;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&body, ENVELOPE_BODY_MAX);
	buf_init(&missing, 4096);
	if ((rc = dir_file(dir, "envelope", path, sizeof path)) || (rc = file_read(path, ENVELOPE_MAX_SIZE, &raw)))
		goto out;
	if ((rc = envelope_parse(&e, raw.data, raw.len))) {
		err_wrap(rc, "%s", path);
		goto out;
	}
	parsed = 1;
	if (e.f.kind != ENV_STATEMENT) {
		rc = err_set(ERR_USAGE, "%s is a '%s', not a statement", path, envelope_kind_name(e.f.kind));
		goto out;
	}
	const struct charter *in_force = history_at(&o->history, e.f.time);
	if ((rc = envelope_missing_signers(&e, in_force, &missing)))
		goto out;
	if (missing.len) {
		rc = err_set(ERR_CONFLICT, "not published: the statement still lacks the signature of %s "
					   "(each runs `parley statement cosign %s --key KEY`)", (const char *)missing.data, dir);
		goto out;
	}
	if ((rc = envelope_verify(&e, in_force)))
		goto out;
	/* verified: the sender is an agency of the charter */
	if (o->agency->party != charter_agency(in_force, e.f.from, strlen(e.f.from))->party) {
		rc = err_set(ERR_USAGE, "the statement is from %s: publish it through that agency's party's node", e.f.from);
		goto out;
	}
	if ((rc = dir_file(dir, "body.age", path, sizeof path)) || (rc = file_read(path, ENVELOPE_BODY_MAX, &body)))
		goto out;
	if ((rc = envelope_check_body(&e, body.data, body.len)))
		goto out;
	rc = officer_submit(o, raw.data, raw.len, body.data, body.len, pos);
out:
	if (parsed)
		envelope_release(&e);
	buf_release(&raw);
	buf_release(&body);
	buf_release(&missing);
	return rc;
}
