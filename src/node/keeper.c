/*
 * keeper — the node's signer process: the request format, the checks, the
 * durable state, the loop. The contract is in keeper.h; docs/keeper.md says why.
 */
#include "node/keeper.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/logline.h"
#include "crypto/keyfile.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "exchange/history.h"
#include "exchange/syntax.h"
#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the message format ---- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Takes a u32-length-prefixed field of at most max bytes at *pos. */
static int take_field(const uint8_t *msg, size_t len, size_t *pos, size_t max, const char *what, const uint8_t **out,
		      size_t *out_len)
{
	if (len - *pos < 4)
		return err_set(ERR_FORMAT, "keeper request: the %s's length is missing", what);
	uint32_t n = get32(msg + *pos);
	*pos += 4;
	if (n > max)
		return err_set(ERR_LIMIT, "keeper request: the %s has %" PRIu32 " bytes, more than %zu", what, n, max);
	if (len - *pos < n)
		return err_set(ERR_FORMAT, "keeper request: the %s is cut short (%zu of %" PRIu32 " bytes)", what,
			       len - *pos, n);
	*out = msg + *pos;
	*out_len = n;
	*pos += n;
	return 0;
}

int keeper_request_parse(struct keeper_request *r, const uint8_t *msg, size_t len)
{
	memset(r, 0, sizeof *r);
	if (len == 0)
		return err_set(ERR_FORMAT, "keeper request: empty message");
	if (len > KEEPER_MSG_MAX)
		return err_set(ERR_LIMIT, "keeper request: %zu bytes, more than %d", len, KEEPER_MSG_MAX);
	size_t pos = 1;
	int rc = 0;
	r->op = msg[0];
	switch (r->op) {
	case KEEPER_STATUS:
	case KEEPER_RELOAD:
		break;
	case KEEPER_SIGN_CHECKPOINT:
		rc = take_field(msg, len, &pos, KEEPER_TEXT_MAX, "checkpoint text", &r->text, &r->text_len);
		break;
	case KEEPER_COSIGN:
		if (len < 2)
			return err_set(ERR_FORMAT, "keeper request: the proof's length is missing");
		r->nproof = msg[1];
		pos = 2;
		if (r->nproof > KEEPER_PROOF_MAX)
			return err_set(ERR_LIMIT, "keeper request: a proof of %zu hashes, more than %d", r->nproof,
				       KEEPER_PROOF_MAX);
		if (len - pos < r->nproof * MERKLE_HASH)
			return err_set(ERR_FORMAT, "keeper request: the proof is cut short");
		for (size_t i = 0; i < r->nproof; i++, pos += MERKLE_HASH)
			memcpy(r->proof[i], msg + pos, MERKLE_HASH);
		rc = take_field(msg, len, &pos, KEEPER_TEXT_MAX, "checkpoint", &r->text, &r->text_len);
		break;
	case KEEPER_SIGN_RECEIVED:
		rc = take_field(msg, len, &pos, KEEPER_TEXT_MAX, "record text", &r->text, &r->text_len);
		if (!rc)
			rc = take_field(msg, len, &pos, KEEPER_ENTRY_MAX, "entry", &r->entry, &r->entry_len);
		break;
	default:
		return err_set(ERR_FORMAT, "keeper request: unknown operation %u", (unsigned)r->op);
	}
	if (!rc && pos != len)
		rc = err_set(ERR_FORMAT, "keeper request: %zu bytes after the request", len - pos);
	return rc;
}

static int append_field(struct buf *out, const uint8_t *p, size_t n, size_t max)
{
	uint8_t l[4];
	if (n > max)
		return err_set(ERR_LIMIT, "keeper request: a field of %zu bytes, more than %zu", n, max);
	put32(l, (uint32_t)n);
	int rc = buf_append(out, l, 4);
	return rc ? rc : buf_append(out, p, n);
}

int keeper_request_format(struct buf *out, const struct keeper_request *r)
{
	int rc = buf_append_byte(out, r->op);
	switch (r->op) {
	case KEEPER_SIGN_CHECKPOINT:
		return rc ? rc : append_field(out, r->text, r->text_len, KEEPER_TEXT_MAX);
	case KEEPER_COSIGN:
		if (r->nproof > KEEPER_PROOF_MAX)
			return err_set(ERR_LIMIT, "keeper request: a proof of %zu hashes", r->nproof);
		if (!rc)
			rc = buf_append_byte(out, (uint8_t)r->nproof);
		for (size_t i = 0; i < r->nproof && !rc; i++)
			rc = buf_append(out, r->proof[i], MERKLE_HASH);
		return rc ? rc : append_field(out, r->text, r->text_len, KEEPER_TEXT_MAX);
	case KEEPER_SIGN_RECEIVED:
		if (!rc)
			rc = append_field(out, r->text, r->text_len, KEEPER_TEXT_MAX);
		return rc ? rc : append_field(out, r->entry, r->entry_len, KEEPER_ENTRY_MAX);
	default:
		return rc;
	}
}

/* ---- the keeper ---- */

struct held {
	int have;
	uint64_t size;
	merkle_hash root;
};

struct kpeer {
	const struct charter_party *party;
	char dir[PATH_MAX];
	int dirfd;                 /* the mirror, opened when first needed */
	struct tile_reader *reader;
	struct held cosigned;
	struct buf seen;           /* the mirror's checkpoint file as last verified, */
	struct checkpoint seen_cp; /* and what it said: the same bytes again need no new verification */
};

/* A node key the keeper holds: DIR/node.key, and DIR/node.key.next once an operator put it there. */
struct held_key {
	struct keyfile kf;
	struct note_signer cosigner; /* the same secret as a cosigner (0x04) */
	struct note_verifier v;      /* its Ed25519 verifier */
};
#define KEEPER_KEYS 2

struct keeper {
	char dir[PATH_MAX - 256];
	struct held_key keys[KEEPER_KEYS];
	size_t nkeys;
	struct note_verifier vkey;   /* keys[0]'s: its name is our log's origin */
	struct charter charter;
	struct charter_history hist; /* the founding charter and DIR/amendments, each checked here */
	int64_t handover;            /* seconds around a rotation when both keys sign and count (the node's --max-skew) */
	const struct charter_party *me;
	struct kpeer peers[CHARTER_MAX_PARTIES];
	size_t npeers;
	struct held signed_;       /* our log */
	int log_fd;
	struct tile_reader *log_reader;
	char state_path[PATH_MAX];
	int state_fd;
	uint64_t seq;              /* the state record's sequence number */
};

static void event(int signed_, const char *kind, const char *log, uint64_t size, const char *why)
{
	char sz[24];
	snprintf(sz, sizeof sz, "%" PRIu64, size);
	if (signed_)
		logline_event(LOGLINE_INFO, "keeper_signed", "kind", kind, "log", log, "size", sz, LOGLINE_END);
	else
		logline_event(LOGLINE_WARN, "keeper_refused", "kind", kind, "log", log, "size", sz, "reason", why,
			      LOGLINE_END);
}

/* ---- node keys over time (docs/amendments.md, "Rotating a node key") ---- */

/*
 * Our held keys in force at some instant within slack of t, at most
 * KEEPER_KEYS, into out: with slack 0 the one in force at t (if held), with
 * NODE_KEY_HANDOVER both keys around a rotation.
 */
static size_t keys_near(const struct keeper *k, int64_t t, int64_t slack, const struct held_key **out)
{
	struct note_verifier v[HISTORY_NODE_KEYS_MAX];
	size_t nv = history_node_keys_near(&k->hist, k->vkey.name, t, slack, v, HISTORY_NODE_KEYS_MAX), n = 0;
	for (size_t i = 0; i < nv; i++)
		for (size_t j = 0; j < k->nkeys; j++) {
			int dup = 0;
			for (size_t m = 0; m < n; m++)
				dup |= out[m] == &k->keys[j];
			if (!dup && n < KEEPER_KEYS && !memcmp(v[i].pub, k->keys[j].v.pub, 32))
				out[n++] = &k->keys[j];
		}
	return n;
}

/* The one key of ours in force at t, or NULL (ERR_VERIFY set: which key is missing). */
static const struct held_key *key_at(const struct keeper *k, int64_t t)
{
	const struct held_key *h[KEEPER_KEYS];
	if (keys_near(k, t, 0, h))
		return h[0];
	char when[21];
	syntax_format_time(t, when);
	err_set(ERR_VERIFY, "the keeper does not hold our node key in force at %s: put it at %s/node.key.next "
			    "(docs/amendments.md, \"Rotating a node key\")", when, k->dir);
	return NULL;
}

/* A log's node keys (every one it has had if slack < 0, else those near t), into v (HISTORY_NODE_KEYS_MAX). */
static size_t log_keys(const struct keeper *k, const char *origin, int64_t t, int64_t slack, struct note_verifier *v)
{
	if (slack >= 0)
		return history_node_keys_near(&k->hist, origin, t, slack, v, HISTORY_NODE_KEYS_MAX);
	struct node_key_span s[HISTORY_NODE_KEYS_MAX];
	size_t n = history_node_keys(&k->hist, origin, s, HISTORY_NODE_KEYS_MAX);
	for (size_t i = 0; i < n; i++)
		v[i] = s[i].key;
	return n;
}

/*
 * 1 if held key h signs nothing any more: every span of it in our log's
 * history ended longer ago than the hand-over and the 'received' skew (the
 * widest a request may reach back), or no amendment names it (a
 * node.key.next the operator replaced before posting its amendment).
 */
static int retired_for_good(const struct keeper *k, const struct held_key *h, int64_t now)
{
	struct node_key_span s[HISTORY_NODE_KEYS_MAX];
	size_t n = history_node_keys(&k->hist, k->vkey.name, s, HISTORY_NODE_KEYS_MAX);
	for (size_t i = 0; i < n; i++)
		if (!memcmp(s[i].key.pub, h->v.pub, 32) && s[i].until > now - k->handover - KEEPER_TIME_SKEW)
			return 0;
	return 1;
}

/*
 * Reads DIR/<name> as a held key (of our log's name). ERR_NOTFOUND when
 * absent. A key held already adds nothing. With KEEPER_KEYS held, a held key
 * retired for good (retired_for_good) makes room: a second rotation needs no
 * restart; with none, ERR_LIMIT naming what to do.
 */
static int load_key(struct keeper *k, const char *name)
{
	char path[PATH_MAX + 32];
	struct held_key nk;
	memset(&nk, 0, sizeof nk);
	snprintf(path, sizeof path, "%s/%s", k->dir, name);
	int rc = keyfile_read(&nk.kf, path);
	if (rc)
		return rc;
	note_verifier_from_signer(&nk.v, &nk.kf.sign, NOTE_ED25519);
	int dup = 0;
	for (size_t i = 0; i < k->nkeys; i++)
		dup |= !memcmp(k->keys[i].v.pub, nk.v.pub, 32);
	size_t slot = k->nkeys;
	if (!dup && k->nkeys && strcmp(nk.v.name, k->vkey.name))
		rc = err_set(ERR_USAGE, "%s is a key named '%s', not our log's name '%s': a rotated node key keeps the "
					"name", path, nk.v.name, k->vkey.name);
	if (!rc && !dup && slot == KEEPER_KEYS) {
		int64_t now = (int64_t)time(NULL);
		for (slot = 0; slot < KEEPER_KEYS && !retired_for_good(k, &k->keys[slot], now); slot++)
			;
		if (slot == KEEPER_KEYS)
			rc = err_set(ERR_LIMIT, "%s is a third node key while both keys the keeper holds are still in force "
						"or to come: restart the node once the rotation before is over, with the key "
						"in force at node.key (docs/amendments.md, \"Rotating a node key\")", path);
	}
	if (!rc && !dup)
		rc = note_signer_retype(&nk.cosigner, &nk.kf.sign, NOTE_COSIGNATURE);
	if (rc || dup) {
		keyfile_release(&nk.kf);
		return rc;
	}
	if (slot < k->nkeys) { /* the key it replaces signs nothing any more */
		note_signer_release(&k->keys[slot].cosigner);
		keyfile_release(&k->keys[slot].kf);
	} else {
		k->nkeys++;
	}
	k->keys[slot] = nk;
	return 0;
}

/*
 * The state file: two slots of STATE_SLOT bytes, each a text record closed by the
 * SHA-256 of its bytes and padded with NULs. An update writes the slot the
 * current one is not in (by the sequence number) and fdatasyncs once: a write
 * torn by a crash leaves the other slot whole, and it was the state when the
 * last answer left (answers leave only after the sync).
 */
#define STATE_SLOT 8192
#define STATE_HEAD "parley keeper state v1\n"

static int format_slot(struct keeper *k, uint64_t seq, const struct held *ours, const struct kpeer *changed,
		       const struct held *cos, struct buf *b)
{
	char hex[2 * MERKLE_HASH + 1];
	uint8_t sum[32];
	size_t start = b->len;
	int rc = buf_printf(b, STATE_HEAD "seq %" PRIu64 "\n", seq);
	if (ours->have) {
		hex_encode(hex, ours->root, MERKLE_HASH);
		rc = rc ? rc : buf_printf(b, "signed %s %" PRIu64 " %s\n", k->vkey.name, ours->size, hex);
	}
	for (size_t i = 0; i < k->npeers && !rc; i++) {
		const struct held *h = &k->peers[i] == changed ? cos : &k->peers[i].cosigned;
		if (!h->have)
			continue;
		hex_encode(hex, h->root, MERKLE_HASH);
		rc = buf_printf(b, "cosigned %s %" PRIu64 " %s\n", k->peers[i].party->node_key.name, h->size, hex);
	}
	sha256(b->data + start, b->len - start, sum);
	hex_encode(hex, sum, 32);
	rc = rc ? rc : buf_printf(b, "sum %s\n", hex);
	if (!rc && b->len - start > STATE_SLOT)
		rc = err_set(ERR_LIMIT, "keeper state of %zu bytes", b->len - start);
	while (!rc && b->len - start < STATE_SLOT)
		rc = buf_append_byte(b, 0);
	return rc;
}

static int write_state(struct keeper *k, const struct held *ours, const struct kpeer *changed, const struct held *cos)
{
	struct buf b;
	buf_init(&b, STATE_SLOT);
	uint64_t seq = k->seq + 1;
	int rc = format_slot(k, seq, ours, changed, cos, &b);
	if (!rc && (pwrite(k->state_fd, b.data, b.len, (off_t)(seq & 1) * STATE_SLOT) != (ssize_t)b.len ||
		    fdatasync(k->state_fd) != 0))
		rc = err_set(ERR_IO, "%s", strerror(errno));
	buf_release(&b);
	if (!rc)
		k->seq = seq;
	return rc ? err_wrap(rc, "keeper state %s", k->state_path) : 0;
}

/* Parses one "<origin> <size> <root hex>" line into h, if origin is name: 1; 0 another origin; ERR_FORMAT. */
static int state_line(const char *line, size_t len, const char *name, struct held *h)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *sp3;
	size_t nl = strlen(name);
	if (!sp1 || (size_t)(sp1 - line) != nl || memcmp(line, name, nl))
		return 0;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2)
		return ERR_FORMAT;
	sp3 = line + len;
	if (dec_u64(sp1 + 1, (size_t)(sp2 - sp1 - 1), &h->size) ||
	    hex_decode(h->root, MERKLE_HASH, sp2 + 1, (size_t)(sp3 - sp2 - 1)))
		return ERR_FORMAT;
	h->have = 1;
	return 1;
}

struct snapshot {
	uint64_t seq;
	struct held signed_, cosigned[CHARTER_MAX_PARTIES];
};

/* One slot: 0 and *out filled if it is whole (its sum matches) and every line is understood; else non-zero. */
static int parse_slot(struct keeper *k, const uint8_t *slot, struct snapshot *out)
{
	memset(out, 0, sizeof *out);
	const uint8_t *z = memchr(slot, 0, STATE_SLOT);
	size_t len = z ? (size_t)(z - slot) : STATE_SLOT;
	for (size_t i = len; i < STATE_SLOT; i++)
		if (slot[i])
			return ERR_FORMAT;
	/* the last line is "sum <64 hex>\n" over everything before it */
	if (len < strlen(STATE_HEAD) + 69 || memcmp(slot, STATE_HEAD, strlen(STATE_HEAD)) ||
	    memcmp(slot + len - 69, "sum ", 4) || slot[len - 1] != '\n' || slot[len - 70] != '\n')
		return ERR_FORMAT;
	uint8_t sum[32], want[32];
	sha256(slot, len - 69, sum);
	if (hex_decode(want, 32, (const char *)slot + len - 65, 64) || memcmp(sum, want, 32))
		return ERR_FORMAT;
	const char *p = (const char *)slot + strlen(STATE_HEAD), *end = (const char *)slot + len - 69;
	int seq = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		int found = 0;
		if (!seq && n > 4 && !memcmp(p, "seq ", 4))
			found = seq = dec_u64(p + 4, n - 4, &out->seq) == 0;
		else if (n > 7 && !memcmp(p, "signed ", 7))
			found = state_line(p + 7, n - 7, k->vkey.name, &out->signed_);
		else if (n > 9 && !memcmp(p, "cosigned ", 9))
			for (size_t i = 0; i < k->npeers && !found; i++)
				found = state_line(p + 9, n - 9, k->peers[i].party->node_key.name, &out->cosigned[i]);
		if (found != 1)
			return ERR_FORMAT;
		p = nl + 1;
	}
	return seq && out->signed_.have ? 0 : ERR_FORMAT;
}

static int read_state(struct keeper *k)
{
	struct buf b;
	struct snapshot s[2];
	buf_init(&b, 2 * STATE_SLOT);
	int rc = file_read(k->state_path, 2 * STATE_SLOT, &b);
	if (rc == ERR_LIMIT || (!rc && b.len != 2 * STATE_SLOT))
		rc = err_set(ERR_FORMAT, "%s: not a keeper state file (%zu bytes)", k->state_path, b.len);
	if (rc) {
		buf_release(&b);
		return rc;
	}
	int ok0 = parse_slot(k, b.data, &s[0]) == 0, ok1 = parse_slot(k, b.data + STATE_SLOT, &s[1]) == 0;
	buf_release(&b);
	if (!ok0 && !ok1)
		return err_set(ERR_FORMAT, "%s: damaged (neither of its two records is whole): the keeper will not guess "
					   "what it signed (docs/keeper.md)", k->state_path);
	const struct snapshot *use = ok0 && (!ok1 || s[0].seq > s[1].seq) ? &s[0] : &s[1];
	k->seq = use->seq;
	k->signed_ = use->signed_;
	for (size_t i = 0; i < k->npeers; i++)
		k->peers[i].cosigned = use->cosigned[i];
	k->state_fd = open(k->state_path, O_RDWR | O_CLOEXEC);
	return k->state_fd < 0 ? err_set(ERR_IO, "%s: %s", k->state_path, strerror(errno)) : 0;
}

/*
 * The first state of a peer: the checkpoint the node's witness cosigned last
 * (DIR/witness/logs/<sha256(origin) hex>), if the peer's signature and our
 * own cosignature both verify on it: we vouched for it already. Else none (the
 * next one is trusted on first use).
 */
static void first_cosigned(struct keeper *k, struct kpeer *p)
{
	char path[PATH_MAX + 128], hex[65];
	uint8_t h[32];
	struct buf b;
	struct note n;
	struct checkpoint cp;
	struct note_verifier ours[KEEPER_KEYS], theirs[HISTORY_NODE_KEYS_MAX];
	for (size_t i = 0; i < k->nkeys; i++)
		note_verifier_from_signer(&ours[i], &k->keys[i].cosigner, NOTE_COSIGNATURE);
	size_t nt = log_keys(k, p->party->node_key.name, 0, -1, theirs);
	sha256(p->party->node_key.name, strlen(p->party->node_key.name), h);
	hex_encode(hex, h, 32);
	snprintf(path, sizeof path, "%s/witness/logs/%s", k->dir, hex);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	if (file_read(path, CHECKPOINT_MAX_SIZE, &b) == 0 &&
	    checkpoint_open_keys(&cp, b.data, b.len, theirs, nt, &n) == 0) {
		if (note_verify(&n, ours, k->nkeys, NULL, NULL) == 0) {
			p->cosigned.have = 1;
			p->cosigned.size = cp.size;
			memcpy(p->cosigned.root, cp.root, MERKLE_HASH);
		}
		note_release(&n);
	}
	buf_release(&b);
}

/*
 * The first state: our log's checkpoint on disk, which must verify with our
 * key (trust on first use), and per peer what the witness cosigned last.
 */
static int init_state(struct keeper *k)
{
	char path[PATH_MAX + 32];
	struct buf b;
	struct checkpoint cp;
	snprintf(path, sizeof path, "%s/log/checkpoint", k->dir);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	struct note_verifier ours[HISTORY_NODE_KEYS_MAX];
	size_t no = log_keys(k, k->vkey.name, 0, -1, ours);
	int rc = file_read(path, CHECKPOINT_MAX_SIZE, &b);
	if (!rc)
		rc = checkpoint_open_keys(&cp, b.data, b.len, ours, no, NULL);
	buf_release(&b);
	if (rc)
		return err_wrap(rc, "keeper: the first state comes from %s", path);
	k->signed_.have = 1;
	k->signed_.size = cp.size;
	memcpy(k->signed_.root, cp.root, MERKLE_HASH);
	for (size_t i = 0; i < k->npeers; i++)
		first_cosigned(k, &k->peers[i]);
	/* the record in slot 1 (sequence 1), slot 0 empty; created whole and durable (fsync, rename) */
	struct buf file;
	buf_init(&file, 2 * STATE_SLOT);
	rc = buf_reserve(&file, STATE_SLOT);
	if (!rc) {
		memset(file.data, 0, STATE_SLOT);
		file.len = STATE_SLOT;
		rc = format_slot(k, 1, &k->signed_, NULL, NULL, &file);
	}
	if (!rc)
		rc = file_write_atomic(k->state_path, file.data, file.len, 0600, 1);
	buf_release(&file);
	if (!rc)
		rc = read_state(k);
	if (!rc)
		event(1, "first_state", k->vkey.name, cp.size, NULL);
	for (size_t i = 0; i < k->npeers && !rc; i++)
		if (k->peers[i].cosigned.have)
			event(1, "first_state", k->peers[i].party->node_key.name, k->peers[i].cosigned.size, NULL);
	return rc;
}

int keeper_open(struct keeper **out, const char *dir)
{
	*out = NULL;
	struct keeper *k = calloc(1, sizeof *k);
	char path[PATH_MAX + 64];
	int rc;
	if (!k)
		return err_set(ERR_NOMEM, "out of memory");
	k->log_fd = -1;
	k->state_fd = -1;
	k->handover = NODE_KEY_HANDOVER;
	for (size_t i = 0; i < CHARTER_MAX_PARTIES; i++) {
		k->peers[i].dirfd = -1;
		buf_init(&k->peers[i].seen, CHECKPOINT_MAX_SIZE);
	}
	if (strlen(dir) >= sizeof k->dir) {
		free(k);
		return err_set(ERR_USAGE, "node directory path is too long");
	}
	snprintf(k->dir, sizeof k->dir, "%s", dir);
	if ((rc = load_key(k, "node.key")))
		goto fail;
	k->vkey = k->keys[0].v;
	snprintf(path, sizeof path, "%s/charter", dir);
	if ((rc = charter_load(&k->charter, path))) {
		rc = err_wrap(rc, "%s", path);
		goto fail;
	}
	if (!charter_complete(&k->charter)) {
		rc = err_set(ERR_USAGE, "%s is not signed by every party", path);
		goto fail;
	}
	history_init(&k->hist, &k->charter);
	if ((rc = history_load_dir(&k->hist, dir))) {
		rc = err_wrap(rc, "%s/amendments", dir);
		goto fail;
	}
	/* node.key: one of the keys the charter or an amendment gives our party (its name is our log's) */
	k->me = charter_party_of_log(&k->charter, k->vkey.name);
	struct note_verifier ours[HISTORY_NODE_KEYS_MAX];
	size_t no = k->me ? log_keys(k, k->vkey.name, 0, -1, ours) : 0, i;
	for (i = 0; i < no && memcmp(ours[i].pub, k->vkey.pub, 32); i++)
		;
	if (i == no) {
		rc = err_set(ERR_USAGE, "%s/node.key is not a node key of any party in the charter or its amendments", dir);
		goto fail;
	}
	/* node.key.next: the key an amendment rotates ours to (held before that amendment is given to the node) */
	if ((rc = load_key(k, "node.key.next")) == ERR_NOTFOUND)
		rc = 0;
	if (rc)
		goto fail;
	for (i = 0; i < k->charter.nparties; i++) {
		if (&k->charter.parties[i] == k->me)
			continue;
		struct kpeer *p = &k->peers[k->npeers++];
		p->party = &k->charter.parties[i];
		snprintf(p->dir, sizeof p->dir, "%s/peers/%s", dir, p->party->id);
	}
	snprintf(path, sizeof path, "%s/keeper", dir);
	if ((rc = mkdir_p(path, 0700)))
		goto fail;
	snprintf(k->state_path, sizeof k->state_path, "%s/keeper/state", dir);
	rc = read_state(k);
	if (rc == ERR_NOTFOUND)
		rc = init_state(k);
	if (rc)
		goto fail;
	*out = k;
	return 0;
fail:
	keeper_close(k);
	return rc;
}

void keeper_set_handover(struct keeper *k, int64_t seconds)
{
	k->handover = seconds;
}

void keeper_close(struct keeper *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < CHARTER_MAX_PARTIES; i++) {
		if (k->peers[i].dirfd >= 0)
			close(k->peers[i].dirfd);
		free(k->peers[i].reader);
		buf_release(&k->peers[i].seen);
	}
	if (k->log_fd >= 0)
		close(k->log_fd);
	if (k->state_fd >= 0)
		close(k->state_fd);
	free(k->log_reader);
	for (size_t i = 0; i < k->nkeys; i++) {
		note_signer_release(&k->keys[i].cosigner);
		keyfile_release(&k->keys[i].kf);
	}
	if (k->hist.founding)
		history_release(&k->hist);
	charter_release(&k->charter);
	free(k);
}

/* A tile reader on the directory (opened once into *fd), at size. */
static int reader_at(const char *dir, int *fd, struct tile_reader **r, uint64_t size, struct merkle_source *src)
{
	if (*fd < 0 && (*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	if (!*r) {
		if (!(*r = malloc(sizeof **r)))
			return err_set(ERR_NOMEM, "out of memory");
		tile_reader_init(*r, *fd, size);
	} else {
		tile_reader_resize(*r, size);
	}
	tile_reader_source(*r, src);
	return 0;
}

static int answer_ok(struct buf *answer, const uint8_t *p, size_t n)
{
	buf_reset(answer);
	int rc = buf_append_byte(answer, 0);
	return rc ? rc : buf_append(answer, p, n);
}

static int sign_checkpoint(struct keeper *k, const struct keeper_request *r, struct buf *answer)
{
	struct checkpoint cp;
	struct buf canon, note;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	int rc;
	if ((rc = checkpoint_parse_text(&cp, (const char *)r->text, r->text_len)))
		return err_wrap(rc, "not a checkpoint");
	buf_init(&canon, CHECKPOINT_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	if ((rc = checkpoint_format_text(&cp, &canon)) || canon.len != r->text_len ||
	    memcmp(canon.data, r->text, canon.len)) {
		rc = err_set(ERR_FORMAT, "the checkpoint text is not exactly origin, size and root");
		goto out;
	}
	if (strcmp(cp.origin, k->vkey.name)) {
		rc = err_set(ERR_VERIFY, "origin '%s' is not our log's ('%s')", cp.origin, k->vkey.name);
		goto out;
	}
	const struct held *h = &k->signed_;
	if (cp.size < h->size) {
		rc = err_set(ERR_VERIFY, "rollback: size %" PRIu64 " is below the %" PRIu64 " signed last", cp.size, h->size);
		goto out;
	}
	if (cp.size == h->size) {
		if (memcmp(cp.root, h->root, MERKLE_HASH)) {
			rc = err_set(ERR_VERIFY, "fork: size %" PRIu64 " was signed with another root", cp.size);
			goto out;
		}
	} else if (h->size > 0) {
		/* The proof comes from the tiles on disk, read here; it is checked against the root we signed. */
		struct merkle_source src;
		char dir[PATH_MAX + 8];
		snprintf(dir, sizeof dir, "%s/log", k->dir);
		if ((rc = reader_at(dir, &k->log_fd, &k->log_reader, cp.size, &src)))
			goto out;
		if ((rc = merkle_prove_consistency(&src, h->size, cp.size, proof, &n)) ||
		    (rc = merkle_verify_consistency(h->size, cp.size, h->root, cp.root, (const merkle_hash *)proof, n))) {
			rc = err_set(ERR_VERIFY, "size %" PRIu64 " does not extend the %" PRIu64 " signed last: %s", cp.size,
				     h->size, err_msg());
			goto out;
		}
	}
	/* with each key of ours in force near now: both around a rotation */
	const struct held_key *use[KEEPER_KEYS];
	struct note_signer signers[KEEPER_KEYS];
	size_t nuse = keys_near(k, (int64_t)time(NULL), k->handover, use);
	if (!nuse) {
		key_at(k, (int64_t)time(NULL));
		rc = ERR_VERIFY;
		goto out;
	}
	for (size_t i = 0; i < nuse; i++)
		signers[i] = use[i]->kf.sign;
	if ((rc = note_sign(&note, (const char *)r->text, r->text_len, signers, nuse, 0)))
		goto out;
	struct held next = {1, cp.size, {0}};
	memcpy(next.root, cp.root, MERKLE_HASH);
	if (cp.size != h->size && (rc = write_state(k, &next, NULL, NULL)))
		goto out;
	k->signed_ = next;
	rc = answer_ok(answer, note.data, note.len);
out:
	event(!rc, "checkpoint", cp.origin, cp.size, rc ? err_msg() : NULL);
	buf_release(&canon);
	buf_release(&note);
	return rc;
}

static struct kpeer *peer_of(struct keeper *k, const char *origin)
{
	for (size_t i = 0; i < k->npeers; i++)
		if (!strcmp(k->peers[i].party->node_key.name, origin))
			return &k->peers[i];
	return NULL;
}

/* The mirror's checkpoint, which must verify with the peer's key. */
static int mirror_checkpoint(const struct keeper *k, struct kpeer *p, struct checkpoint *cp)
{
	char path[PATH_MAX + 16];
	struct buf b;
	snprintf(path, sizeof path, "%s/checkpoint", p->dir);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	int rc = file_read(path, CHECKPOINT_MAX_SIZE, &b);
	if (rc == ERR_NOTFOUND) {
		memset(cp, 0, sizeof *cp);
		rc = 0;
	} else if (!rc && p->seen.len && b.len == p->seen.len && !memcmp(b.data, p->seen.data, b.len)) {
		*cp = p->seen_cp;
	} else if (!rc) {
		/* the mirror publishes cosignatures too: only the log's line counts here */
		struct buf only;
		struct note_verifier theirs[HISTORY_NODE_KEYS_MAX];
		size_t nt = log_keys(k, p->party->node_key.name, 0, -1, theirs);
		buf_init(&only, CHECKPOINT_MAX_SIZE);
		rc = note_select(&only, b.data, b.len, theirs, nt, 0, NULL, NULL);
		if (!rc)
			rc = checkpoint_open_keys(cp, only.data, only.len, theirs, nt, NULL);
		buf_release(&only);
		buf_reset(&p->seen);
		if (!rc && !buf_append(&p->seen, b.data, b.len))
			p->seen_cp = *cp;
		else
			buf_reset(&p->seen);
	}
	buf_release(&b);
	return rc ? err_wrap(rc, "the mirror's checkpoint %s", path) : 0;
}

static int cosign(struct keeper *k, const struct keeper_request *r, struct buf *answer)
{
	struct note nt = {0};
	struct checkpoint cp, m;
	struct buf line;
	int rc;
	memset(&cp, 0, sizeof cp);
	buf_init(&line, 1024);
	if ((rc = note_parse(&nt, r->text, r->text_len)) || (rc = checkpoint_parse_text(&cp, nt.data, nt.text_len))) {
		rc = err_wrap(rc, "not a signed checkpoint");
		goto out;
	}
	struct kpeer *p = peer_of(k, cp.origin);
	if (!p) {
		rc = err_set(ERR_NOTFOUND, "'%s' is not a peer's log", cp.origin);
		goto out;
	}
	/* by a key of that log in force near our clock (a retired key signs nothing we cosign) */
	int64_t now = (int64_t)time(NULL);
	struct note_verifier theirs[HISTORY_NODE_KEYS_MAX];
	size_t ntheirs = log_keys(k, cp.origin, now, k->handover, theirs);
	if (!ntheirs || (rc = note_verify(&nt, theirs, ntheirs, NULL, NULL))) {
		rc = err_wrap(ERR_VERIFY, "not signed by %s with a key in force now", cp.origin);
		goto out;
	}
	const struct held_key *ours = key_at(k, now);
	if (!ours) {
		rc = ERR_VERIFY;
		goto out;
	}
	const struct held *h = &p->cosigned;
	if (h->have && cp.size < h->size) {
		rc = err_set(ERR_VERIFY, "rollback: size %" PRIu64 " is below the %" PRIu64 " cosigned last", cp.size, h->size);
		goto out;
	}
	if (h->have && cp.size == h->size && memcmp(cp.root, h->root, MERKLE_HASH)) {
		rc = err_set(ERR_VERIFY, "fork: size %" PRIu64 " was cosigned with another root", cp.size);
		goto out;
	}
	if (h->have && cp.size == h->size && r->nproof) {
		rc = err_set(ERR_FORMAT, "a proof between two checkpoints of one size");
		goto out;
	}
	if (h->have && cp.size > h->size && h->size > 0 &&
	    merkle_verify_consistency(h->size, cp.size, h->root, cp.root, (const merkle_hash *)r->proof, r->nproof)) {
		rc = err_set(ERR_VERIFY, "no consistency proof from the %" PRIu64 " cosigned last: %s", h->size, err_msg());
		goto out;
	}
	/* cosignature is receipt: the mirror must hold the entries already */
	if ((rc = mirror_checkpoint(k, p, &m)))
		goto out;
	if (m.size < cp.size) {
		rc = err_set(ERR_VERIFY, "the mirror holds %" PRIu64 " entries, not %" PRIu64, m.size, cp.size);
		goto out;
	}
	/* and it holds that tree, not a fork the peer signed too: same root, or a prefix proven from its tiles */
	if (m.size == cp.size && memcmp(m.root, cp.root, MERKLE_HASH)) {
		rc = err_set(ERR_VERIFY, "the mirror holds another tree of %" PRIu64 " entries (a fork)", cp.size);
		goto out;
	}
	if (m.size > cp.size && cp.size > 0) {
		struct merkle_source src;
		merkle_hash mp[MERKLE_MAX_PROOF];
		size_t mn = 0;
		if ((rc = reader_at(p->dir, &p->dirfd, &p->reader, m.size, &src)))
			goto out;
		if (merkle_prove_consistency(&src, cp.size, m.size, mp, &mn) ||
		    merkle_verify_consistency(cp.size, m.size, cp.root, m.root, (const merkle_hash *)mp, mn)) {
			rc = err_set(ERR_VERIFY, "the mirror's %" PRIu64 " entries do not extend this checkpoint: %s", m.size,
				     err_msg());
			goto out;
		}
	}
	if ((rc = note_sign_line(&line, nt.data, nt.text_len, &ours->cosigner, (uint64_t)now)))
		goto out;
	struct held next = {1, cp.size, {0}};
	memcpy(next.root, cp.root, MERKLE_HASH);
	if (!(h->have && h->size == cp.size) && (rc = write_state(k, &k->signed_, p, &next)))
		goto out;
	p->cosigned = next;
	rc = answer_ok(answer, line.data, line.len);
out:
	event(!rc, "cosignature", cp.origin, cp.size, rc ? err_msg() : NULL);
	note_release(&nt);
	buf_release(&line);
	return rc;
}

/* 1 if one of f's recipients is an agency of party. */
static int addressed_to(const struct envelope_fields *f, const char *party)
{
	size_t ml = strlen(party);
	for (size_t i = 0; i < f->nto; i++)
		if (syntax_agency_party_len(f->to[i], strlen(f->to[i])) == ml && !memcmp(f->to[i], party, ml))
			return 1;
	return 0;
}

/*
 * The record rec says the entry was delivered to us: the entry must be an
 * envelope (syntax; its signatures are the network side's check) addressed to
 * our party and not itself a 'received', and rec names its case and, as its
 * only recipient, the agency that sent it (as node_peers.c makes it).
 */
static int delivery_of(struct keeper *k, const struct envelope_fields *rec, const uint8_t *entry, size_t len)
{
	struct envelope d;
	if (envelope_parse(&d, entry, len))
		return err_set(ERR_VERIFY, "not a delivery to us: the entry is not an envelope (%s)", err_msg());
	int rc = 0;
	if (d.f.kind == ENV_RECEIVED || !addressed_to(&d.f, k->me->id))
		rc = err_set(ERR_VERIFY, "not a delivery to us: the entry is %s to %s%s",
			     envelope_kind_name(d.f.kind) ? envelope_kind_name(d.f.kind) : "?", d.f.nto ? d.f.to[0] : "",
			     d.f.nto > 1 ? " ..." : "");
	else if (strcmp(rec->case_id, d.f.case_id))
		rc = err_set(ERR_VERIFY, "the record's case %s is not the entry's (%s)", rec->case_id, d.f.case_id);
	else if (rec->nto != 1 || strcmp(rec->to[0], d.f.from))
		rc = err_set(ERR_VERIFY, "the record is not addressed to the entry's sender %s", d.f.from);
	envelope_release(&d);
	return rc;
}

static int sign_received(struct keeper *k, const struct keeper_request *r, struct buf *answer)
{
	struct buf note;
	struct envelope e;
	struct checkpoint m;
	merkle_hash leaf, proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	int rc, parsed = 0;
	char origin[NOTE_NAME_MAX + 1] = "";
	uint64_t index = 0;
	buf_init(&note, ENVELOPE_MAX_SIZE + 1024);
	/* signed here, parsed back with the envelope parser, and only answered if every check passes; signed
	   again if the key in force at the record's own time is not the one in force now (a rotation between) */
	int64_t now = (int64_t)time(NULL);
	const struct held_key *key = key_at(k, now), *at;
	if (!key) {
		rc = ERR_VERIFY;
		goto out;
	}
	if ((rc = note_text_valid((const char *)r->text, r->text_len)) ||
	    (rc = note_sign(&note, (const char *)r->text, r->text_len, &key->kf.sign, 1, 0)) ||
	    (rc = envelope_parse(&e, note.data, note.len))) {
		rc = err_wrap(rc, "not a record");
		goto out;
	}
	parsed = 1;
	if (e.f.time >= now - KEEPER_TIME_SKEW && e.f.time <= now + KEEPER_TIME_SKEW && (at = key_at(k, e.f.time)) &&
	    at != key) {
		envelope_release(&e);
		parsed = 0;
		buf_reset(&note);
		if ((rc = note_sign(&note, (const char *)r->text, r->text_len, &at->kf.sign, 1, 0)) ||
		    (rc = envelope_parse(&e, note.data, note.len))) {
			rc = err_wrap(rc, "not a record");
			goto out;
		}
		parsed = 1;
	}
	snprintf(origin, sizeof origin, "%s", e.f.ref.origin);
	index = e.f.ref.index;
	if (e.f.kind != ENV_RECEIVED || !e.f.has_ref) {
		rc = err_set(ERR_VERIFY, "not a 'received' record");
		goto out;
	}
	if (strcmp(e.f.from, k->me->id) || strcmp(e.f.channel, k->charter.id_hex)) {
		rc = err_set(ERR_VERIFY, "not from this party in this channel");
		goto out;
	}
	if (e.f.time < now - KEEPER_TIME_SKEW || e.f.time > now + KEEPER_TIME_SKEW) {
		rc = err_set(ERR_VERIFY, "its time is %" PRId64 " s from the keeper's clock (more than %d): a delivery is "
					 "dated when it happens",
			     e.f.time - now, KEEPER_TIME_SKEW);
		goto out;
	}
	struct kpeer *p = peer_of(k, e.f.ref.origin);
	if (!p) {
		rc = err_set(ERR_VERIFY, "'%s' is not a peer's log", e.f.ref.origin);
		goto out;
	}
	merkle_leaf_hash(r->entry, r->entry_len, leaf);
	if (memcmp(leaf, e.f.ref.leaf, MERKLE_HASH)) {
		rc = err_set(ERR_VERIFY, "the entry given is not the one the record names");
		goto out;
	}
	if ((rc = delivery_of(k, &e.f, r->entry, r->entry_len)))
		goto out;
	if ((rc = mirror_checkpoint(k, p, &m)))
		goto out;
	if (index >= m.size) {
		rc = err_set(ERR_VERIFY, "entry %" PRIu64 " is not in the mirror (size %" PRIu64 ")", index, m.size);
		goto out;
	}
	struct merkle_source src;
	if ((rc = reader_at(p->dir, &p->dirfd, &p->reader, m.size, &src)))
		goto out;
	if ((rc = merkle_prove_inclusion(&src, index, m.size, proof, &n)) ||
	    (rc = merkle_verify_inclusion(index, m.size, leaf, (const merkle_hash *)proof, n, m.root))) {
		rc = err_set(ERR_VERIFY, "entry %" PRIu64 " is not in the mirror: %s", index, err_msg());
		goto out;
	}
	rc = answer_ok(answer, note.data, note.len);
out:
	if (parsed)
		envelope_release(&e);
	event(!rc, "received", origin, index, rc ? err_msg() : NULL);
	buf_release(&note);
	return rc;
}

static int status(struct keeper *k, struct buf *answer)
{
	struct buf b;
	char v[600];
	buf_init(&b, 1 << 16);
	/* "log": the key in force now if held (else node.key's); "key": every key held */
	const struct held_key *now[KEEPER_KEYS];
	note_verifier_format(keys_near(k, (int64_t)time(NULL), 0, now) ? &now[0]->v : &k->vkey, v, sizeof v);
	char hex[2 * MERKLE_HASH + 1];
	hex_encode(hex, k->signed_.root, MERKLE_HASH);
	int rc = buf_printf(&b, "log %s\nsigned %" PRIu64 " %s\n", v, k->signed_.size, hex);
	for (size_t i = 0; i < k->nkeys && !rc; i++) {
		note_verifier_format(&k->keys[i].v, v, sizeof v);
		rc = buf_printf(&b, "key %s\n", v);
	}
	for (size_t i = 0; i < k->npeers && !rc; i++)
		if (k->peers[i].cosigned.have)
			rc = buf_printf(&b, "cosigned %s %" PRIu64 "\n", k->peers[i].party->node_key.name,
					k->peers[i].cosigned.size);
	if (!rc)
		rc = answer_ok(answer, b.data, b.len);
	buf_release(&b);
	return rc;
}

/*
 * The amendments again (DIR/amendments, each checked here: the network side
 * wrote the files, but it cannot sign for every party) and DIR/node.key.next
 * if not held yet. The history only grows: fewer amendments on disk, or
 * another one at a number the keeper has, is refused and the keeper keeps its
 * own. Answers the status.
 */
static int reload(struct keeper *k, struct buf *answer)
{
	struct charter_history h;
	history_init(&h, &k->charter);
	int rc = history_load_dir(&h, k->dir);
	if (rc)
		rc = err_wrap(rc, "%s/amendments", k->dir);
	else if (h.n < k->hist.n)
		rc = err_set(ERR_VERIFY, "%s/amendments holds %zu amendments, fewer than the %zu the keeper has", k->dir, h.n,
			     k->hist.n);
	for (size_t i = 0; !rc && i < k->hist.n; i++)
		if (memcmp(h.am[i]->id, k->hist.am[i]->id, 32))
			rc = err_set(ERR_CONFLICT, "amendment %zu in %s/amendments is not the one the keeper has", i + 1, k->dir);
	if (rc) {
		history_release(&h);
		event(0, "reload", k->vkey.name, k->hist.n, err_msg());
		return rc;
	}
	history_release(&k->hist);
	k->hist = h;
	if ((rc = load_key(k, "node.key.next")) == ERR_NOTFOUND)
		rc = 0;
	event(!rc, "reload", k->vkey.name, k->hist.n, rc ? err_msg() : NULL);
	return rc ? rc : status(k, answer);
}

int keeper_handle(struct keeper *k, const uint8_t *msg, size_t len, struct buf *answer)
{
	struct keeper_request r;
	int rc = keeper_request_parse(&r, msg, len);
	if (rc)
		event(0, "request", "", 0, err_msg());
	else if (r.op == KEEPER_STATUS)
		rc = status(k, answer);
	else if (r.op == KEEPER_SIGN_CHECKPOINT)
		rc = sign_checkpoint(k, &r, answer);
	else if (r.op == KEEPER_COSIGN)
		rc = cosign(k, &r, answer);
	else if (r.op == KEEPER_RELOAD)
		rc = reload(k, answer);
	else
		rc = sign_received(k, &r, answer);
	if (rc) {
		char why[1100];
		snprintf(why, sizeof why, "%s", err_msg());
		buf_reset(answer);
		buf_append_byte(answer, (uint8_t)-rc);
		buf_append(answer, why, strlen(why));
		err_set(rc, "%s", why);
	}
	return rc;
}

int keeper_serve(struct keeper *k, int fd)
{
	uint8_t *msg = malloc(KEEPER_MSG_MAX + 1);
	struct buf answer;
	if (!msg)
		return 2;
	buf_init(&answer, KEEPER_ANSWER_MAX);
	int code = 0;
	for (;;) {
		ssize_t n = recv(fd, msg, KEEPER_MSG_MAX + 1, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			code = 2;
			break;
		}
		if (n == 0) { /* the other end closed, or an empty message: only a close leaves POLLHUP */
			struct pollfd pf = {fd, POLLIN, 0};
			if (poll(&pf, 1, 0) > 0 && (pf.revents & POLLHUP))
				break;
		}
		/* MSG_TRUNC: n is the message's real length, so an oversized one is seen as such */
		keeper_handle(k, msg, (size_t)n, &answer);
		if (send(fd, answer.data, answer.len, MSG_NOSIGNAL) < 0) {
			code = errno == EPIPE ? 0 : 2;
			break;
		}
	}
	buf_release(&answer);
	free(msg);
	return code;
}
