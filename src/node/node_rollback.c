/*
 * node_rollback — the rollback guard (docs/operations.md, "Backups and
 * restores"). A node started on an older copy of its directory would sign
 * new entries at index numbers its peers and witnesses have already
 * cosigned with other contents: a fork, and permanent, portable evidence
 * that the party equivocated. Before it serves, the node compares its log
 * with what was cosigned for it: the newest checkpoint kept in
 * DIR/cosigned/, and the latest checkpoint each witness of its log (the
 * other parties' nodes, the neutral witnesses) says it cosigned
 * (GET /checkpoints/<sha256(origin) hex>). Any of them larger than the log,
 * or with another root at its size, stops the start, unless the operator
 * forces it (--accept-rollback).
 */
#include "node/node_internal.h"

#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "crypto/sha256.h"
#include "net/client.h"
#include "tlog/checkpoint.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASK_TIMEOUT_S 3 /* per witness: a dead one must not hold the start for long */

/*
 * 0 if note is a checkpoint of our log signed by one of our node keys as a
 * stored checkpoint is judged (cosig_open_checkpoint: a key an amendment
 * retired only with a cosignature from before its retirement; docs/amendments.md,
 * "Rotating a node key"), into cp.
 */
static int ours(struct node *n, const struct buf *note, struct checkpoint *cp)
{
	return cosig_open_checkpoint(node_history(n), note->data, note->len, cp) || strcmp(cp->origin, n->logkey.name)
		       ? ERR_VERIFY
		       : 0;
}

/*
 * Compares a checkpoint signed by our log key (cosigned for us, by `who`)
 * with our log: 0 if our log holds it; ERR_VERIFY naming who and what if our
 * log is behind it or holds other entries at its size.
 */
static int compare(struct node *n, const struct checkpoint *cp, const char *who)
{
	uint64_t size = tlog_size(n->log);
	merkle_hash root;
	if (cp->size > size)
		return err_set(ERR_VERIFY, "the log is at size %" PRIu64 ", but %s holds its checkpoint of size %" PRIu64
				   ": this directory is older than the log its witnesses cosigned",
			       size, who, cp->size);
	if (tlog_root_at(n->log, cp->size, root))
		return err_wrap(ERR_IO, "the log's root at size %" PRIu64, cp->size);
	if (memcmp(root, cp->root, sizeof root))
		return err_set(ERR_VERIFY, "the log's entries up to size %" PRIu64 " are not those of the checkpoint %s "
				   "holds: this directory holds another history",
			       cp->size, who);
	return 0;
}

/* The largest size named in DIR/cosigned/ (the checkpoints this node kept with their cosignatures), or 0. */
static uint64_t newest_kept(const char *dir, char *name, size_t namesz)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t best = 0, v;
	name[0] = 0;
	while (d && (e = readdir(d)))
		if (dec_u64(e->d_name, strlen(e->d_name), &v) == 0 && v >= best) {
			best = v;
			snprintf(name, namesz, "%s", e->d_name);
		}
	if (d)
		closedir(d);
	return best;
}

static int check_kept(struct node *n)
{
	char dir[PATH_MAX], name[32], path[PATH_MAX + 40];
	snprintf(dir, sizeof dir, "%s/cosigned", n->dir);
	newest_kept(dir, name, sizeof name);
	if (!name[0])
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct buf b;
	struct checkpoint cp;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 65536);
	int rc = file_read(path, b.max, &b);
	if (!rc && ours(n, &b, &cp) == 0)
		rc = compare(n, &cp, path);
	else
		rc = 0; /* unreadable or not ours: the kept files are evidence, not state (node_clean_kept repairs them) */
	buf_release(&b);
	return rc;
}

/* Asks each witness of our log for the latest checkpoint of it they cosigned. */
static int check_witnesses(struct node *n)
{
	uint8_t h[32];
	char hex[65];
	const char *origin = n->logkey.name;
	sha256(origin, strlen(origin), h);
	hex_encode(hex, h, 32);
	struct client_session *cs;
	int rc = client_session_open(&cs);
	if (rc)
		return rc;
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 65536);
	size_t asked = 0, answered = 0;
	for (size_t i = 0; i < n->ntargets && !rc; i++) {
		const struct target *t = &n->targets[i];
		char url[SYNTAX_URL_MAX + 128], path[16 + sizeof hex], who[NOTE_NAME_MAX + SYNTAX_URL_MAX + 16];
		long status = 0;
		struct checkpoint cp;
		snprintf(path, sizeof path, "/checkpoints/%s", hex);
		if (client_url(url, sizeof url, t->url, path))
			continue;
		asked++;
		if (client_session_get(cs, url, &b, &status, ASK_TIMEOUT_S) || (status != 200 && status != 404)) {
			char why[64];
			snprintf(why, sizeof why, "HTTP status %ld", status);
			node_log("rollback guard: could not ask %s (%s) for the checkpoint it cosigned of our log: %s", t->name,
				 t->url, status ? why : err_msg());
			continue;
		}
		answered++;
		if (status == 404)
			continue; /* it has cosigned nothing of ours yet */
		if (ours(n, &b, &cp)) {
			node_log("rollback guard: %s answered with no checkpoint signed by our log key: ignored", t->name);
			continue;
		}
		snprintf(who, sizeof who, "witness %s (%s)", t->name, t->url);
		rc = compare(n, &cp, who);
	}
	if (!rc && asked && !answered)
		node_log("rollback guard: no witness of our log answered; checked against DIR/cosigned only");
	buf_release(&b);
	client_session_close(cs);
	return rc;
}

int node_check_rollback(struct node *n)
{
	int rc = check_kept(n);
	if (!rc)
		rc = check_witnesses(n);
	if (rc != ERR_VERIFY)
		return rc;
	if (n->o.accept_rollback) {
		node_log("rollback guard: %s; starting anyway (--accept-rollback): new entries will fork the log its "
			 "witnesses cosigned, and they will keep the proof",
			 err_msg());
		return 0;
	}
	return err_set(rc, "rollback guard: %s. Restore the latest copy of the node directory (docs/operations.md); "
			   "starting on this one would re-issue index numbers already cosigned (a fork). --accept-rollback "
			   "starts anyway",
		       err_msg());
}
