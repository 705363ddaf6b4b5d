#include "node/tileclient.h"
#include "base/err.h"
#include "exchange/syntax.h"
#include "tlog/tilepath.h"

#include <inttypes.h>
#include <string.h>

/* Past this many queued bytes the entries go into the mirror's tree, so a catch-up of any size fits a batch. */
#define FLUSH_AT (16u << 20)
_Static_assert(FLUSH_AT + TLOG_BUNDLE_MAX <= TLOG_BATCH_MAX_BYTES, "one more bundle must fit after a flush");

struct feed {
	struct tlog *mirror;
	const struct tileclient_hooks *h;
	unsigned skip, limit; /* entries of the bundle already mirrored; entries the checkpoint covers */
	uint64_t at;          /* log index of the bundle's entry 0 */
};

static int feed_entry(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct feed *f = ctx;
	if (i < f->skip || i >= f->limit)
		return 0;
	int rc = tlog_add(f->mirror, entry, len, NULL);
	if (!rc && f->h && f->h->entry)
		rc = f->h->entry(f->h->ctx, f->at + i, entry, len);
	return rc;
}

/* GET base/rel into b; 0 with *status, or an error. */
static int get(struct client_session *cs, const char *base, const struct tile_id *id, struct buf *b, long *status,
	       char *url, size_t urlsz, struct tileclient_stats *st)
{
	char rel[TILE_PATH_MAX];
	tilepath_format(id, rel, sizeof rel);
	int rc = client_url(url, urlsz, base, rel);
	if (!rc)
		rc = client_session_get(cs, url, b, status, 30);
	st->requests++;
	return rc;
}

int tileclient_sync(struct tlog *mirror, struct client_session *cs, const char *base, const struct checkpoint *cp,
		    const uint8_t *cpnote, size_t cplen, const uint8_t *commit_note, size_t commit_len,
		    const struct tileclient_hooks *hooks, struct tileclient_stats *stats)
{
	struct tileclient_stats dummy;
	struct tileclient_stats *st = stats ? stats : &dummy;
	memset(st, 0, sizeof *st);
	uint64_t have = tlog_size(mirror);
	int rc = 0;
	if (cp->size <= have) {
		merkle_hash root;
		if ((rc = tlog_root_at(mirror, cp->size, root)))
			return rc;
		if (memcmp(root, cp->root, MERKLE_HASH) != 0)
			return err_set(ERR_VERIFY, "the checkpoint of size %" PRIu64 " is not in the log of size %" PRIu64
						   " held here: the log forked", cp->size, have);
		return 0;
	}
	struct buf b;
	buf_init(&b, TLOG_BUNDLE_MAX);
	for (uint64_t bi = have / TILE_WIDTH; !rc && bi * TILE_WIDTH < cp->size; bi++) {
		/* the entries of this bundle the checkpoint covers */
		unsigned want = (bi + 1) * TILE_WIDTH > cp->size ? (unsigned)(cp->size - bi * TILE_WIDTH) : TILE_WIDTH;
		struct tile_id id = {TILE_LEVEL_ENTRIES, bi, want};
		char url[SYNTAX_URL_MAX + TILE_PATH_MAX + 8];
		long status;
		if ((rc = get(cs, base, &id, &b, &status, url, sizeof url, st)))
			break;
		if (status == 404 && id.width < TILE_WIDTH) {
			/* the partial bundle may have been replaced by the full one: only its first entries belong to cp */
			id.width = TILE_WIDTH;
			if ((rc = get(cs, base, &id, &b, &status, url, sizeof url, st)))
				break;
		}
		if (status != 200) {
			rc = err_set(ERR_IO, "%s: HTTP %ld", url, status);
			break;
		}
		st->bundles++;
		st->bytes += b.len;
		struct feed f = {mirror, hooks, bi == have / TILE_WIDTH ? (unsigned)(have % TILE_WIDTH) : 0, want,
				 bi * TILE_WIDTH};
		if ((rc = tile_bundle_parse(b.data, b.len, id.width, feed_entry, &f))) {
			rc = err_wrap(rc, "%s", url);
			break;
		}
		if (hooks && hooks->bundle && (rc = hooks->bundle(hooks->ctx, f.at + f.skip, want - f.skip)))
			break;
		if (tlog_pending_bytes(mirror) >= FLUSH_AT)
			rc = tlog_flush_mirror(mirror);
	}
	buf_release(&b);
	if (!rc && hooks && hooks->before_commit)
		rc = hooks->before_commit(hooks->ctx);
	if (!rc) {
		rc = commit_note ? tlog_commit_mirror(mirror, commit_note, commit_len)
				 : tlog_commit_mirror(mirror, cpnote, cplen);
		if (rc == ERR_VERIFY)
			rc = err_set(ERR_VERIFY, "the entries fetched from %s do not hash to the root of its checkpoint of "
						 "size %" PRIu64 " together with the %" PRIu64 " entries held here "
						 "(entries altered, or the log forked)", base, cp->size, have);
	}
	if (!rc)
		st->entries = cp->size - have;
	return rc;
}
