/*
 * parley audit --charter CHARTER [--out DIR] [URL|PATH...]
 *   Gathers the checkpoints of every log of the charter from every source it
 *   can reach: each party's node (its own log at /checkpoint, and what it
 *   cosigned of its peers' logs at /checkpoints/<sha256(origin) hex>), each
 *   neutral witness (/checkpoints/<id>), and every other copy named (a URL or
 *   a local path of a checkpoint file or of a log directory). Each checkpoint
 *   must carry the log's signature by a node key of the party, judged as a
 *   stored checkpoint under the amendments beside the charter
 *   (CHARTER's directory/amendments/) and those the parties' nodes serve
 *   (cosig_open_checkpoint: one an amendment retired counts only with a
 *   cosignature from before its retirement; docs/amendments.md); the ones
 *   that do are compared per log. Two that cannot both be true are a
 *   fork: the same size with different roots, or two sizes where a source's
 *   tiles that give the larger checkpoint's root give another root than the
 *   smaller's at its size. A fork is written as a proof file (docs/reports.md,
 *   "A fork proof") into DIR (default: the current directory).
 *   Exit 0 no fork found, 1 a fork found (proof written), 2 usage, I/O, or not
 *   enough sources reached to compare every log (each named).
 * parley audit verify PROOF --charter CHARTER
 *   Checks a fork proof offline (PROOF: a proof file, or a witness's evidence
 *   directory conflicts/<origin hex>/<id>/). Exit 0 it shows a fork, 1 it does
 *   not (a signature that does not verify, the same root, two consistent
 *   checkpoints, a malformed proof, or both checkpoints signed by a node key
 *   an amendment beside the charter retired: a proof carries the log's line
 *   only, no cosignature to show they were signed before the retirement), 2
 *   usage or I/O.
 */
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "crypto/sha256.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "exchange/syntax.h"
#include "net/client.h"
#include "tlog/checkpoint.h"
#include "tlog/tilepath.h"
#include "witness/forkproof.h"

#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_OBS 256
#define MAX_SOURCES (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES + 64)
#define LOCATION_MAX (SYNTAX_URL_MAX + 128)

static int is_http(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* Reads a URL (GET) or a local file: 0 with *status 200 or 404, or an error (unreachable). */
static int get(struct client_session *cs, const char *where, struct buf *out, long *status)
{
	if (is_http(where))
		return client_session_get(cs, where, out, status, 30);
	buf_reset(out);
	int rc = file_read(where, out->max, out);
	*status = rc == 0 ? 200 : rc == ERR_NOTFOUND ? 404 : 0;
	return rc == ERR_NOTFOUND ? 0 : rc;
}

/* base + "/" + rel, for a URL or a path. */
static int join(char *out, size_t outsz, const char *base, const char *rel)
{
	if (is_http(base))
		return client_url(out, outsz, base, rel);
	size_t bl = strlen(base);
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	if (snprintf(out, outsz, "%.*s/%s", (int)bl, base, rel) >= (int)outsz)
		return err_set(ERR_LIMIT, "location too long: %s", base);
	return 0;
}

/* ---- a Merkle hash source over a log's tiles, fetched from a URL or read from a directory ---- */

struct tiles {
	const char *base;
	uint64_t size;
	struct client_session *cs;
	struct buf b;
	struct {
		int level, valid;
		uint64_t index;
		unsigned width;
		uint8_t data[TILE_WIDTH * MERKLE_HASH];
	} cache[2 * 8];
	unsigned next;
};

/* The tile (level, index) at least `width` hashes wide: a partial tile, or the full one that replaced it. */
static int tile_at(struct tiles *t, int level, uint64_t index, unsigned width, const uint8_t **data)
{
	for (size_t i = 0; i < sizeof t->cache / sizeof t->cache[0]; i++)
		if (t->cache[i].valid && t->cache[i].level == level && t->cache[i].index == index &&
		    t->cache[i].width >= width) {
			*data = t->cache[i].data;
			return 0;
		}
	unsigned widths[2] = {width, TILE_WIDTH};
	for (int k = 0; k < (width < TILE_WIDTH ? 2 : 1); k++) {
		struct tile_id id = {level, index, widths[k]};
		char rel[TILE_PATH_MAX], where[LOCATION_MAX + TILE_PATH_MAX];
		long status = 0;
		tilepath_format(&id, rel, sizeof rel);
		int rc = join(where, sizeof where, t->base, rel);
		if (!rc)
			rc = get(t->cs, where, &t->b, &status);
		if (rc)
			return rc;
		if (status == 404)
			continue;
		if (status != 200)
			return err_set(ERR_IO, "%s: HTTP %ld", where, status);
		if (t->b.len != (size_t)widths[k] * MERKLE_HASH)
			return err_set(ERR_FORMAT, "%s: %zu bytes, not %u hashes", where, t->b.len, widths[k]);
		unsigned slot = t->next++ % (sizeof t->cache / sizeof t->cache[0]);
		t->cache[slot].valid = 1;
		t->cache[slot].level = level;
		t->cache[slot].index = index;
		t->cache[slot].width = widths[k];
		memcpy(t->cache[slot].data, t->b.data, t->b.len);
		*data = t->cache[slot].data;
		return 0;
	}
	return err_set(ERR_NOTFOUND, "tile %d/%" PRIu64 " not found at %s", level, index, t->base);
}

/* merkle_source get: the hash of the subtree (level, index), from the tile holding its leaves' level. */
static int tiles_get(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct tiles *t = ctx;
	int tl = (int)(level / TILE_HEIGHT);
	unsigned sub = level % TILE_HEIGHT;
	uint64_t first = index << sub, count = (uint64_t)1 << sub;
	uint64_t tile = first / TILE_WIDTH, in_level = t->size >> (TILE_HEIGHT * tl);
	uint64_t width = in_level - tile * TILE_WIDTH;
	if (width > TILE_WIDTH)
		width = TILE_WIDTH;
	const uint8_t *data;
	int rc = tile_at(t, tl, tile, (unsigned)width, &data);
	if (rc)
		return rc;
	merkle_root_of((const merkle_hash *)(data + (first % TILE_WIDTH) * MERKLE_HASH), (size_t)count, out);
	return 0;
}

/* ---- what was gathered ---- */

struct obs {
	char source[LOCATION_MAX];  /* who showed it */
	char tiles[LOCATION_MAX];   /* where its log's tiles are, or "" */
	size_t log;                 /* party index */
	struct checkpoint cp;
	uint8_t note[CHECKPOINT_MAX_SIZE]; /* the log's signature line only */
	size_t note_len;
	struct note_verifier key;   /* the node key of that line */
	size_t cosigners;           /* valid cosignatures by keys the charter names for the log */
};

struct audit {
	struct charter *c;
	struct charter_history h;   /* the charter and the amendments known (beside it, served by the nodes) */
	struct client_session *cs;
	struct obs *obs;
	size_t nobs;
	char unreached[MAX_SOURCES][LOCATION_MAX];
	size_t nunreached;
	int refused;
	int named_missing;          /* a copy named on the command line gave no checkpoint */
};

/* Adds what a source showed, if it is a checkpoint signed by a log of the charter. */
static void add(struct audit *a, const char *source, const char *tiles, const uint8_t *data, size_t len)
{
	struct checkpoint cp;
	if (checkpoint_parse_unverified(&cp, data, len)) {
		printf("  %s: not a checkpoint (%s)\n", source, err_msg());
		a->refused = 1;
		return;
	}
	const struct charter_party *p = charter_party_of_log(a->c, cp.origin);
	if (!p) {
		printf("  %s: a checkpoint of '%s', which is no log of this charter\n", source, cp.origin);
		return;
	}
	if (a->nobs == MAX_OBS) {
		printf("  %s: more than %d checkpoints gathered; not compared\n", source, MAX_OBS);
		return;
	}
	struct obs *o = &a->obs[a->nobs];
	struct buf clean, cos;
	struct note_verifier vs[4 * (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)];
	int ok[4 * (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)] = {0};
	struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	buf_init(&cos, CHECKPOINT_MAX_SIZE);
	/* a node key of the party as a stored checkpoint is judged; then its line alone, the newest key's first */
	int rc = cosig_open_checkpoint(&a->h, data, len, &o->cp);
	if (!rc) {
		size_t nk = history_node_keys(&a->h, cp.origin, ks, HISTORY_NODE_KEYS_MAX), k = nk;
		rc = ERR_VERIFY;
		while (rc && k-- > 0) {
			buf_reset(&clean);
			if (note_select(&clean, data, len, &ks[k].key, 1, 0, NULL, NULL) == 0 &&
			    (rc = checkpoint_open(&o->cp, clean.data, clean.len, &ks[k].key, NULL)) == 0)
				o->key = ks[k].key;
		}
	}
	if (rc) {
		printf("  %s: REFUSED, not signed by %s's log key: %s\n", source, p->id, err_msg());
		a->refused = 1;
	} else {
		size_t nv = cosig_keys_of_log(&a->h, cp.origin, vs, sizeof vs / sizeof vs[0]);
		o->cosigners = 0;
		if (note_select(&cos, data, len, vs, nv, NOTE_KEEP_NEWEST, ok, NULL) == 0)
			for (size_t i = 0; i < nv; i++) {
				size_t j = 0;
				while (j < i && !(ok[j] && !strcmp(vs[j].name, vs[i].name)))
					j++;
				o->cosigners += ok[i] && j == i; /* a cosigner once, whichever of its keys */
			}
		memcpy(o->note, clean.data, clean.len);
		o->note_len = clean.len;
		o->log = (size_t)(p - a->c->parties);
		snprintf(o->source, sizeof o->source, "%s", source);
		snprintf(o->tiles, sizeof o->tiles, "%s", tiles ? tiles : "");
		a->nobs++;
	}
	buf_release(&clean);
	buf_release(&cos);
}

/* Fetches one location; 1 if it answered 200 (into b), 0 if 404, -1 if unreachable (noted). */
static int fetch(struct audit *a, const char *where, const char *name, struct buf *b)
{
	long status = 0;
	int rc = get(a->cs, where, b, &status);
	if (rc || (status != 200 && status != 404)) {
		if (a->nunreached < MAX_SOURCES)
			snprintf(a->unreached[a->nunreached++], LOCATION_MAX, "%s (%s)", name,
				 rc ? err_msg() : status ? "an HTTP error" : "no answer");
		return -1;
	}
	return status == 200;
}

/* The id witnesses publish a log's checkpoint under: SHA-256 of its origin, lowercase hex. */
static void log_id(const char *origin, char hex[65])
{
	uint8_t h[32];
	sha256(origin, strlen(origin), h);
	hex_encode(hex, h, 32);
}

static void gather_witnessed(struct audit *a, const char *base, const char *who, size_t skip, struct buf *b)
{
	for (size_t j = 0; j < a->c->nparties; j++) {
		if (j == skip)
			continue;
		char id[65], rel[100], where[LOCATION_MAX], name[LOCATION_MAX + 64];
		log_id(a->c->parties[j].node_key.name, id);
		snprintf(rel, sizeof rel, "checkpoints/%s", id);
		snprintf(name, sizeof name, "%s, cosigned %s's log", who, a->c->parties[j].id);
		if (client_url(where, sizeof where, base, rel))
			continue;
		if (fetch(a, where, name, b) == 1)
			add(a, name, NULL, b->data, b->len);
	}
}

static void gather(struct audit *a, char **urls, size_t nurls)
{
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 1);
	for (size_t i = 0; i < a->c->nparties; i++) {
		const struct charter_party *p = &a->c->parties[i];
		char where[LOCATION_MAX], name[LOCATION_MAX];
		snprintf(name, sizeof name, "node %s", p->id);
		if (client_url(where, sizeof where, p->url, "checkpoint"))
			continue;
		int got = fetch(a, where, name, &b);
		if (got == 1)
			add(a, name, p->url, b.data, b.len);
		if (got >= 0)
			gather_witnessed(a, p->url, name, i, &b);
	}
	for (size_t i = 0; i < a->c->nwitnesses; i++) {
		char name[LOCATION_MAX];
		snprintf(name, sizeof name, "witness %s", a->c->witnesses[i].id);
		gather_witnessed(a, a->c->witnesses[i].url, name, (size_t)-1, &b);
	}
	for (size_t i = 0; i < nurls; i++) {
		/* a checkpoint file (its directory may hold the tiles), or a log directory (its checkpoint) */
		char dir[LOCATION_MAX], where[LOCATION_MAX];
		long status = 0;
		struct checkpoint cp;
		struct stat st;
		snprintf(dir, sizeof dir, "%s", urls[i]);
		int isdir = !is_http(urls[i]) && stat(urls[i], &st) == 0 && S_ISDIR(st.st_mode);
		if (!isdir && get(a->cs, urls[i], &b, &status) == 0 && status == 200 &&
		    checkpoint_parse_unverified(&cp, b.data, b.len) == 0) {
			char *slash = strrchr(dir, '/');
			if (slash && slash > dir && slash[-1] != '/')
				*slash = 0;
			add(a, urls[i], dir, b.data, b.len);
			continue;
		}
		int got = join(where, sizeof where, urls[i], "checkpoint") ? -1 : fetch(a, where, urls[i], &b);
		if (got == 1) {
			add(a, urls[i], urls[i], b.data, b.len);
			continue;
		}
		if (got == 0 && a->nunreached < MAX_SOURCES)
			snprintf(a->unreached[a->nunreached++], LOCATION_MAX, "%s (neither a checkpoint nor a log directory "
				 "with one)", urls[i]);
		a->named_missing = 1;
	}
	buf_release(&b);
}

/* ---- comparing ---- */

static void short_root(const merkle_hash r, char out[17])
{
	char b64[64];
	b64_encode(b64, r, MERKLE_HASH);
	snprintf(out, 17, "%.16s", b64);
}

/*
 * The tree of log a->obs[big]'s size as some source's tiles give it: 0 with
 * root_small (that tree at small's size) and the consistency proof, when a
 * source's tiles give big's root; ERR_NOTFOUND if none does.
 */
static int tree_of(struct audit *a, const struct obs *small, const struct obs *big, merkle_hash root_small,
		   merkle_hash proof[MERKLE_MAX_PROOF], size_t *n)
{
	for (size_t i = 0; i < a->nobs; i++) {
		const struct obs *o = &a->obs[i];
		if (o->log != big->log || !o->tiles[0] || o->cp.size < big->cp.size)
			continue;
		struct tiles *t = calloc(1, sizeof *t);
		if (!t)
			return err_set(ERR_NOMEM, "out of memory");
		t->base = o->tiles;
		t->size = big->cp.size;
		t->cs = a->cs;
		buf_init(&t->b, TILE_WIDTH * MERKLE_HASH);
		struct merkle_source src = {tiles_get, t};
		merkle_hash r;
		int rc = merkle_tree_root(&src, big->cp.size, r);
		if (!rc && !memcmp(r, big->cp.root, MERKLE_HASH)) {
			if (small->cp.size == 0) {
				merkle_empty_root(root_small);
				*n = 0;
			} else if (!(rc = merkle_tree_root(&src, small->cp.size, root_small))) {
				rc = merkle_prove_consistency(&src, small->cp.size, big->cp.size, proof, n);
			}
			buf_release(&t->b);
			free(t);
			if (!rc)
				return 0;
			continue;
		}
		buf_release(&t->b);
		free(t);
	}
	return err_set(ERR_NOTFOUND, "no source serves the tiles of the size-%" PRIu64 " tree", big->cp.size);
}

static int write_proof(const char *out_dir, const struct charter_party *p, const struct obs *x, const struct obs *y,
		       const merkle_hash root, const merkle_hash *proof, size_t n, const char *why, char *path,
		       size_t pathsz)
{
	struct buf b;
	buf_init(&b, FORKPROOF_MAX);
	/* each checkpoint with the line of the node key that signed it (two around a rotation) */
	struct note_verifier keys[2] = {x->key, y->key};
	int rc = forkproof_format_keys(&b, keys, memcmp(x->key.pub, y->key.pub, sizeof x->key.pub) ? 2 : 1, x->note,
				       x->note_len, y->note, y->note_len, root, proof, n, why);
	uint64_t s1 = x->cp.size < y->cp.size ? x->cp.size : y->cp.size, s2 = x->cp.size ^ y->cp.size ^ s1;
	if (!rc && snprintf(path, pathsz, "%s/fork-%s-%" PRIu64 "-%" PRIu64 ".proof", out_dir, p->id, s1, s2) >= (int)pathsz)
		rc = err_set(ERR_LIMIT, "--out path too long");
	if (!rc)
		rc = mkdir_p(out_dir, 0755);
	if (!rc)
		rc = file_write_atomic(path, b.data, b.len, 0644, 1);
	buf_release(&b);
	return rc;
}

/* 1 if an earlier checkpoint of the same log has the same size and root (compare each view once). */
static int repeated(const struct audit *a, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (a->obs[k].log == a->obs[i].log && a->obs[k].cp.size == a->obs[i].cp.size &&
		    !memcmp(a->obs[k].cp.root, a->obs[i].cp.root, MERKLE_HASH))
			return 1;
	return 0;
}

/* Compares the checkpoints of log l. Returns 1 if it forked (proof written), 0 if not, 2 if it could not tell. */
static int compare_log(struct audit *a, size_t l, const char *out_dir)
{
	const struct charter_party *p = &a->c->parties[l];
	size_t seen = 0;
	int fork = 0, unsure = 0;
	printf("log %s (%s):\n", p->id, p->node_key.name);
	for (size_t i = 0; i < a->nobs; i++) {
		const struct obs *o = &a->obs[i];
		if (o->log != l)
			continue;
		char r[17];
		short_root(o->cp.root, r);
		printf("  %-40s size %" PRIu64 " root %s… cosigned by %zu\n", o->source, o->cp.size, r, o->cosigners);
		seen++;
	}
	uint8_t dup[MAX_OBS];
	for (size_t i = 0; i < a->nobs; i++)
		dup[i] = a->obs[i].log != l || repeated(a, i);
	for (size_t i = 0; i < a->nobs && !fork; i++)
		for (size_t j = 0; j < a->nobs && !fork; j++) {
			const struct obs *x = &a->obs[i], *y = &a->obs[j];
			if (dup[i] || dup[j] || i == j || x->cp.size > y->cp.size)
				continue;
			if (x->cp.size == y->cp.size && (j < i || !memcmp(x->cp.root, y->cp.root, MERKLE_HASH)))
				continue;
			merkle_hash root, proof[MERKLE_MAX_PROOF];
			size_t n = 0;
			char why[2 * LOCATION_MAX + 128], path[PATH_MAX];
			if (x->cp.size == y->cp.size) {
				snprintf(why, sizeof why, "same size %" PRIu64 ", different roots: shown by %s and by %s",
					 x->cp.size, x->source, y->source);
			} else {
				int rc = tree_of(a, x, y, root, proof, &n);
				if (rc) {
					printf("  sizes %" PRIu64 " and %" PRIu64 " not compared: %s\n", x->cp.size,
					       y->cp.size, err_msg());
					unsure = 1;
					continue;
				}
				if (!memcmp(root, x->cp.root, MERKLE_HASH))
					continue; /* consistent */
				snprintf(why, sizeof why, "size %" PRIu64 " shown by %s is not in the size-%" PRIu64
							  " tree shown by %s", x->cp.size, x->source, y->cp.size, y->source);
			}
			printf("  FORK: %s\n", why);
			if (write_proof(out_dir, p, x, y, root, (const merkle_hash *)proof, n, why, path, sizeof path)) {
				printf("  the proof could not be written: %s\n", err_msg());
				unsure = 1;
			} else {
				printf("  proof written: %s\n", path);
			}
			fork = 1;
		}
	if (fork)
		return 1;
	if (seen < 2) {
		printf("  verdict: NOT CHECKED: seen by %zu source%s, nothing to compare\n", seen, seen == 1 ? "" : "s");
		return 2;
	}
	printf(unsure ? "  verdict: no fork found, but not every pair could be compared\n"
		      : "  verdict: consistent (%zu checkpoints, one history)\n", seen);
	return unsure ? 2 : 0;
}

/*
 * The charter's history: with the amendments beside it (CHARTER's
 * directory/amendments/, as fetch directories, bundles and nodes keep them)
 * when it is complete; ones that do not load are named and left out.
 */
static void load_history(struct charter_history *h, const struct charter *c, const char *charter_path)
{
	char dir[PATH_MAX];
	history_init(h, c);
	if (!charter_complete(c))
		return;
	snprintf(dir, sizeof dir, "%s", charter_path);
	if (history_load_dir(h, dirname(dir))) {
		printf("note: the amendments beside %s are left out: %s\n", charter_path, err_msg());
		history_release(h);
		history_init(h, c);
	}
}

/* The amendments each party's node serves (GET /amendment/<n>) that extend the history (history_add). */
static void learn_amendments(struct audit *a)
{
	struct buf b;
	buf_init(&b, AMENDMENT_MAX_SIZE);
	for (size_t i = 0; i < a->c->nparties && charter_complete(a->c); i++)
		for (unsigned k = (unsigned)a->h.n + 1; k <= HISTORY_MAX; k++) {
			char rel[32], where[LOCATION_MAX];
			long status = 0;
			int added = 0;
			snprintf(rel, sizeof rel, "amendment/%u", k);
			if (client_url(where, sizeof where, a->c->parties[i].url, rel) ||
			    client_session_get(a->cs, where, &b, &status, 30) || status != 200 ||
			    history_add(&a->h, b.data, b.len, &added) || !added)
				break;
		}
	buf_release(&b);
}

/*
 * A witness's evidence kept before it wrote a proof file: recorded and shown,
 * two checkpoints of one size, made into a proof (the same checks follow).
 * ERR_VERIFY if they are not checkpoints signed by a log of the charter.
 */
static int proof_from_evidence(const struct charter_history *h, const char *dir, struct buf *out)
{
	const struct charter *c = h->founding;
	struct buf rec, shown;
	struct checkpoint cp;
	char path[PATH_MAX + 16];
	buf_init(&rec, CHECKPOINT_MAX_SIZE);
	buf_init(&shown, CHECKPOINT_MAX_SIZE);
	snprintf(path, sizeof path, "%s/recorded", dir);
	int rc = file_read(path, CHECKPOINT_MAX_SIZE, &rec);
	snprintf(path, sizeof path, "%s/shown", dir);
	if (!rc)
		rc = file_read(path, CHECKPOINT_MAX_SIZE, &shown);
	if (rc) {
		rc = err_wrap(rc, "%s has neither a proof nor recorded and shown", dir);
		goto out;
	}
	const struct charter_party *p = NULL;
	if (checkpoint_parse_unverified(&cp, rec.data, rec.len) == 0)
		p = charter_party_of_log(c, cp.origin);
	if (!p) {
		rc = err_set(ERR_VERIFY, "%s/recorded is not a checkpoint of a log of the charter", dir);
		goto out;
	}
	/* by the party's node keys (the newest first) */
	struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
	struct note_verifier keys[HISTORY_NODE_KEYS_MAX];
	size_t nk = history_node_keys(h, cp.origin, ks, HISTORY_NODE_KEYS_MAX);
	for (size_t k = 0; k < nk; k++)
		keys[k] = ks[nk - 1 - k].key;
	buf_reset(out);
	rc = forkproof_format_keys(out, keys, nk, rec.data, rec.len, shown.data, shown.len, NULL, NULL, 0, NULL);
	if (rc)
		rc = err_set(ERR_VERIFY, "%s: %s", dir, err_msg());
out:
	buf_release(&rec);
	buf_release(&shown);
	return rc;
}

static int audit_verify(int argc, char **argv)
{
	const char *charter_path = NULL, *proof_path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--charter") && i + 1 < argc)
			charter_path = argv[++i];
		else if (argv[i][0] != '-' && !proof_path)
			proof_path = argv[i];
		else
			return cli_usage("audit verify", "unexpected argument '%s'", argv[i]);
	}
	if (!charter_path || !proof_path)
		return cli_usage("audit verify", "usage: parley audit verify PROOF --charter CHARTER");
	struct charter *c = calloc(1, sizeof *c);
	struct charter_history h;
	struct buf b;
	int rc, code = 2;
	buf_init(&b, FORKPROOF_MAX + 1);
	if (!c)
		return cli_fail("audit verify", err_set(ERR_NOMEM, "out of memory"));
	if ((rc = charter_load(c, charter_path))) {
		free(c);
		return cli_fail("audit verify", err_wrap(rc, "%s", charter_path));
	}
	load_history(&h, c, charter_path);
	struct stat st = {0};
	char path[PATH_MAX + 16];
	/* a witness's evidence directory: its proof file, or (kept before there was one) recorded and shown */
	if (stat(proof_path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(path, sizeof path, "%s/proof", proof_path);
	else
		snprintf(path, sizeof path, "%s", proof_path);
	rc = file_read(path, FORKPROOF_MAX, &b);
	if (rc == ERR_NOTFOUND && S_ISDIR(st.st_mode))
		rc = proof_from_evidence(&h, proof_path, &b);
	if (rc == ERR_VERIFY) {
		printf("NOT A FORK PROOF: %s\n", err_msg());
		code = 1;
		goto out;
	}
	if (rc) {
		code = cli_fail("audit verify", err_wrap(rc, "%s", path));
		goto out;
	}
	struct note_verifier logs[CHARTER_MAX_PARTIES + HISTORY_NODE_KEYS_MAX];
	size_t nlogs = c->nparties;
	for (size_t i = 0; i < c->nparties; i++)
		logs[i] = c->parties[i].node_key;
	struct forkproof *fp = calloc(1, sizeof *fp);
	size_t l = 0;
	if (!fp) {
		code = cli_fail("audit verify", err_set(ERR_NOMEM, "out of memory"));
		goto out;
	}
	rc = forkproof_parse(fp, b.data, b.len);
	int64_t retired = INT64_MAX;
	const struct charter_party *lp = rc ? NULL : charter_party_of_log(c, fp->cp[0].origin);
	if (lp) {
		/* every node key the log has had, the newest first (docs/amendments.md, "Rotating a node key"); and the
		 * retirement of the one that signed either checkpoint, if an amendment retired it */
		struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
		size_t nk = history_node_keys(&h, lp->node_key.name, ks, HISTORY_NODE_KEYS_MAX);
		for (size_t k = nk; k-- > 0;) {
			if (k + 1 == nk)
				logs[lp - c->parties] = ks[k].key;
			else
				logs[nlogs++] = ks[k].key;
		}
		for (int j = 0; j < 2; j++) {
			struct note nt;
			int found = 0;
			if (note_parse(&nt, fp->note[j], fp->note_len[j]))
				continue;
			for (size_t k = nk; k-- > 0 && !found;)
				for (size_t s = 0; s < nt.nsigs && !found; s++)
					if (nt.sigs[s].id == ks[k].key.id && !strcmp(nt.sigs[s].name, ks[k].key.name) &&
					    note_verify_sig(&nt, s, &ks[k].key, NULL) == 0) {
						found = 1;
						if (ks[k].until < retired)
							retired = ks[k].until;
					}
			note_release(&nt);
		}
	}
	if (!rc)
		rc = forkproof_verify(fp, logs, nlogs, &l);
	if (!rc && retired != INT64_MAX) {
		char when[32];
		syntax_format_time(retired, when);
		rc = err_set(ERR_VERIFY, "a checkpoint is signed by %s's node key retired at %s, and a fork proof carries no "
					 "cosignature to show it was signed before then",
			     c->parties[l].id, when);
	}
	if (rc) {
		printf("NOT A FORK PROOF: %s\n", err_msg());
		code = 1;
	} else {
		char r0[17], r1[17];
		short_root(fp->cp[0].root, r0);
		short_root(fp->cp[1].root, r1);
		printf("FORK of %s's log (%s), both checkpoints signed by its key:\n", c->parties[l].id,
		       c->parties[l].node_key.name);
		printf("  size %" PRIu64 " root %s…\n  size %" PRIu64 " root %s…\n", fp->cp[0].size, r0, fp->cp[1].size, r1);
		if (fp->has_root) {
			char rr[17];
			short_root(fp->root, rr);
			printf("  the size-%" PRIu64 " tree had root %s… at size %" PRIu64 " (consistency proof of %zu hashes)\n",
			       fp->cp[1].size, rr, fp->cp[0].size, fp->n);
		}
		if (fp->why[0])
			printf("  finder's note: %s\n", fp->why);
		code = 0;
	}
	free(fp);
out:
	buf_release(&b);
	history_release(&h);
	charter_release(c);
	free(c);
	return code;
}

int cmd_audit(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return audit_verify(argc - 1, argv + 1);
	const char *charter_path = NULL, *out_dir = ".";
	char **urls = calloc((size_t)argc, sizeof *urls);
	size_t nurls = 0;
	if (!urls)
		return cli_fail("audit", err_set(ERR_NOMEM, "out of memory"));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--charter") && i + 1 < argc)
			charter_path = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_dir = argv[++i];
		else if (argv[i][0] != '-' && strlen(argv[i]) < SYNTAX_URL_MAX)
			urls[nurls++] = argv[i];
		else {
			free(urls);
			return cli_usage("audit", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!charter_path) {
		free(urls);
		return cli_usage("audit", "usage: parley audit --charter CHARTER [--out DIR] [URL|PATH...]");
	}
	struct audit *a = calloc(1, sizeof *a);
	int rc, code = 0;
	if (!a || !(a->c = calloc(1, sizeof *a->c)) || !(a->obs = calloc(MAX_OBS, sizeof *a->obs))) {
		code = cli_fail("audit", err_set(ERR_NOMEM, "out of memory"));
		goto out;
	}
	if ((rc = charter_load(a->c, charter_path)) || (rc = client_global_init()) || (rc = client_session_open(&a->cs))) {
		code = cli_fail("audit", err_wrap(rc, "%s", charter_path));
		goto out;
	}
	if (!charter_complete(a->c))
		printf("note: %s is not signed by every party\n", charter_path);
	load_history(&a->h, a->c, charter_path);
	learn_amendments(a);
	if (a->h.n)
		printf("amendments: %zu known (the node keys checkpoints are judged by)\n", a->h.n);
	printf("sources:\n");
	gather(a, urls, nurls);
	for (size_t i = 0; i < a->nunreached; i++)
		printf("  UNREACHABLE: %s\n", a->unreached[i]);
	int fork = 0, unsure = 0;
	for (size_t l = 0; l < a->c->nparties; l++) {
		int r = compare_log(a, l, out_dir);
		fork |= r == 1;
		unsure |= r == 2;
	}
	if (fork) {
		printf("result: FORK found (proof written)\n");
		code = 1;
	} else if (unsure || a->named_missing) {
		printf("result: not every log or copy named could be checked (see above)\n");
		code = 2;
	} else {
		printf("result: no fork found%s\n", a->nunreached ? " among the sources reached" : "");
	}
out:
	if (a) {
		client_session_close(a->cs);
		if (a->c && a->h.founding)
			history_release(&a->h);
		if (a->c)
			charter_release(a->c);
		free(a->c);
		free(a->obs);
		free(a);
	}
	free(urls);
	return code;
}
