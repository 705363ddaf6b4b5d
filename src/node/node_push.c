/*
 * Pushing our checkpoints to every witness (the peer nodes and the neutral
 * witnesses of the charter) with the tlog-witness add-checkpoint call, and
 * keeping the cosignatures they return: in DIR/cosigned/<size>, and on the
 * published checkpoint while it is current.
 */
#include "node/node_internal.h"
#include "node/amend_forward.h"
#include "base/err.h"
#include "net/client.h"
#include "tlog/tiles.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Adds the cosignature lines to DIR/cosigned/<size> (the log's signature and
 * the earliest cosignature of each cosigner: the receipt) and, if still
 * current, publishes the checkpoint with the newest cosignature of each:
 * pushing again after every restart replaces a line, it does not add one.
 */
static void keep_cosignatures(struct node *n, const struct checkpoint *cp, const struct buf *note, const struct buf *lines)
{
	char dir[PATH_MAX];
	struct buf merged, all, published;
	struct note_verifier vs[NODE_LOG_SIGNERS_MAX], me;
	me = n->logkey;
	size_t nv = node_log_signers(n, me.name, vs);
	buf_init(&merged, CHECKPOINT_MAX_SIZE);
	buf_init(&all, 2 * CHECKPOINT_MAX_SIZE);
	buf_init(&published, CHECKPOINT_MAX_SIZE);
	snprintf(dir, sizeof dir, "%s/cosigned", n->dir);
	if (node_merge_kept(dir, cp->size, note->data, note->len, lines->data, lines->len, vs, nv, &merged))
		node_log("cannot keep cosignatures: %s", err_msg());
	pthread_mutex_lock(&n->log_lock);
	if (tlog_size(n->log) == cp->size) {
		const struct buf *cur = tlog_checkpoint_note(n->log);
		int rc = buf_append(&all, cur->data, cur->len);
		if (!rc)
			rc = node_append_sig_lines(&all, lines->data, lines->len);
		if (!rc)
			rc = note_select(&published, all.data, all.len, vs, nv, NOTE_KEEP_NEWEST, NULL, NULL);
		if (!rc)
			rc = tlog_publish_cosigned(n->log, published.data, published.len);
		if (rc)
			node_log("cannot publish cosignatures: %s", err_msg());
	}
	pthread_mutex_unlock(&n->log_lock);
	buf_release(&merged);
	buf_release(&all);
	buf_release(&published);
}

/*
 * One add-checkpoint round with a target. Returns 1 to retry at once (after a
 * 409 told us its size). *cosigned is set to 1 when the target cosigned.
 */
static int push_one(struct node *n, struct target *t, const struct buf *note, const struct checkpoint *cp, int *cosigned)
{
	uint64_t old = t->known && t->cosigned <= cp->size ? t->cosigned : 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t np = 0;
	struct tlog *r;
	char logdir[PATH_MAX + 8], url[SYNTAX_URL_MAX + 32];
	snprintf(logdir, sizeof logdir, "%s/log", n->dir);
	if (old && old < cp->size) {
		if (tlog_open(&r, logdir, NULL))
			return 0;
		int rc = tlog_prove_consistency(r, old, cp->size, proof, &np);
		tlog_close(r);
		if (rc)
			return 0;
	}
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 64 * 1024);
	long status = 0;
	int again = 0;
	int rc = witness_request_format(&req, old, (const merkle_hash *)proof, np, note->data, note->len);
	if (!rc)
		rc = client_url(url, sizeof url, t->url, "add-checkpoint");
	if (!rc)
		rc = client_post(url, "text/plain; charset=utf-8", req.data, req.len, &resp, &status, 60);
	if (!rc && status == 200) {
		/* keep only valid cosignatures by this target */
		struct buf full;
		struct note nt;
		int ok = 0;
		buf_init(&full, CHECKPOINT_MAX_SIZE + 64 * 1024);
		buf_append(&full, note->data, note->len);
		buf_append(&full, resp.data, resp.len);
		uint64_t when = 0, times[2] = {0, 0};
		int oks[2] = {0, 0};
		size_t lines = 0; /* by this target's keys: exactly one, the one that is kept and recorded */
		if (note_parse(&nt, full.data, full.len) == 0) {
			for (size_t s = 0; s < nt.nsigs; s++)
				for (size_t k = 0; k < t->nkeys; k++)
					lines += nt.sigs[s].id == t->key[k].id && !strcmp(nt.sigs[s].name, t->key[k].name);
			note_verify(&nt, t->key, t->nkeys, oks, times);
			note_release(&nt);
		}
		for (size_t k = 0; k < t->nkeys && !ok; k++)
			if (oks[k])
				ok = 1, when = times[k];
		buf_release(&full);
		if (ok && lines != 1) {
			ok = 0;
			rc = err_set(ERR_VERIFY, "%s answered with %zu cosignatures by its key, not one", t->name, lines);
		} else if (ok) {
			/* the index wants the first cosignature of each size (the receipt, as kept in cosigned/), not a
			   heartbeat's again: a rebuild from the kept files gives the same rows */
			/* kept on disk first, then recorded: a crash in between leaves the index short of
			   what a rebuild finds, never holding what the kept files lack */
			keep_cosignatures(n, cp, note, &resp);
			if (!t->known || t->cosigned != cp->size)
				node_record_cosignature(n, n->logkey.name, cp->size, t->key[0].name, (int64_t)when);
			*cosigned = 1;
			t->cosigned = cp->size;
			t->known = 1;
			t->retry_at = 0;
			node_count(&n->m.cosigs, 1);
			__atomic_store_n(&t->last_cosig, (int64_t)when, __ATOMIC_RELAXED);
			if (t->failing) {
				char count[24];
				snprintf(count, sizeof count, "%" PRIu64, node_counter(&t->failures));
				node_event(LOGLINE_INFO, "push_recovered", "target", t->name, "failures_total", count, LOGLINE_END);
				t->failing = 0;
			}
		} else if (!rc) {
			rc = err_set(ERR_VERIFY, "%s answered without a valid cosignature", t->name);
		}
	} else if (!rc && status == 409 && resp.len && resp.data[0] >= '0' && resp.data[0] <= '9') {
		uint64_t sz = strtoull((const char *)resp.data, NULL, 10);
		if (!t->known || t->cosigned != sz) {
			t->cosigned = sz;
			t->known = 1;
			again = 1;
		} else {
			rc = err_set(ERR_VERIFY, "%s refuses: %.*s", t->name, (int)resp.len, (const char *)resp.data);
		}
	} else if (!rc) {
		rc = err_set(ERR_IO, "%s: HTTP %ld %.*s", t->name, status, (int)(resp.len > 200 ? 200 : resp.len),
			     (const char *)resp.data);
	}
	if (rc) {
		/* logged when it starts failing or fails otherwise (an outage, then a wrong answer), not at every
		   retry; a target answering what it must not (not an outage) is an error, one that does not answer a
		   warning */
		int kind = rc == ERR_VERIFY ? 2 : 1;
		if (t->failing != kind)
			node_event(rc == ERR_VERIFY ? LOGLINE_ERROR : LOGLINE_WARN, "push_failed", "target", t->name, "url",
				   t->url, "error", err_msg(), LOGLINE_END);
		t->failing = kind;
		node_count(&n->m.push_failures, 1);
		node_count(&t->failures, 1);
		t->retry_at = node_now() + 2;
	}
	buf_release(&req);
	buf_release(&resp);
	return again;
}

/*
 * The keys a target cosigns with near now (docs/amendments.md): its key in
 * the charters in force --max-skew before and after now, so that a
 * peer's or a witness's rotation is followed without a restart.
 */
static void refresh_target_keys(struct node *n, struct target *t)
{
	const struct charter_history *h = node_history(n);
	int64_t now = node_now();
	const struct charter *at[2] = {history_at(h, now - n->o.max_skew), history_at(h, now + n->o.max_skew)};
	size_t nk = 0;
	for (size_t c = 0; c < 2; c++) {
		const struct note_verifier *k = NULL;
		if (t->party >= 0)
			k = &at[c]->parties[t->party].node_cosigner;
		for (size_t w = 0; t->party < 0 && w < at[c]->nwitnesses; w++)
			if (!strcmp(at[c]->witnesses[w].id, t->name))
				k = &at[c]->witnesses[w].key;
		if (k && !(nk == 1 && !memcmp(t->key[0].pub, k->pub, 32)))
			t->key[nk++] = *k;
	}
	if (nk)
		t->nkeys = nk;
}

/*
 * Around a rotation of our node key (docs/amendments.md, "Rotating a node
 * key"): when a key of ours in force near now, held by the keeper, has not
 * signed the published checkpoint, the keeper signs it again (same tree: it
 * signs with every key of ours near its clock) and it is published with the
 * cosignatures it had. Returns 1 if it was, so that every target gets it.
 * If the keeper's note still lacks such a key (its history lags ours: its
 * RELOAD failing), nothing is published, the key is named at error level,
 * and the next try is HANDOVER_RETRY_S later, not at every round.
 */
#define HANDOVER_RETRY_S 60
static int sign_again_for_handover(struct node *n)
{
	struct note_verifier near[HISTORY_NODE_KEYS_MAX], vs[NODE_LOG_SIGNERS_MAX];
	size_t nn = node_log_keys_now(n, n->logkey.name, near), missing = 0;
	int want[HISTORY_NODE_KEYS_MAX] = {0}; /* near[i] held and not on the published note */
	struct note nt;
	struct buf text, fresh, published;
	int again = 0;
	if (node_now() < n->handover_retry_at)
		return 0;
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	buf_init(&fresh, 2 * CHECKPOINT_MAX_SIZE);
	buf_init(&published, CHECKPOINT_MAX_SIZE);
	pthread_mutex_lock(&n->log_lock);
	const struct buf *pub = tlog_checkpoint_note(n->log);
	if (note_parse(&nt, pub->data, pub->len) == 0) {
		for (size_t i = 0; i < nn; i++) {
			int ok = 0;
			size_t good = 0;
			note_check_sigs(&nt, &near[i], 1, &ok, NULL, &good);
			want[i] = !ok && keeper_client_holds(n->keeper, near[i].pub);
			missing += (size_t)want[i];
		}
		note_release(&nt);
	}
	if (missing) {
		size_t nv = node_log_signers(n, n->logkey.name, vs);
		int rc = checkpoint_format_text(tlog_checkpoint(n->log), &text);
		if (!rc)
			rc = keeper_client_sign_checkpoint(n->keeper, text.data, text.len, &fresh);
		if (!rc && note_parse(&nt, fresh.data, fresh.len) == 0) {
			/* the keeper signs with the keys near now by its own history: it must have every one we miss */
			for (size_t i = 0; i < nn && !rc; i++) {
				int ok = 0;
				size_t good = 0;
				note_check_sigs(&nt, &near[i], 1, &ok, NULL, &good);
				if (want[i] && !ok) {
					char v[600];
					note_verifier_format(&near[i], v, sizeof v);
					rc = err_set(ERR_VERIFY, "the keeper did not sign with %s, a key of ours in force now (does it "
								 "know the amendment? see event=keeper_reload): tried again in %d s",
						     v, HANDOVER_RETRY_S);
				}
			}
			note_release(&nt);
		}
		if (!rc)
			rc = node_append_sig_lines(&fresh, pub->data, pub->len);
		if (!rc)
			rc = note_select(&published, fresh.data, fresh.len, vs, nv, NOTE_KEEP_NEWEST, NULL, NULL);
		if (!rc)
			rc = tlog_publish_cosigned(n->log, published.data, published.len);
		char size[24];
		snprintf(size, sizeof size, "%" PRIu64, tlog_size(n->log));
		if (rc) {
			node_event(LOGLINE_ERROR, "node_key_handover", "size", size, "error", err_msg(), LOGLINE_END);
			n->handover_retry_at = node_now() + HANDOVER_RETRY_S;
		}
		else
			node_event(LOGLINE_INFO, "node_key_handover", "size", size, "msg",
				   "our checkpoint signed again with the node keys in force now", LOGLINE_END);
		again = !rc;
	}
	pthread_mutex_unlock(&n->log_lock);
	buf_release(&text);
	buf_release(&fresh);
	buf_release(&published);
	return again;
}

/*
 * Pushes the current checkpoint to every target that has not cosigned it yet
 * and, as a heartbeat, to every target whose last cosignature is older than
 * the charter's heartbeat even when the log did not grow: the witness cosigns
 * the same size again with a new time, so an idle log is seen to be idle
 * (silence is provable, not an outage; docs/reports.md). The newest
 * cosignature goes on the published checkpoint; cosigned/<size> keeps the
 * earliest (the receipt).
 */
void *node_pusher_main(void *arg)
{
	struct node *n = arg;
	int64_t last[MAX_TARGETS] = {0}; /* when each target last cosigned (0: not since start) */
	const struct charter *in_force = history_latest(node_history(n));
	int64_t heartbeat = in_force->heartbeat ? (int64_t)in_force->heartbeat : CHARTER_DEFAULT_HEARTBEAT;
	struct buf note;
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	pthread_mutex_lock(&n->push_lock);
	while (!n->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&n->push_cond, &n->push_lock, &until);
		if (n->stopping)
			break;
		pthread_mutex_unlock(&n->push_lock);
		amend_forward(n); /* first the amendments adopted, to the neutral witnesses (amend_forward.h) */
		if (sign_again_for_handover(n))
			memset(last, 0, sizeof last); /* pushed to every target, as a heartbeat would */
		for (size_t i = 0; i < n->ntargets; i++)
			refresh_target_keys(n, &n->targets[i]);
		pthread_mutex_lock(&n->log_lock);
		struct checkpoint cp = *tlog_checkpoint(n->log);
		buf_reset(&note);
		/* push the log's own signature only (not the cosignatures published with it): a witness keeps what
		   it is sent, and each cosignature is added here as it comes */
		struct note_verifier ours[HISTORY_NODE_KEYS_MAX];
		size_t nours = node_log_keys_now(n, n->logkey.name, ours);
		const struct buf *pub = tlog_checkpoint_note(n->log);
		if (note_select(&note, pub->data, pub->len, ours, nours, 0, NULL, NULL))
			cp.size = 0; /* no key of ours in force now signed it (the keeper lacks the new one): push nothing */
		pthread_mutex_unlock(&n->log_lock);
		for (size_t i = 0; i < n->ntargets && !n->stopping; i++) {
			struct target *t = &n->targets[i];
			int64_t now = node_now();
			int current = t->known && t->cosigned == cp.size && now - last[i] < heartbeat;
			if (cp.size == 0 || current || t->retry_at > now)
				continue;
			int cosigned = 0;
			for (int tries = 0; tries < 3 && push_one(n, t, &note, &cp, &cosigned); tries++)
				;
			if (cosigned)
				last[i] = node_now();
		}
		pthread_mutex_lock(&n->push_lock);
	}
	pthread_mutex_unlock(&n->push_lock);
	buf_release(&note);
	return NULL;
}

