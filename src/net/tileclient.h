/*
 * tileclient — the one c2sp.org/tlog-tiles client: brings a local mirror of a
 * log (struct tlog, tlog_open_mirror) up to a signed checkpoint by fetching
 * the entry bundles it lacks from the log's base URL (a node, or any static
 * copy of a log directory: http(s), or file:// when the session allows it),
 * and commits them under that checkpoint. The store checks on commit that the
 * mirror's entries and the new ones hash to the checkpoint's root, so a
 * commit is also the proof that the new checkpoint is consistent with the
 * mirror's: the hash tiles are computed here from the entries, never fetched.
 * Used by the node's peer sync (node_peers.c) and by `parley fetch`.
 */
#ifndef PARLEY_TILECLIENT_H
#define PARLEY_TILECLIENT_H

#include "net/client.h"
#include "tlog/store.h"

#include <stddef.h>
#include <stdint.h>

struct tileclient_hooks {
	/* Each new entry, once queued on the mirror, with its log index. Nonzero stops the sync with that code. */
	int (*entry)(void *ctx, uint64_t index, const uint8_t *entry, size_t len);
	/* After each bundle's new entries were queued: the index of the first and how many. Nonzero stops. */
	int (*bundle)(void *ctx, uint64_t first, unsigned count);
	/* After the last entry was queued, before the mirror commits. Nonzero stops. */
	int (*before_commit)(void *ctx);
	void *ctx;
};

struct tileclient_stats {
	uint64_t requests; /* HTTP requests made (a partial bundle answered 404 and asked again as full counts twice) */
	uint64_t bundles;  /* bundles fetched */
	uint64_t bytes;    /* bytes of the bundles fetched */
	uint64_t entries;  /* new entries committed */
};

/*
 * Brings mirror up to the checkpoint cpnote (cp: its parsed form, already
 * verified with the mirror's key by the caller), fetching from base over cs.
 * commit_note is what the mirror publishes (the same checkpoint text; the
 * caller chooses its signature lines); NULL for cpnote itself. hooks and
 * stats may be NULL. The bundles are fetched over cs by a thread of the
 * client's own, a few ahead of the one being checked (so the network and the
 * disk work overlap); the hooks run in the caller's thread and must not use cs.
 *
 * If cp->size is at most the mirror's size, nothing is fetched or committed:
 * returns 0 if the mirror's tree at that size has cp's root, else ERR_VERIFY
 * (a fork; both sizes named). Otherwise fetches tile/entries/<N>[.p/<W>] from
 * the mirror's size up (a partial bundle that is gone is asked for as the
 * full one, of which only the entries the checkpoint covers are taken),
 * puts the new entries of each bundle into the mirror's tree as it arrives
 * (tlog_flush_mirror: a catch-up of any size fits), and commits: ERR_VERIFY if they do not hash to cp's root (altered
 * entries, or a log that forked from the mirror), ERR_FORMAT for a malformed
 * bundle, ERR_IO for a failed or refused request. On any error after the
 * first entry was queued the mirror must be closed and reopened (the store
 * recovers to its last checkpoint); tlog_discard() is not enough.
 */
int tileclient_sync(struct tlog *mirror, struct client_session *cs, const char *base, const struct checkpoint *cp,
		    const uint8_t *cpnote, size_t cplen, const uint8_t *commit_note, size_t commit_len,
		    const struct tileclient_hooks *hooks, struct tileclient_stats *stats);

#endif
