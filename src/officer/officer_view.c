/*
 * officer_view — what the officers' commands print (case timelines, the
 * inbox) and the receipts they collect. See officer.h.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "officer/officer.h"
#include "cases/cosig.h"
#include "tlog/proof.h"

#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static json_int_t jint(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* "party/index" for a log origin and index. */
static void pos_text(const struct officer *o, const char *origin, json_int_t index, char *out, size_t outsz)
{
	const char *p = officer_log_party(o, origin);
	snprintf(out, outsz, "%s/%" JSON_INTEGER_FORMAT, p ? p : origin, index);
}

static void print_clock(const struct officer *o, FILE *f, const char *name, json_t *c)
{
	const char *st = jstr(c, "state");
	json_t *by = json_object_get(c, "by");
	char p[80] = "";
	if (json_is_object(by))
		pos_text(o, jstr(by, "log"), jint(by, "index"), p, sizeof p);
	if (!strcmp(st, "not-started"))
		fprintf(f, "%s not started (not delivered yet)", name);
	else if (!strcmp(st, "due"))
		fprintf(f, "%s due %s", name, jstr(c, "due"));
	else if (!strcmp(st, "overdue"))
		fprintf(f, "%s OVERDUE since %s", name, jstr(c, "due"));
	else if (!strcmp(st, "sent"))
		fprintf(f, "%s sent %s (%s %s, not yet deemed delivered; due %s)", name, jstr(c, "at"), jstr(by, "kind"), p,
			jstr(c, "due"));
	else if (!strcmp(st, "met"))
		fprintf(f, "%s met %s by %s %s%s", name, jstr(c, "at"), jstr(by, "kind"), p,
			json_is_true(json_object_get(c, "late")) ? " (late)" : "");
	else if (!strcmp(st, "closed"))
		fprintf(f, "%s closed %s (%s)%s", name, jstr(c, "at"), p,
			json_is_true(json_object_get(c, "late")) ? " (after the due time)" : "");
	else
		fprintf(f, "%s %s", name, st);
}

static void print_delivery(json_t *env, FILE *f)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(env, "delivery"), i, d) {
		if (!strcmp(jstr(d, "state"), "delivered"))
			fprintf(f, "%s delivered to %s %s", i ? "," : "", jstr(d, "party"), jstr(d, "at"));
		else
			fprintf(f, "%s receipt from %s OUTSTANDING since %s", i ? "," : "", jstr(d, "party"), jstr(d, "since"));
	}
	if (!i)
		fprintf(f, " within its own party (no receipt due)");
}

static void print_obligations(const struct officer *o, json_t *env, const char *indent, FILE *f)
{
	size_t i;
	json_t *ob;
	json_array_foreach(json_object_get(env, "obligations"), i, ob) {
		fprintf(f, "%s%s: ", indent, jstr(ob, "party"));
		print_clock(o, f, "ack", json_object_get(ob, "ack"));
		if (json_is_null(json_object_get(ob, "answer"))) {
			/* a consignment notice (docs/cases.md): the ack is due by the advance notice, nothing is answered */
			json_t *aid = json_object_get(env, "aid");
			fprintf(f, " (advance notice before crossing by %s; notice %s)\n", jstr(aid, "cross_by"),
				json_is_true(json_object_get(aid, "notice_on_time")) ? "on time" : "LATE");
			continue;
		}
		fprintf(f, "; ");
		print_clock(o, f, "answer", json_object_get(ob, "answer"));
		fprintf(f, " (%" JSON_INTEGER_FORMAT " answer%s)\n", jint(ob, "answers"), jint(ob, "answers") == 1 ? "" : "s");
	}
}

static int addressed_or_sent(const struct officer *o, json_t *env)
{
	size_t i;
	json_t *v;
	if (!strcmp(jstr(env, "from"), o->agency->name))
		return 1;
	json_array_foreach(json_object_get(env, "to"), i, v)
		if (json_string_value(v) && !strcmp(json_string_value(v), o->agency->name))
			return 1;
	return 0;
}

/* One line saying what a decrypted body is about. */
static void print_body_summary(json_t *b, FILE *f)
{
	static const char *const keys[] = {"title", "completeness", "outcome", "summary", "grounds", "reason", "text", NULL};
	fprintf(f, "%s", jstr(b, "type"));
	for (size_t i = 0; keys[i]; i++) {
		const char *s = jstr(b, keys[i]);
		if (*s) {
			int n = (int)strcspn(s, "\n");
			fprintf(f, " | %s: %.*s%s", keys[i], n > 160 ? 160 : n, s, n > 160 || s[n] ? "..." : "");
		}
	}
	/* an aid-crossing body's own figures (docs/profile-aid-crossing.md), beside the envelope's public ones */
	static const char *const aid[] = {"shipment_id", "crossing", "result", NULL};
	for (size_t i = 0; aid[i]; i++)
		if (json_is_string(json_object_get(b, aid[i])))
			fprintf(f, " | %s: %s", aid[i], jstr(b, aid[i]));
	json_t *trucks = json_object_get(b, "trucks");
	if (json_is_array(trucks))
		fprintf(f, " | trucks: %zu", json_array_size(trucks));
	if (json_is_integer(json_object_get(b, "beneficiaries")))
		fprintf(f, " | beneficiaries: %" JSON_INTEGER_FORMAT, jint(b, "beneficiaries"));
	json_t *officer = json_object_get(b, "officer");
	if (officer)
		fprintf(f, " | officer: %s", jstr(officer, "name"));
	json_t *rem = json_object_get(b, "remaining");
	if (json_array_size(rem))
		fprintf(f, " | still owed: %zu item%s", json_array_size(rem), json_array_size(rem) == 1 ? "" : "s");
	json_t *ev = json_object_get(json_object_get(b, "evidence"), "objects");
	if (ev)
		fprintf(f, " | evidence: STIX bundle of %zu objects", json_array_size(ev));
	fputc('\n', f);
}

#define DISAGREE_PREFIX "the body disagrees with its envelope's public figures: "

/*
 * Fetches, verifies and opens env's body; prints it. Returns ERR_VERIFY if the
 * envelope or body is wrong; 1 (after printing the body and marking it) if the
 * body disagrees with the envelope's public figures.
 */
static int print_body(const struct officer *o, json_t *env, const char *party, int full, FILE *f)
{
	struct buf raw, plain;
	struct envelope e;
	char disagree[512] = "";
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	int rc = officer_fetch_envelope(o, party, (uint64_t)jint(env, "index"), &raw, &e);
	if (!rc) {
		rc = officer_open_body_marked(o, &e, &plain, disagree, sizeof disagree);
		envelope_release(&e);
	}
	if (rc) {
		fprintf(f, "        body: cannot be read: %s\n", err_msg());
	} else {
		json_error_t je;
		json_t *b = json_loadb((const char *)plain.data, plain.len, JSON_REJECT_DUPLICATES, &je);
		if (disagree[0]) {
			const char *d = disagree;
			if (!strncmp(d, DISAGREE_PREFIX, strlen(DISAGREE_PREFIX)))
				d += strlen(DISAGREE_PREFIX);
			fprintf(f, "        FIGURES DISAGREE: the figures in the envelope do not match its body: %s\n", d);
		}
		fprintf(f, "        body: ");
		print_body_summary(b, f);
		if (full) {
			char *s = json_dumps(b, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			if (s)
				fprintf(f, "%s\n", s);
			free(s);
		}
		json_decref(b);
	}
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&raw);
	buf_release(&plain);
	return rc == ERR_VERIFY ? rc : !rc && disagree[0] ? 1 : 0;
}

static void print_envelope_head(const struct officer *o, json_t *env, FILE *f)
{
	char p[80];
	size_t i;
	json_t *v;
	pos_text(o, jstr(env, "log"), jint(env, "index"), p, sizeof p);
	fprintf(f, "  %-6s %s  %s from %s to", p, jstr(env, "time"), jstr(env, "kind"), jstr(env, "from"));
	json_array_foreach(json_object_get(env, "to"), i, v) {
		fprintf(f, " %s", json_string_value(v));
	}
	if (json_is_string(json_object_get(env, "handling")))
		fprintf(f, "  [%s]", jstr(env, "handling"));
	if (json_is_true(json_object_get(env, "urgent")))
		fprintf(f, "  URGENT");
	fputc('\n', f);
}

int officer_print_case(const struct officer *o, json_t *kase, int show_bodies, int full_bodies, FILE *f)
{
	size_t i, j, lies = 0;
	json_t *env, *v;
	int bad = 0;
	char first_lie[80] = "";
	fprintf(f, "case %s as of %s%s%s\n", jstr(kase, "case"), jstr(kase, "as_of"),
		json_is_string(json_object_get(kase, "closed_at")) ? ", closed " : "", jstr(kase, "closed_at"));
	json_array_foreach(json_object_get(kase, "envelopes"), i, env) {
		if (!strcmp(jstr(env, "kind"), "received"))
			continue; /* shown under the envelope it records */
		print_envelope_head(o, env, f);
		json_t *ref = json_object_get(env, "ref");
		if (json_is_object(ref)) {
			char p[80];
			pos_text(o, jstr(ref, "log"), jint(ref, "index"), p, sizeof p);
			fprintf(f, "        refers to %s", p);
			if (!strcmp(jstr(ref, "state"), "resolved"))
				fprintf(f, " (%s)\n", jstr(ref, "kind"));
			else
				fprintf(f, ": reference %s\n", jstr(ref, "state"));
		}
		fprintf(f, "       ");
		print_delivery(env, f);
		fputc('\n', f);
		if (json_array_size(json_object_get(env, "cosigned"))) {
			fprintf(f, "        cosigned by");
			json_array_foreach(json_object_get(env, "cosigned"), j, v) {
				fprintf(f, "%s %s (%s) %s", j ? "," : "", jstr(v, "by"), jstr(v, "role"), jstr(v, "at"));
			}
			fputc('\n', f);
		} else {
			fprintf(f, "        not cosigned by anyone yet\n");
		}
		json_array_foreach(json_object_get(env, "received"), j, v) {
			char p[80];
			pos_text(o, jstr(v, "log"), jint(v, "index"), p, sizeof p);
			fprintf(f, "        recorded as received by %s (%s) %s\n", jstr(v, "party"), p, jstr(v, "time"));
		}
		print_obligations(o, env, "        ", f);
		if (show_bodies && json_is_object(json_object_get(env, "body"))) {
			const char *party = officer_log_party(o, jstr(env, "log"));
			if (addressed_or_sent(o, env) && party) {
				int r = print_body(o, env, party, full_bodies, f);
				if (r == 1) { /* marked above; the first one is named at the end */
					if (!lies++)
						pos_text(o, jstr(env, "log"), jint(env, "index"), first_lie, sizeof first_lie);
				} else if (r) {
					bad = 1;
				}
			} else {
				fprintf(f, "        body: sealed to its recipients (not to %s)\n", o->agency->name);
			}
		}
	}
	json_array_foreach(json_object_get(kase, "invalid"), i, v) {
		char p[80];
		pos_text(o, jstr(v, "log"), jint(v, "index"), p, sizeof p);
		fprintf(f, "  %-6s INVALID: %s\n", p, jstr(v, "reason"));
	}
	if (bad)
		return err_set(ERR_VERIFY, "an envelope or body of case %s does not verify", jstr(kase, "case"));
	if (lies) /* shown and marked above; still a verification that failed (exit 1), as for `envelope open` */
		return err_set(ERR_VERIFY, "case %s: the figures in the envelope of %s%s do not match its body (marked FIGURES DISAGREE above)",
			       jstr(kase, "case"), first_lie, lies > 1 ? " and others" : "");
	return 0;
}

static const char *const urgency_names[] = {"overdue", "due", "waiting", "none"};

/* The most pressing clock of ours in an inbox item, and its due time ("" if none). */
static enum officer_urgency item_urgency(const struct officer *o, json_t *env, const char **due)
{
	enum officer_urgency best = OFFICER_NOTHING;
	size_t i;
	json_t *ob;
	*due = "";
	json_array_foreach(json_object_get(env, "obligations"), i, ob) {
		if (strcmp(jstr(ob, "party"), o->party->id))
			continue;
		const char *clocks[2] = {"ack", "answer"};
		for (int k = 0; k < 2; k++) {
			json_t *c = json_object_get(ob, clocks[k]);
			const char *st = jstr(c, "state"), *d = jstr(c, "due");
			enum officer_urgency u = !strcmp(st, "overdue")       ? OFFICER_OVERDUE
						 : !strcmp(st, "due")         ? OFFICER_DUE
						 : !strcmp(st, "not-started") ? OFFICER_WAITING
									      : OFFICER_NOTHING;
			if (u < best || (u == best && u != OFFICER_NOTHING && d[0] && (!(*due)[0] || strcmp(d, *due) < 0))) {
				best = u;
				*due = d;
			}
		}
	}
	return best;
}

struct ranked {
	json_t *env;
	enum officer_urgency u;
	const char *due, *time;
	size_t pos;
};

static int by_urgency(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	if (a->u != b->u)
		return a->u < b->u ? -1 : 1;
	int c = strcmp(a->due, b->due); /* RFC 3339 UTC times compare as text; "" (none) first only among equals */
	if (!c)
		c = strcmp(a->time, b->time);
	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

int officer_inbox_sort(const struct officer *o, json_t *inbox, enum officer_urgency keep)
{
	json_t *items = json_object_get(inbox, "items");
	size_t n = json_array_size(items), i, counts[4] = {0};
	struct ranked *r = calloc(n ? n : 1, sizeof *r);
	json_t *sorted = json_array(), *env;
	if (!r || !sorted) {
		free(r);
		json_decref(sorted);
		return err_set(ERR_NOMEM, "out of memory");
	}
	json_array_foreach(items, i, env) {
		r[i].env = env;
		r[i].u = item_urgency(o, env, &r[i].due);
		r[i].time = jstr(env, "time");
		r[i].pos = i;
		counts[r[i].u]++;
	}
	qsort(r, n, sizeof *r, by_urgency);
	int rc = 0;
	for (i = 0; i < n && !rc; i++) {
		if (r[i].u > keep)
			continue;
		rc = json_object_set_new(r[i].env, "urgency", json_string(urgency_names[r[i].u])) ||
		     json_object_set_new(r[i].env, "due", r[i].due[0] ? json_string(r[i].due) : json_null()) ||
		     json_array_append(sorted, r[i].env);
	}
	json_t *cnt = json_pack("{s:I, s:I, s:I, s:I}", "overdue", (json_int_t)counts[0], "due", (json_int_t)counts[1],
				"waiting", (json_int_t)counts[2], "none", (json_int_t)counts[3]);
	if (!rc)
		rc = !cnt || json_object_set_new(inbox, "counts", cnt) || json_object_set_new(inbox, "items", sorted);
	else
		json_decref(sorted), json_decref(cnt);
	free(r);
	return rc ? err_set(ERR_NOMEM, "out of memory") : 0;
}

int officer_print_inbox(const struct officer *o, json_t *inbox, FILE *f)
{
	size_t i;
	json_t *env, *items = json_object_get(inbox, "items");
	fprintf(f, "inbox of %s as of %s: %zu envelope%s\n", jstr(inbox, "agency"), jstr(inbox, "as_of"),
		json_array_size(items), json_array_size(items) == 1 ? "" : "s");
	json_t *counts = json_object_get(inbox, "counts");
	if (counts)
		fprintf(f, "  for %s: %" JSON_INTEGER_FORMAT " overdue, %" JSON_INTEGER_FORMAT " due, %" JSON_INTEGER_FORMAT
			   " waiting for delivery, %" JSON_INTEGER_FORMAT " with nothing owed (most pressing first)\n",
			o->party->id, jint(counts, "overdue"), jint(counts, "due"), jint(counts, "waiting"), jint(counts, "none"));
	json_array_foreach(items, i, env) {
		char p[80];
		pos_text(o, jstr(env, "log"), jint(env, "index"), p, sizeof p);
		fprintf(f, "  %s  %-9s from %-8s case %s  (%s)%s\n", jstr(env, "time"), jstr(env, "kind"), jstr(env, "from"),
			jstr(env, "case"), p, json_is_true(json_object_get(env, "urgent")) ? "  URGENT" : "");
		fprintf(f, "     ");
		print_delivery(env, f);
		fputc('\n', f);
		print_obligations(o, env, "      ", f);
	}
	return 0;
}

/* ---- receipts ---- */

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return err_set(ERR_USAGE, "path too long: %s/%s", dir, name);
	return file_write_atomic(path, data, len, 0644, 0);
}

static int write_vkey(const char *dir, const char *name, const struct note_verifier *v)
{
	char s[600];
	note_verifier_format(v, s, sizeof s);
	size_t n = strlen(s);
	s[n++] = '\n';
	return write_file(dir, name, s, n);
}

/* The first of keys[0..n) with a line on the note that verifies (a cosigner's: timestamped t); NULL if none. */
static const struct note_verifier *signer_of(const struct note *nt, const struct note_verifier *keys, size_t n, int64_t t)
{
	for (size_t k = 0; k < n; k++)
		for (size_t s = 0; s < nt->nsigs; s++) {
			uint64_t at = 0;
			if (nt->sigs[s].id == keys[k].id && !strcmp(nt->sigs[s].name, keys[k].name) &&
			    note_verify_sig(nt, s, &keys[k], &at) == 0 && (keys[k].type != NOTE_COSIGNATURE || (int64_t)at == t))
				return &keys[k];
		}
	return NULL;
}

/*
 * The keys a verified receipt was made with, for checking it offline (a node
 * key may have been rotated since: docs/amendments.md): the log's node key
 * that signed its checkpoint (the one in force first) and to's node key that
 * made the cosignature counted, at t. ERR_VERIFY if either is not found.
 */
static int receipt_keys(const struct officer *o, const struct tlog_proof *p, const struct charter_party *to, int64_t t,
			struct note_verifier *logkey, struct note_verifier *coskey)
{
	struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
	struct note_verifier v[HISTORY_NODE_KEYS_MAX + 1];
	struct note_verifier *c = malloc(4 * (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES + 1) * sizeof *c);
	struct note nt;
	size_t nk = history_node_keys(&o->history, o->party->node_key.name, ks, HISTORY_NODE_KEYS_MAX), n = 0, nc = 0;
	int rc = c ? note_parse(&nt, p->checkpoint, p->checkpoint_len) : err_set(ERR_NOMEM, "out of memory");
	if (rc) {
		free(c);
		return rc;
	}
	v[n++] = o->party->node_key;
	for (size_t k = 0; k < nk; k++)
		v[n++] = ks[k].key;
	c[nc++] = to->node_cosigner;
	size_t all = cosig_keys_of_log(&o->history, o->party->node_key.name, c + 1,
				       4 * (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES));
	for (size_t k = 1; k <= all; k++)
		if (!strcmp(c[k].name, to->node_cosigner.name))
			c[nc++] = c[k];
	const struct note_verifier *lk = signer_of(&nt, v, n, 0), *ck = signer_of(&nt, c, nc, t);
	if (lk && ck) {
		*logkey = *lk;
		*coskey = *ck;
	} else {
		rc = err_set(ERR_VERIFY, "the receipt's keys are not found on its checkpoint");
	}
	note_release(&nt);
	free(c);
	return rc;
}

/* Fetches and verifies one receipt; writes it to dir/file. 1: outstanding, 0: written, <0: error. */
static int one_receipt(const struct officer *o, uint64_t index, const struct charter_party *to, const struct buf *env,
		       const char *dir, const char *file, int64_t *when, struct note_verifier *logkey,
		       struct note_verifier *coskey)
{
	char path[NOTE_NAME_MAX + 96];
	struct buf proof;
	struct tlog_proof *p = malloc(sizeof *p);
	int64_t t = 0;
	struct checkpoint cp;
	int rc;
	if (!p)
		return err_set(ERR_NOMEM, "out of memory");
	buf_init(&proof, TLOG_PROOF_MAX_SIZE);
	snprintf(path, sizeof path, "/proof/%s/%" PRIu64 "?cosigned-by=%s", o->party->id, index, to->node_cosigner.name);
	rc = officer_get(o, path, &proof);
	if (rc == ERR_NOTFOUND) {
		rc = 1;
		goto out;
	}
	if (rc)
		goto out;
	if ((rc = tlog_proof_parse(p, proof.data, proof.len)) ||
	    (rc = cosig_verify_proof(&o->history, p, env->data, env->len, o->party->node_key.name, to->node_cosigner.name,
				     &t, &cp))) {
		rc = err_wrap(ERR_VERIFY, "the receipt for %s/%" PRIu64, o->party->id, index);
		goto out;
	}
	*when = t;
	if (!(rc = receipt_keys(o, p, to, t, logkey, coskey)))
		rc = write_file(dir, file, proof.data, proof.len);
out:
	buf_release(&proof);
	free(p);
	return rc;
}

/* Appends v to arr, or to obj as key; 0 or ERR_NOMEM (v is consumed either way). */
static int jadd(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return err_set(ERR_NOMEM, "out of memory");
	if (json_is_array(obj))
		return json_array_append_new(obj, v) ? err_set(ERR_NOMEM, "out of memory") : 0;
	return json_object_set_new(obj, key, v) ? err_set(ERR_NOMEM, "out of memory") : 0;
}

/* The receipt of one recipient party for entry index: fetched, verified, written to dir, its JSON item appended to items. */
static int receipt_item(const struct officer *o, uint64_t index, json_t *d, size_t nparties, const struct buf *raw,
			const char *dir, const char *envname, json_t *items, struct buf *readme, int *all_ok)
{
	const struct charter_party *to = charter_party(&o->charter, jstr(d, "party"), strlen(jstr(d, "party")));
	char file[96], vk[64], t[21], logkey[64];
	struct note_verifier lkey, ckey;
	int64_t when = 0;
	if (!to)
		return err_set(ERR_VERIFY, "the case view names a party %s the charter lacks", jstr(d, "party"));
	if (nparties == 1)
		snprintf(file, sizeof file, "%" PRIu64 ".tlog-proof", index);
	else
		snprintf(file, sizeof file, "%" PRIu64 ".%s.tlog-proof", index, to->id);
	int rc = one_receipt(o, index, to, raw, dir, file, &when, &lkey, &ckey);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*all_ok = 0;
		return jadd(items, NULL,
			    json_pack("{s:s, s:s, s:n, s:n, s:n, s:s, s:b}", "party", to->id, "cosigner", to->node_cosigner.name,
				      "proof", "cosigner_vkey", "cosigned_at", "outstanding_since", jstr(d, "since"), "verified", 0));
	}
	/* the keys it was made with: the charter's names, or the key ID's for one a rotation replaced */
	if (!memcmp(ckey.pub, to->node_cosigner.pub, 32))
		snprintf(vk, sizeof vk, "%s-cosigner.vkey", to->id);
	else
		snprintf(vk, sizeof vk, "%s-cosigner-%08x.vkey", to->id, (unsigned)ckey.id);
	if ((rc = write_vkey(dir, vk, &ckey)))
		return rc;
	syntax_format_time(when, t);
	if (!memcmp(lkey.pub, o->party->node_key.pub, 32))
		snprintf(logkey, sizeof logkey, "%s-node.vkey", o->party->id); /* written by officer_receipt_collect */
	else if (snprintf(logkey, sizeof logkey, "%s-node-%08x.vkey", o->party->id, (unsigned)lkey.id),
		 (rc = write_vkey(dir, logkey, &lkey)))
		return rc;
	buf_printf(readme, "parley proof verify %s %s --vkey %s --witness %s\n", file, envname, logkey, vk);
	return jadd(items, NULL,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:b}", "party", to->id, "cosigner", to->node_cosigner.name, "proof",
			      file, "cosigner_vkey", vk, "cosigned_at", t, "outstanding_since", "verified", 1));
}

int officer_receipt_collect(const struct officer *o, const char *case_id, const char *dir, json_t **out)
{
	json_t *kase = NULL, *env, *d, *doc = NULL, *list;
	struct buf raw, readme;
	size_t i, j, verified = 0, outstanding = 0;
	int rc;
	*out = NULL;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&readme, 1u << 20);
	if ((rc = officer_case(o, case_id, 0, &kase)))
		goto out;
	if ((rc = mkdir_p(dir, 0755)))
		goto out;
	char logkey[64];
	snprintf(logkey, sizeof logkey, "%s-node.vkey", o->party->id);
	if ((rc = write_vkey(dir, logkey, &o->party->node_key)))
		goto out;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "case", case_id, "party", o->party->id, "log",
			o->party->node_key.name, "dir", dir, "node_vkey", logkey, "readme", "README", "envelopes");
	if (!doc) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	list = json_object_get(doc, "envelopes");
	buf_printf(&readme, "Receipts for case %s in the log of %s (%s).\n"
			    "Each proof shows the envelope is in that log, under a checkpoint cosigned by the\n"
			    "recipient party's node: by the charter's rule it was then deemed delivered.\n"
			    "Check them offline:\n\n",
		   case_id, o->party->id, o->party->node_key.name);
	json_array_foreach(json_object_get(kase, "envelopes"), i, env) {
		if (strcmp(jstr(env, "log"), o->party->node_key.name))
			continue;
		uint64_t index = (uint64_t)jint(env, "index");
		json_t *delivery = json_object_get(env, "delivery"), *parties = json_array(), *items = json_array();
		char entry[40], name[64];
		int all_ok = 1;
		snprintf(entry, sizeof entry, "%s/%" PRIu64, o->party->id, index);
		snprintf(name, sizeof name, "%" PRIu64 ".envelope", index);
		json_t *item = json_pack("{s:s, s:I, s:s, s:s, s:O, s:s, s:o, s:b, s:n, s:o}", "entry", entry, "index",
					 (json_int_t)index, "kind", jstr(env, "kind"), "from", jstr(env, "from"), "to",
					 json_object_get(env, "to"), "time", jstr(env, "time"), "recipient_parties", parties,
					 "receipt_due", json_array_size(delivery) > 0, "envelope", "receipts", items);
		if ((rc = jadd(list, NULL, item)))
			goto out;
		if (!json_array_size(delivery)) {
			rc = jadd(item, "verified", json_false());
			if (rc)
				goto out;
			continue;
		}
		struct envelope e;
		if ((rc = officer_fetch_envelope(o, o->party->id, index, &raw, &e)))
			goto out;
		envelope_release(&e);
		if ((rc = write_file(dir, name, raw.data, raw.len)) || (rc = jadd(item, "envelope", json_string(name))))
			goto out;
		json_array_foreach(delivery, j, d) {
			if ((rc = jadd(parties, NULL, json_string(jstr(d, "party")))) ||
			    (rc = receipt_item(o, index, d, json_array_size(delivery), &raw, dir, name, items, &readme, &all_ok)))
				goto out;
			if (json_is_true(json_object_get(json_array_get(items, j), "verified")))
				verified++;
			else
				outstanding++;
		}
		if ((rc = jadd(item, "verified", json_boolean(all_ok))))
			goto out;
	}
	if (outstanding)
		buf_printf(&readme, "\n%zu receipt(s) were still outstanding when this was written; run `parley receipt` again later.\n",
			   outstanding);
	if ((rc = jadd(doc, "verified", json_integer((json_int_t)verified))) ||
	    (rc = jadd(doc, "outstanding", json_integer((json_int_t)outstanding))))
		goto out;
	rc = write_file(dir, "README", readme.data, readme.len);
out:
	if (rc)
		json_decref(doc);
	else
		*out = doc;
	json_decref(kase);
	buf_release(&raw);
	buf_release(&readme);
	return rc;
}

int officer_print_receipt(json_t *r, FILE *f)
{
	size_t i, j;
	json_t *env, *it;
	json_array_foreach(json_object_get(r, "envelopes"), i, env) {
		fprintf(f, "  %s %s from %s:", jstr(env, "entry"), jstr(env, "kind"), jstr(env, "from"));
		if (!json_is_true(json_object_get(env, "receipt_due")))
			fprintf(f, " within %s, no receipt due", jstr(r, "party"));
		json_array_foreach(json_object_get(env, "receipts"), j, it) {
			if (json_is_true(json_object_get(it, "verified")))
				fprintf(f, " %s verified (cosigned by %s at %s)", jstr(it, "proof"), jstr(it, "party"),
					jstr(it, "cosigned_at"));
			else
				fprintf(f, " receipt from %s OUTSTANDING (since %s)", jstr(it, "party"), jstr(it, "outstanding_since"));
		}
		fputc('\n', f);
	}
	return ferror(f) ? err_set(ERR_IO, "writing the receipts") : 0;
}

int officer_receipt(const struct officer *o, const char *case_id, const char *dir, FILE *f, struct officer_receipts *out)
{
	json_t *r;
	memset(out, 0, sizeof *out);
	int rc = officer_receipt_collect(o, case_id, dir, &r);
	if (rc)
		return rc;
	out->verified = (size_t)jint(r, "verified");
	out->outstanding = (size_t)jint(r, "outstanding");
	rc = officer_print_receipt(r, f);
	json_decref(r);
	return rc;
}
