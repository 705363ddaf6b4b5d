/*
 * The node's peers: mirroring each peer's log and the bodies addressed to our
 * agencies (before cosigning it: cosignature is receipt), witnessing their
 * checkpoints (POST /add-checkpoint), polling them for catch-up, and recording
 * deliveries as node-signed 'received' envelopes.
 */
#include "node/node_internal.h"
#include "exchange/term.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "exchange/envelope.h"
#include "node/body_batch.h"
#include "net/client.h"
#include "net/tileclient.h"
#include "tlog/kept.h"
#include "tlog/tiles.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int addressed_to_me(const struct node *n, const struct envelope_fields *f)
{
	size_t ml = strlen(n->me->id);
	for (size_t i = 0; i < f->nto; i++)
		if (syntax_agency_party_len(f->to[i], strlen(f->to[i])) == ml && !memcmp(f->to[i], n->me->id, ml))
			return 1;
	return 0;
}

/* A body this node must fetch from a peer: named by an envelope addressed to it. */
struct wanted_body {
	uint8_t hash[32];
	uint64_t size;
};

struct body_check {
	struct node *n;
	const struct wanted_body *want;
	const char *url;
};

/* One body of a batch answer: it must be the one asked for, byte for byte; then it is stored. */
static int store_fetched_body(void *ctx, size_t i, const uint8_t *body, size_t len)
{
	struct body_check *c = ctx;
	uint8_t h[32];
	sha256(body, len, h);
	if (len != c->want[i].size || memcmp(h, c->want[i].hash, 32) != 0) {
		char hex[65];
		hex_encode(hex, c->want[i].hash, 32);
		return err_set(ERR_VERIFY, "%s: the body answered for %s does not match its envelope", c->url, hex);
	}
	return bodies_put(c->n->bodies, h, body, len);
}

/* Fetches and stores the bodies in want from p over POST /bodies, as many per request as the peer answers. */
static int fetch_bodies(struct node *n, struct peer *p, struct client_session *cs, const struct wanted_body *want,
			size_t count)
{
	char url[SYNTAX_URL_MAX + 16];
	int rc = client_url(url, sizeof url, p->party->url, "bodies");
	uint8_t req[BODY_BATCH_REQUEST_MAX];
	struct buf b;
	buf_init(&b, BODY_BATCH_ANSWER_TARGET + ENVELOPE_BODY_MAX + 4 * BODY_BATCH_MAX_HASHES);
	for (size_t done = 0; !rc && done < count;) {
		size_t k = count - done < BODY_BATCH_MAX_HASHES ? count - done : BODY_BATCH_MAX_HASHES;
		for (size_t i = 0; i < k; i++)
			memcpy(req + 32 * i, want[done + i].hash, 32);
		long status;
		if ((rc = client_session_post(cs, url, "application/octet-stream", req, 32 * k, &b, &status, 60)))
			break;
		if (status != 200) {
			char why[201]; /* the peer's one-line reason, printable ASCII only: it goes to our log */
			size_t w = 0;
			for (; w < b.len && w < 200 && b.data[w] != '\n'; w++)
				why[w] = b.data[w] >= 0x20 && b.data[w] < 0x7f ? (char)b.data[w] : '?';
			why[w] = 0;
			rc = err_set(ERR_IO, "%s: HTTP %ld: %s", url, status, why);
			break;
		}
		struct body_check c = {n, want + done, url};
		size_t got;
		if ((rc = body_batch_parse(b.data, b.len, k, ENVELOPE_BODY_MAX, store_fetched_body, &c, &got)))
			rc = err_wrap(rc, "%s", url);
		done += got;
	}
	buf_release(&b);
	return rc;
}

struct bundle_feed {
	struct node *n;
	struct peer *p;
	struct client_session *cs;
	struct verified *v; /* records which new entries verify */
	struct wanted_body want[TILE_WIDTH]; /* the bundle's bodies addressed to us and not yet stored */
	size_t nwant;
	struct buf *amendments;             /* amendment entries met, adopted once the mirror has them */
	size_t namendments;
};

/* Keeps a copy of an amendment entry of the peer's log, to adopt after the sync (at most HISTORY_MAX). */
static void keep_amendment(struct bundle_feed *bf, const uint8_t *entry, size_t len)
{
	if (bf->namendments == HISTORY_MAX)
		return;
	struct buf *m = realloc(bf->amendments, (bf->namendments + 1) * sizeof *m);
	if (!m)
		return;
	bf->amendments = m;
	buf_init(&m[bf->namendments], AMENDMENT_MAX_SIZE);
	if (buf_append(&m[bf->namendments], entry, len) == 0)
		bf->namendments++;
}

/* Adopts the amendments a sync met (if adopt), in log order (node_amend.c); a refused one is logged. */
static void adopt_amendments(struct node *n, struct peer *p, struct bundle_feed *bf, int adopt)
{
	for (size_t i = 0; i < bf->namendments; i++) {
		if (adopt && node_adopt_amendment(n, bf->amendments[i].data, bf->amendments[i].len, 1) != 200)
			node_log("an amendment in %s's log is not adopted: %s", p->party->id, err_msg());
		buf_release(&bf->amendments[i]);
	}
	free(bf->amendments);
	bf->amendments = NULL;
	bf->namendments = 0;
}

/* Each new entry of a peer's log (queued on the mirror by the tile client): checked once, its body wanted. */
static int feed_mirror(void *ctx, uint64_t index, const uint8_t *entry, size_t len)
{
	struct bundle_feed *bf = ctx;
	/* Verified once here; the index is told, so it does not check the signatures again. */
	struct envelope e;
	if (amendment_is(entry, len)) {
		keep_amendment(bf, entry, len);
		return 0;
	}
	if (envelope_parse(&e, entry, len) == 0) {
		if (envelope_verify(&e, node_charter_at(bf->n, e.f.time)) == 0) {
			uint64_t k = index - bf->v->first;
			((uint8_t *)bf->v->bits)[k / 8] |= (uint8_t)(1u << (k % 8));
			if (e.f.has_body && addressed_to_me(bf->n, &e.f) && !bodies_has_keep(bf->n->bodies, e.f.body_hash) &&
			    bf->nwant < TILE_WIDTH) {
				memcpy(bf->want[bf->nwant].hash, e.f.body_hash, 32);
				bf->want[bf->nwant++].size = e.f.body_size;
			}
		}
		envelope_release(&e);
	}
	return 0; /* an invalid entry is mirrored too (the log holds it), recorded as not verified */
}

/* After each bundle: its bodies addressed to us in one request (or a few), not one each. */
static int feed_bundle_done(void *ctx, uint64_t first, unsigned count)
{
	struct bundle_feed *bf = ctx;
	(void)first;
	(void)count;
	int rc = bf->nwant ? fetch_bodies(bf->n, bf->p, bf->cs, bf->want, bf->nwant) : 0;
	bf->nwant = 0;
	return rc;
}

static int feed_before_commit(void *ctx)
{
	struct bundle_feed *bf = ctx;
	return bodies_flush(bf->n->bodies); /* made durable by the mirror's commit (syncfs) or by itself */
}

/* Adds keys[0..k) to vs[0..*nv), each once, while there is room. */
static void add_keys(const struct note_verifier *keys, size_t k, struct note_verifier *vs, size_t *nv)
{
	for (size_t i = 0; i < k && *nv < NODE_LOG_SIGNERS_MAX; i++) {
		size_t j;
		for (j = 0; j < *nv; j++)
			if (vs[j].id == keys[i].id && !strcmp(vs[j].name, keys[i].name) && !memcmp(vs[j].pub, keys[i].pub, 32))
				break;
		if (j == *nv)
			vs[(*nv)++] = keys[i];
	}
}

/* Adds the cosigners ch names for origin's log to vs[0..*nv), each key once, while there is room. */
static void add_cosigners(const struct charter *ch, const char *origin, struct note_verifier *vs, size_t *nv)
{
	struct note_verifier one[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	add_keys(one, charter_cosigners_of_log(ch, origin, one), vs, nv);
}

size_t node_log_keys(const struct node *n, const char *origin, struct note_verifier *vs)
{
	struct node_key_span s[HISTORY_NODE_KEYS_MAX];
	size_t k = history_node_keys(node_history(n), origin, s, HISTORY_NODE_KEYS_MAX);
	for (size_t i = 0; i < k; i++)
		vs[i] = s[i].key;
	return k;
}

size_t node_own_cosigners(const struct node *n, struct note_verifier *vs)
{
	const struct charter_history *h = node_history(n);
	size_t me = (size_t)(n->me - n->charter.parties), nv = 0;
	for (size_t c = 0; c <= h->n; c++) {
		const struct charter *v = c ? &h->am[c - 1]->charter : h->founding;
		const struct note_verifier *k = &v->parties[me].node_cosigner;
		size_t j = 0;
		while (j < nv && memcmp(vs[j].pub, k->pub, 32))
			j++;
		if (j == nv && nv < HISTORY_NODE_KEYS_MAX) /* history_add keeps a party's node keys within it */
			vs[nv++] = *k;
	}
	return nv;
}

size_t node_log_keys_now(const struct node *n, const char *origin, struct note_verifier *vs)
{
	return history_node_keys_near(node_history(n), origin, node_now(), n->o.max_skew, vs, HISTORY_NODE_KEYS_MAX);
}

size_t node_log_signers(const struct node *n, const char *origin, struct note_verifier *vs)
{
	const struct charter_history *h = node_history(n);
	struct note_verifier logkeys[HISTORY_NODE_KEYS_MAX];
	size_t nv = 0, nl = node_log_keys_now(n, origin, logkeys);
	add_keys(logkeys, nl < 2 ? nl : 2, vs, &nv);
	/* the keys in force now, those of an amendment still to take effect, then (room permitting) retired ones */
	add_cosigners(history_at(h, node_now()), origin, vs, &nv);
	add_cosigners(history_latest(h), origin, vs, &nv);
	nl = node_log_keys(n, origin, logkeys);
	while (nl > 0) { /* the newest retired first */
		nl--;
		add_keys(&logkeys[nl], 1, vs, &nv);
	}
	for (size_t c = h->n; c > 0; c--)
		add_cosigners(c > 1 ? &h->am[c - 2]->charter : h->founding, origin, vs, &nv);
	return nv;
}

/* A kept or published checkpoint fits in a note: the log's line and one per key node_log_signers gives. */
_Static_assert(NODE_LOG_SIGNERS_MAX <= NOTE_MAX_SIGS, "a checkpoint with one cosignature per key must fit in a note");

int node_append_sig_lines(struct buf *out, const uint8_t *lines, size_t len)
{
	return kept_sig_lines(out, lines, len);
}

int node_merge_kept(const char *dir, uint64_t size, const uint8_t *note, size_t note_len, const uint8_t *lines,
		    size_t lines_len, const struct note_verifier *vs, size_t nv, struct buf *merged)
{
	return kept_merge(dir, size, note, note_len, lines, lines_len, vs, nv, merged);
}

/*
 * Rewrites, once per directory, the kept checkpoints an older version wrote
 * with every line it was sent (unbounded: after enough restarts more than a
 * note may hold, so a rebuilt index would lose their cosignatures) to the
 * bounded form node_merge_kept() writes. <dir>/.bounded marks it done.
 */
static void clean_kept_dir(const char *dir, const struct note_verifier *vs, size_t nv)
{
	char marker[PATH_MAX + 16], path[PATH_MAX + 300];
	snprintf(marker, sizeof marker, "%s/.bounded", dir);
	if (access(marker, F_OK) == 0 || mkdir_p(dir, 0755))
		return;
	struct buf b, clean;
	buf_init(&b, NOTE_MAX_SIZE);
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	size_t rewritten = 0, failed = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		buf_reset(&clean);
		if (file_read(path, NOTE_MAX_SIZE, &b) ||
		    note_select(&clean, b.data, b.len, vs, nv, NOTE_KEEP_EARLIEST, NULL, NULL)) {
			failed++;
			continue;
		}
		if (clean.len == b.len && !memcmp(clean.data, b.data, b.len))
			continue;
		if (file_write_atomic(path, clean.data, clean.len, 0644, 0))
			failed++;
		else
			rewritten++;
	}
	if (d)
		closedir(d);
	if (rewritten || failed)
		node_log("%s: rewrote %zu kept checkpoints with extra signature lines (written by an older version) "
			 "to the earliest cosignature per cosigner; %zu could not be", dir, rewritten, failed);
	if (!failed)
		file_write_atomic(marker, "", 0, 0644, 0);
	buf_release(&b);
	buf_release(&clean);
}

void node_clean_kept(struct node *n)
{
	char dir[PATH_MAX + 32];
	struct note_verifier vs[NODE_LOG_SIGNERS_MAX], me;
	me = n->logkey;
	snprintf(dir, sizeof dir, "%s/cosigned", n->dir);
	clean_kept_dir(dir, vs, node_log_signers(n, me.name, vs));
	for (size_t i = 0; i < n->npeers; i++) {
		struct peer *p = &n->peers[i];
		snprintf(dir, sizeof dir, "%s.checkpoints", p->dir);
		clean_kept_dir(dir, vs, node_log_signers(n, p->party->node_key.name, vs));
	}
}

/* Keeps a peer's signed checkpoint (merging cosignatures) under DIR/peers/<id>.checkpoints/, and records them. */
static void keep_peer_checkpoint(struct node *n, struct peer *p, uint64_t size, const uint8_t *cpnote, size_t len)
{
	char dir[PATH_MAX + 32];
	struct buf merged;
	struct note_verifier vs[NODE_LOG_SIGNERS_MAX];
	size_t nv = node_log_signers(n, p->party->node_key.name, vs);
	buf_init(&merged, CHECKPOINT_MAX_SIZE);
	snprintf(dir, sizeof dir, "%s.checkpoints", p->dir);
	if (mkdir_p(dir, 0755) || node_merge_kept(dir, size, cpnote, len, cpnote, len, vs, nv, &merged))
		node_log("cannot keep the checkpoint of %s: %s", p->party->id, err_msg());
	/* the cosignatures kept (each line is verified again there), or the note's if keeping failed */
	if (merged.len)
		node_record_note_cosignatures(n, merged.data, merged.len);
	else
		node_record_note_cosignatures(n, cpnote, len);
	buf_release(&merged);
}

/*
 * A peer's checkpoint signed by a key we do not know in force now may follow
 * an amendment we have not met (it rotated the peer's node key while we were
 * away, and the peer's log, which records it, is what we can no longer read):
 * ask the peer for the amendments after ours (GET /amendment/<n>) and adopt
 * those that are complete and valid. Self-authenticating, like any amendment:
 * a peer can only hand us what every party signed. Returns how many.
 */
static size_t catch_up_amendments(struct node *n, struct peer *p)
{
	size_t adopted = 0;
	struct buf b;
	buf_init(&b, AMENDMENT_MAX_SIZE + 1);
	for (int tries = 0; tries < 8; tries++) { /* a few at a time: the next sync asks again */
		char path[40], url[SYNTAX_URL_MAX + 48];
		long status = 0;
		snprintf(path, sizeof path, "amendment/%zu", node_history(n)->n + 1);
		buf_reset(&b);
		if (client_url(url, sizeof url, p->party->url, path) || client_get(url, &b, &status, 10) || status != 200 ||
		    b.len > AMENDMENT_MAX_SIZE || node_adopt_amendment(n, b.data, b.len, 1) != 200)
			break;
		adopted++;
	}
	buf_release(&b);
	return adopted;
}

/* Brings the mirror of p up to the signed checkpoint cpnote. Call with p->lock held. */
static int sync_locked(struct node *n, struct peer *p, const uint8_t *cpnote, size_t len)
{
	struct checkpoint cp;
	struct note_verifier keys[HISTORY_NODE_KEYS_MAX];
	/* the mirror stores under every key the log has had; what it takes now must be by a key in force now */
	size_t nk = node_log_keys(n, p->party->node_key.name, keys);
	int rc = tlog_set_keys(p->mirror, keys, nk);
	if (rc)
		return rc;
	nk = node_log_keys_now(n, p->party->node_key.name, keys);
	rc = checkpoint_open_keys(&cp, cpnote, len, keys, nk, NULL);
	if (rc == ERR_VERIFY && catch_up_amendments(n, p)) {
		nk = node_log_keys(n, p->party->node_key.name, keys);
		if (!(rc = tlog_set_keys(p->mirror, keys, nk))) {
			nk = node_log_keys_now(n, p->party->node_key.name, keys);
			rc = checkpoint_open_keys(&cp, cpnote, len, keys, nk, NULL);
		}
	}
	if (rc)
		return rc;
	if (cp.size > p->remote_size)
		p->remote_size = cp.size;
	uint64_t have = tlog_size(p->mirror);
	if (cp.size <= have) {
		/* an older or the same checkpoint: nothing to fetch, but it must be in the log we hold */
		if ((rc = tileclient_sync(p->mirror, NULL, p->party->url, &cp, cpnote, len, NULL, 0, NULL, NULL))) {
			if (rc == ERR_VERIFY) /* a fork: keep the evidence */
				witness_keep_mirror_fork(n->witness, p->mirror, cpnote, len, (uint64_t)node_now());
			return err_wrap(rc, "%s", p->party->id);
		}
		keep_peer_checkpoint(n, p, cp.size, cpnote, len);
		return 0;
	}
	struct client_session *cs, *bcs = NULL; /* the tiles' (used by the tile client's thread), the bodies' */
	struct verified v = {have, cp.size - have, NULL};
	const struct charter_history *judged_under = node_history(n); /* the history feed_mirror verifies with */
	uint8_t *bits = calloc((size_t)(v.n / 8 + 1), 1);
	if (!bits)
		return err_set(ERR_NOMEM, "out of memory");
	v.bits = bits;
	if ((rc = client_session_open(&cs)) || (rc = client_session_open(&bcs))) {
		client_session_close(cs);
		free(bits);
		return rc;
	}
	/* the mirror publishes the log's signature and the newest cosignature by each cosigner the charter
	   names, nothing else: a checkpoint padded with lines must not reach our state */
	struct note_verifier vs[NODE_LOG_SIGNERS_MAX];
	size_t nv = node_log_signers(n, p->party->node_key.name, vs);
	struct buf clean;
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	rc = note_select(&clean, cpnote, len, vs, nv, NOTE_KEEP_NEWEST, NULL, NULL);
	struct bundle_feed *bf = rc ? NULL : calloc(1, sizeof *bf);
	if (!rc && !bf)
		rc = err_set(ERR_NOMEM, "out of memory");
	if (!rc) {
		*bf = (struct bundle_feed){.n = n, .p = p, .cs = bcs, .v = &v};
		struct tileclient_hooks h = {feed_mirror, feed_bundle_done, feed_before_commit, bf};
		rc = tileclient_sync(p->mirror, cs, p->party->url, &cp, cpnote, len, clean.data, clean.len, &h, NULL);
	}
	if (bf) /* before the new entries are judged: the ones after an amendment fall under it */
		adopt_amendments(n, p, bf, rc == 0); /* (a log that did not verify gives nothing) */
	if (node_history(n) != judged_under) /* feed_mirror judged them under the charters before it: judge again */
		memset(bits, 0, (size_t)(v.n / 8 + 1));
	free(bf);
	buf_release(&clean);
	client_session_close(cs);
	client_session_close(bcs);
	if (!rc) {
		pthread_mutex_lock(&n->cases_lock);
		node_catch_up(n, p->party->node_key.name, p->mirror, &v);
		pthread_mutex_unlock(&n->cases_lock);
		keep_peer_checkpoint(n, p, tlog_size(p->mirror), cpnote, len);
	}
	free(bits);
	if (rc) {
		/* Drop what was queued; a failed mirror commit needs a reopen (it recovers). */
		int keep = rc;
		char msg[512];
		snprintf(msg, sizeof msg, "%s", err_msg());
		tlog_discard(p->mirror);
		tlog_close(p->mirror);
		p->mirror = NULL;
		if (node_open_mirror(n, p))
			node_log("cannot reopen the mirror of %s: %s", p->party->id, err_msg());
		node_count(&n->m.sync_failures, 1);
		return err_set(keep, "syncing %s: %s", p->party->id, msg);
	}
	return 0;
}

int node_lock_peer_for_witness(struct node *n, struct peer *p)
{
	long ms = n->peer_lock_wait_ms > 0 ? n->peer_lock_wait_ms : NODE_PEER_LOCK_WAIT_MS;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	int e;
	while ((e = pthread_mutex_timedlock(&p->lock, &until)) == EINTR)
		;
	if (e == 0)
		return 0;
	return err_set(ERR_CONFLICT, "the mirror of %s is busy (a sync holds it for more than %ld ms): try again", p->party->id,
		       ms);
}

int node_witness_hook(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
			size_t len)
{
	struct node *n = ctx;
	(void)old;
	for (size_t i = 0; i < n->npeers; i++) {
		struct peer *p = &n->peers[i];
		if (strcmp(p->party->node_key.name, cp->origin))
			continue;
		int rc = node_lock_peer_for_witness(n, p);
		if (rc)
			return rc;
		rc = p->mirror ? sync_locked(n, p, note, len) : err_set(ERR_IO, "mirror unavailable");
		node_publish_sizes(p);
		pthread_mutex_unlock(&p->lock);
		return rc;
	}
	return err_set(ERR_USAGE, "not a peer log");
}

int node_cosign(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
		size_t note_len, struct buf *line)
{
	struct node *n = ctx;
	struct peer *p = node_peer_by_origin(n, cp->origin);
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t np = 0;
	int rc = 0;
	(void)old; /* the keeper's last cosigned size counts, not the witness state's */
	if (!p)
		return err_set(ERR_USAGE, "not a peer log");
	uint64_t from = keeper_client_cosigned(n->keeper, cp->origin);
	if (from > 0 && from < cp->size && !(rc = node_lock_peer_for_witness(n, p))) {
		rc = p->mirror ? tlog_prove_consistency(p->mirror, from, cp->size, proof, &np)
			       : err_set(ERR_IO, "mirror unavailable");
		pthread_mutex_unlock(&p->lock);
	}
	return rc ? rc : keeper_client_cosign(n->keeper, note, note_len, proof, np, line);
}

#define RECEIVED_CHUNK 256
_Static_assert(RECEIVED_CHUNK <= NODE_RUN_MAX, "a chunk of 'received' is made from one run of entries");

/*
 * The run's entries one at a time, after its bundles could not be read whole:
 * an entry that cannot be read is skipped (len[i] = SIZE_MAX), as the
 * recorder always did, and the others are still recorded.
 */
static void read_run_each(struct peer *p, uint64_t first, size_t k, struct buf *all, const uint8_t **data,
			  size_t *len)
{
	size_t off[RECEIVED_CHUNK];
	struct buf e;
	buf_init(&e, TLOG_ENTRY_MAX);
	buf_reset(all);
	for (size_t i = 0; i < k; i++) {
		off[i] = all->len;
		len[i] = SIZE_MAX;
		if (tlog_read_entry(p->mirror, first + i, &e) == 0 && buf_append(all, e.data, e.len) == 0)
			len[i] = e.len;
		else
			node_log("cannot read entry #%" PRIu64 " of the mirror of %s: %s", first + i, p->party->id, err_msg());
	}
	for (size_t i = 0; i < k; i++)
		data[i] = all->data + off[i]; /* after the appends: the buffer may have moved */
	buf_release(&e);
}

/*
 * 1 if entry i of p's log (parsed as e) deserves a 'received': valid (as
 * indexed when it was mirrored, else verified now) and not refused in its
 * case (docs/cases.md: such an envelope never counts, and a 'received' naming
 * it would not stand either). One still pending on an entry not fed yet is
 * received: delivery is a fact, and it counts once what it waits for comes.
 */
static int entry_valid(struct node *n, struct peer *p, uint64_t i, const struct envelope *e)
{
	pthread_mutex_lock(&n->cases_lock);
	const struct cases_env *ce = cases_entry(&n->cases, p->party->node_key.name, i);
	int known = ce != NULL, valid = ce && ce->valid && ce->standing != CASES_REFUSED;
	pthread_mutex_unlock(&n->cases_lock);
	return known ? valid : envelope_verify(e, node_charter_at(n, e->f.time)) == 0;
}

/*
 * Appends a node-signed 'received' for each envelope of p addressed to this party, up to size upto.
 * They are made RECEIVED_CHUNK at a time and submitted together, so a chunk costs one commit, not
 * one each; the first one that fails (other than a replay) stops the round, to be retried from it.
 */
void node_make_received(struct node *n, struct peer *p, uint64_t upto)
{
	struct buf run, text;
	const uint8_t *run_data[RECEIVED_CHUNK];
	size_t run_len[RECEIVED_CHUNK];
	struct buf *notes = malloc(RECEIVED_CHUNK * sizeof *notes);
	const uint8_t **data = malloc(RECEIVED_CHUNK * sizeof *data);
	size_t *len = malloc(RECEIVED_CHUNK * sizeof *len);
	uint64_t *src = malloc(RECEIVED_CHUNK * sizeof *src), *idx = malloc(RECEIVED_CHUNK * sizeof *idx);
	int *rcs = malloc(RECEIVED_CHUNK * sizeof *rcs);
	if (!notes || !data || !len || !src || !idx || !rcs) {
		node_log("cannot record deliveries of %s: out of memory", p->party->id);
		goto out;
	}
	buf_init(&run, (size_t)RECEIVED_CHUNK * TLOG_ENTRY_MAX);
	buf_init(&text, ENVELOPE_MAX_SIZE);
	for (size_t k = 0; k < RECEIVED_CHUNK; k++)
		buf_init(&notes[k], ENVELOPE_MAX_SIZE);
	pthread_mutex_lock(&p->lock);
	if (!p->mirror || upto > tlog_size(p->mirror))
		upto = p->mirror ? tlog_size(p->mirror) : 0;
	int stop = 0;
	for (uint64_t i = p->received_upto; i < upto && !stop;) {
		size_t k = 0;
		/* the next entries, read a bundle at a time (not a bundle read per entry) */
		uint64_t run_first = i;
		size_t run_n = upto - i < RECEIVED_CHUNK ? (size_t)(upto - i) : RECEIVED_CHUNK;
		if (node_read_run(p->mirror, run_first, run_n, &run, run_data, run_len))
			read_run_each(p, run_first, run_n, &run, run_data, run_len);
		int rc = 0;
		for (; i < run_first + run_n && k < RECEIVED_CHUNK; i++) {
			struct envelope e;
			const uint8_t *ed = run_data[i - run_first];
			size_t el = run_len[i - run_first];
			if (el == SIZE_MAX || envelope_parse(&e, ed, el))
				continue;
			int mine = e.f.kind != ENV_RECEIVED && addressed_to_me(n, &e.f) && entry_valid(n, p, i, &e);
			struct envelope_fields r;
			memset(&r, 0, sizeof r);
			if (mine) {
				snprintf(r.channel, sizeof r.channel, "%s", n->charter.id_hex);
				snprintf(r.from, sizeof r.from, "%s", n->me->id);
				snprintf(r.to[0], sizeof r.to[0], "%s", e.f.from);
				r.nto = 1;
				snprintf(r.case_id, sizeof r.case_id, "%s", e.f.case_id);
				r.kind = ENV_RECEIVED;
				r.time = node_now();
				r.has_ref = 1;
				snprintf(r.ref.origin, sizeof r.ref.origin, "%s", p->party->node_key.name);
				r.ref.index = i;
				merkle_leaf_hash(ed, el, r.ref.leaf);
			}
			envelope_release(&e);
			if (!mine)
				continue;
			buf_reset(&text);
			buf_reset(&notes[k]);
			rc = envelope_format(&r, &text);
			if (!rc)
				rc = keeper_client_sign_received(n->keeper, text.data, text.len, ed, el,
								 &notes[k]);
			if (rc)
				break; /* i stays: made again next round */
			data[k] = notes[k].data;
			len[k] = notes[k].len;
			src[k++] = i;
		}
		char msg[512] = "";
		if (rc)
			snprintf(msg, sizeof msg, "%s", err_msg());
		uint64_t next = i; /* every envelope below it is handled, unless one fails */
		char smsg[512] = "";
		if (k && sequencer_submit_many(n->seq, k, data, len, idx, rcs))
			snprintf(smsg, sizeof smsg, "%s", err_msg()); /* the first failure's, which stops us */
		for (size_t j = 0; j < k; j++) {
			if (rcs[j] && rcs[j] != ERR_CONFLICT) {
				node_log("cannot record delivery of %s #%" PRIu64 ": %s", p->party->id, src[j], smsg);
				next = src[j]; /* retried by the poller */
				stop = 1;
				break;
			}
			node_count(&n->m.received_made, 1);
		}
		if (rc && !stop) {
			node_log("cannot record delivery of %s #%" PRIu64 ": %s", p->party->id, i, msg);
			stop = 1;
		}
		p->received_upto = next;
	}
	pthread_mutex_unlock(&p->lock);
	buf_release(&run);
	buf_release(&text);
	for (size_t k = 0; k < RECEIVED_CHUNK; k++)
		buf_release(&notes[k]);
out:
	free(notes);
	free(data);
	free(len);
	free(src);
	free(idx);
	free(rcs);
}


void node_h_add_checkpoint(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	int status;
	const char *ct;
	int rc = witness_add_checkpoint(n->witness, req->body, req->body_len, (uint64_t)node_now(), &status, &ct,
					&resp->body);
	resp->status = rc && status == 200 ? 500 : status;
	resp->content_type = ct;
	if (status != 200)
		return;
	/* Cosigned: now record the deliveries it covers. */
	struct note nt;
	struct checkpoint cp;
	struct witness_request wr;
	if (witness_request_parse(&wr, req->body, req->body_len) || note_parse(&nt, wr.checkpoint, wr.checkpoint_len))
		return;
	if (!checkpoint_parse_text(&cp, nt.data, nt.text_len))
		for (size_t i = 0; i < n->npeers; i++)
			if (!strcmp(n->peers[i].party->node_key.name, cp.origin)) {
				/* our cosignature: the time is in the response's timestamp */
				struct note_verifier me = n->me->node_cosigner;
				struct buf full;
				struct note cn;
				uint64_t when = 0;
				int ok = 0;
				/*
				 * The checkpoint's text and our line only: the request may carry up to 63
				 * other lines, and with ours the note would have more than the 64 a note
				 * may have (then the cosignature the peer holds would go unrecorded here).
				 */
				buf_init(&full, CHECKPOINT_MAX_SIZE + 4096);
				buf_append(&full, nt.data, nt.text_len);
				buf_append_byte(&full, '\n');
				buf_append(&full, resp->body.data, resp->body.len);
				if (note_parse(&cn, full.data, full.len) == 0) {
					note_verify(&cn, &me, 1, &ok, &when);
					note_release(&cn);
				}
				buf_release(&full);
				if (ok)
					node_record_cosignature(n, cp.origin, cp.size, me.name, (int64_t)when);
				/* the deliveries are recorded after the answer, so the cosignature (the sender's receipt) is not held up */
				pthread_mutex_lock(&n->rec_lock);
				n->rec_pending = 1;
				pthread_cond_signal(&n->rec_cond);
				pthread_mutex_unlock(&n->rec_lock);
			}
	note_release(&nt);
}

/* Appends the 'received' envelopes for what each peer's cosigned checkpoints cover, when woken. */
void *node_recorder_main(void *arg)
{
	struct node *n = arg;
	pthread_mutex_lock(&n->rec_lock);
	for (;;) {
		while (!n->rec_pending && !n->stopping)
			pthread_cond_wait(&n->rec_cond, &n->rec_lock);
		if (n->stopping)
			break;
		n->rec_pending = 0;
		pthread_mutex_unlock(&n->rec_lock);
		for (size_t i = 0; i < n->npeers; i++) {
			struct checkpoint latest;
			if (witness_latest(n->witness, n->peers[i].party->node_key.name, &latest, NULL) == 0)
				node_make_received(n, &n->peers[i], latest.size);
		}
		pthread_mutex_lock(&n->rec_lock);
	}
	pthread_mutex_unlock(&n->rec_lock);
	return NULL;
}


/* ---- polling peers (catch-up) ---- */

/*
 * The mandate's warnings (exchange/term.h) under the charter in force now:
 * logged when they change, and again once a day while they hold.
 */
static void term_log(struct node *n, char *said, size_t len, int64_t *said_at)
{
	char now_text[1024];
	int64_t now = node_now();
	term_warnings(node_charter_at(n, now), now, now_text, sizeof now_text);
	if (!strcmp(now_text, said) && now - *said_at < 86400)
		return;
	snprintf(said, len, "%s", now_text);
	*said_at = now;
	for (char *line = now_text, *nl; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = 0;
		node_log("%s", line);
	}
}

void *node_poller_main(void *arg)
{
	struct node *n = arg;
	struct buf cpnote;
	buf_init(&cpnote, CHECKPOINT_MAX_SIZE);
	unsigned every = n->o.poll_s ? n->o.poll_s : 5;
	char said[1024] = "";
	int64_t said_at = 0;
	while (!n->stopping) {
		term_log(n, said, sizeof said, &said_at);
		for (size_t i = 0; i < n->npeers && !n->stopping; i++) {
			struct peer *p = &n->peers[i];
			char url[SYNTAX_URL_MAX + 32], why[512] = "";
			long status = 0;
			if (client_url(url, sizeof url, p->party->url, "checkpoint") || client_get(url, &cpnote, &status, 10))
				snprintf(why, sizeof why, "%s", err_msg());
			else if (status != 200)
				snprintf(why, sizeof why, "GET %s: HTTP %ld", url, status);
			else {
				pthread_mutex_lock(&p->lock);
				if (p->mirror && sync_locked(n, p, cpnote.data, cpnote.len))
					snprintf(why, sizeof why, "%s", err_msg());
				node_publish_sizes(p);
				pthread_mutex_unlock(&p->lock);
			}
			/* logged when it starts failing and when it recovers, not at every poll */
			if (why[0]) {
				node_count(&p->sync_failures, 1);
				if (!p->sync_failing)
					node_event(LOGLINE_WARN, "sync_failed", "peer", p->party->id, "error", why, LOGLINE_END);
				p->sync_failing = 1;
			} else if (p->sync_failing) {
				char count[24];
				snprintf(count, sizeof count, "%" PRIu64, node_counter(&p->sync_failures));
				node_event(LOGLINE_INFO, "sync_recovered", "peer", p->party->id, "failures_total", count, LOGLINE_END);
				p->sync_failing = 0;
			}
			struct checkpoint latest;
			if (witness_latest(n->witness, p->party->node_key.name, &latest, NULL) == 0)
				node_make_received(n, p, latest.size);
		}
		for (unsigned s = 0; s < every * 10 && !n->stopping; s++)
			usleep(100000);
	}
	buf_release(&cpnote);
	return NULL;
}

