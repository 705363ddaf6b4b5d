/*
 * The node: start and stop. Threads: the HTTP server (event loops and
 * workers, see http.h), the sequencer's committer and indexer, the pusher
 * (node_push.c), the poller and the recorder (node_peers.c). The rooms are
 * listed in node_internal.h; docs/node.md describes the node.
 */
#include "node/node_internal.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/version.h"
#include "crypto/keyfile.h"
#include "crypto/sha256.h"
#include "exchange/envelope.h"
#include "net/client.h"
#include "node/keeper_client.h"
#include "node/submit.h"
#include "node/witness_server.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t node_now(void)
{
	return (int64_t)time(NULL);
}

void node_log(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	logline_event(LOGLINE_INFO, "message", "msg", msg, LOGLINE_END);
}

void node_event(enum logline_level level, const char *event, ...)
{
	va_list ap;
	va_start(ap, event);
	logline_eventv(level, event, ap);
	va_end(ap);
}

int node_open_mirror(struct node *n, struct peer *p)
{
	struct note_verifier keys[HISTORY_NODE_KEYS_MAX];
	int rc = tlog_open_mirror(&p->mirror, p->dir, keys, node_log_keys(n, p->party->node_key.name, keys));
	if (!rc && n->syncfs)
		tlog_set_sync(p->mirror, TLOG_SYNC_FS);
	return rc;
}


void node_publish_sizes(struct peer *p)
{
	__atomic_store_n(&p->shown_remote, p->remote_size, __ATOMIC_RELAXED);
	__atomic_store_n(&p->shown_mirrored, p->mirror ? tlog_size(p->mirror) : 0, __ATOMIC_RELAXED);
}

struct peer *node_peer_by_origin(struct node *n, const char *origin)
{
	const struct charter_party *pt = charter_party_of_log(&n->charter, origin);
	for (size_t i = 0; pt && i < n->npeers; i++)
		if (n->peers[i].party == pt)
			return &n->peers[i];
	return NULL;
}

int node_sign_checkpoint(void *ctx, const uint8_t *text, size_t len, struct buf *note)
{
	struct node *n = ctx;
	return keeper_client_sign_checkpoint(n->keeper, text, len, note);
}

/*
 * Our witness of the peers' logs, each judged under the peer's node keys over
 * time from the history (docs/amendments.md, "Rotating a node key"); an
 * adoption updates them with witness_set_log_keys.
 */
static int open_witness(struct node *n, const char *path)
{
	struct witness_log wl[MAX_PEERS];
	struct witness_key_span (*spans)[WITNESS_LOG_KEYS_MAX] = calloc(MAX_PEERS, sizeof *spans);
	if (!spans)
		return err_set(ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n->npeers; i++) {
		const struct note_verifier *k = &n->peers[i].party->node_key;
		wl[i] = (struct witness_log){*k, spans[i], witness_log_keys(node_history(n), k->name, spans[i])};
	}
	int rc = witness_open_remote(&n->witness, path, &n->me->node_cosigner, node_cosign, n, wl, n->npeers);
	free(spans);
	if (!rc) /* the hand-over is the node's --max-skew, as for its mirrors and its keeper */
		rc = witness_set_handover(n->witness, n->o.max_skew);
	if (!rc) { /* our cosignatures by any key of ours the amendments gave (history/<size> keeps our first) */
		struct note_verifier own[HISTORY_NODE_KEYS_MAX];
		rc = witness_set_own_keys(n->witness, own, node_own_cosigners(n, own));
	}
	return rc;
}

/* The charter, and our party in it by the log key the keeper holds (the network side never reads the key file). */
static int load_files(struct node *n)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/charter", n->dir);
	int rc = charter_load(&n->charter, path);
	if (rc)
		return err_wrap(rc, "%s", path);
	if (!charter_complete(&n->charter)) {
		charter_release(&n->charter);
		return err_set(ERR_USAGE, "%s is not signed by every party", path);
	}
	/* by the log's name: the key may be one an amendment brought (the keeper checked it is our party's) */
	n->me = charter_party_of_log(&n->charter, n->logkey.name);
	if (!n->me) {
		charter_release(&n->charter);
		return err_set(ERR_USAGE, "%s/node.key is not the node key of any party in the charter", n->dir);
	}
	return 0;
}

int node_init(const char *dir, const char *charter_path, const char *key_path)
{
	char path[PATH_MAX + 32];
	struct buf b;
	struct charter c;
	struct keyfile key;
	int rc;
	if (strlen(dir) >= PATH_MAX - 512)
		return err_set(ERR_USAGE, "node directory path is too long");
	buf_init(&b, CHARTER_MAX_SIZE);
	if ((rc = mkdir_p(dir, 0700)))
		goto out;
	snprintf(path, sizeof path, "%s/charter", dir);
	if ((rc = file_read(charter_path, CHARTER_MAX_SIZE, &b)) || (rc = file_write_atomic(path, b.data, b.len, 0644, 1)))
		goto out;
	snprintf(path, sizeof path, "%s/node.key", dir);
	if ((rc = keyfile_copy(key_path, path)))
		goto out;
	snprintf(path, sizeof path, "%s/charter", dir);
	if ((rc = charter_load(&c, path))) {
		rc = err_wrap(rc, "%s", path);
		goto out;
	}
	snprintf(path, sizeof path, "%s/node.key", dir);
	if (!charter_complete(&c))
		rc = err_set(ERR_USAGE, "%s/charter is not signed by every party", dir);
	else if (!(rc = keyfile_read(&key, path))) {
		if (!charter_party_of_key(&c, key.sign.name, key.sign.id, key.sign.pub))
			rc = err_set(ERR_USAGE, "%s is not the node key of any party in the charter", path);
		snprintf(path, sizeof path, "%s/log", dir);
		if (!rc)
			rc = tlog_create(path, &key.sign);
		keyfile_release(&key);
	}
	charter_release(&c);
out:
	buf_release(&b);
	return rc;
}

/* 1 if the log, the bodies and every peer's mirror are on one filesystem (one syncfs covers them). */
static int same_filesystem(struct node *n)
{
	struct stat a, b;
	char dir[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/bodies", n->dir);
	if (fstat(n->log_fd, &a) || mkdir_p(dir, 0755) || stat(dir, &b) || a.st_dev != b.st_dev)
		return 0;
	for (size_t i = 0; i < n->charter.nparties; i++) {
		if (&n->charter.parties[i] == n->me)
			continue;
		snprintf(dir, sizeof dir, "%s/peers/%s", n->dir, n->charter.parties[i].id);
		if (mkdir_p(dir, 0755) || stat(dir, &b) || a.st_dev != b.st_dev)
			return 0;
	}
	return 1;
}

static int start_thread(pthread_t *t, int *started, void *(*fn)(void *), struct node *n, const char *what)
{
	int e = pthread_create(t, NULL, fn, n);
	if (e)
		return err_set(ERR_IO, "cannot start the %s thread: %s", what, strerror(e));
	*started = 1;
	return 0;
}

static int start(struct node *n)
{
	char path[PATH_MAX + 64];
	int rc;
	pthread_mutex_init(&n->log_lock, NULL);
	pthread_mutex_init(&n->push_lock, NULL);
	pthread_cond_init(&n->push_cond, NULL);
	pthread_mutex_init(&n->rec_lock, NULL);
	pthread_cond_init(&n->rec_cond, NULL);
	pthread_mutex_init(&n->cases_lock, NULL);
	pthread_mutex_init(&n->amend_lock, NULL);
	/* The keeper first, while this process has no thread: it reads the key file, this side never does. */
	if (!n->o.max_skew)
		n->o.max_skew = SUBMIT_DEFAULT_SKEW;
	struct keeper_start how = {n->o.keeper_sandbox, n->o.max_skew, n->o.keeper_user, n->o.keeper_allow_root};
	if ((rc = keeper_client_start(&n->keeper, n->dir, &how)))
		return rc;
	n->logkey = *keeper_client_log_key(n->keeper);
	if ((rc = load_files(n)))
		return rc;
	if ((rc = node_history_open(n)))
		return rc;
	/* URLs and witnesses as the latest amendment has them (a change made while running takes effect at the next start) */
	const struct charter *latest = history_latest(node_history(n));
	snprintf(path, sizeof path, "%s/log", n->dir);
	struct checkpoint head; /* what the keeper signed last: a crash may have kept it from being published */
	memset(&head, 0, sizeof head);
	snprintf(head.origin, sizeof head.origin, "%s", n->logkey.name);
	int signed_ = keeper_client_signed(n->keeper, &head.size, head.root);
	struct note_verifier ours[HISTORY_NODE_KEYS_MAX];
	size_t nours = node_log_keys(n, n->logkey.name, ours);
	if ((rc = tlog_open_signed(&n->log, path, ours, nours, node_sign_checkpoint, n, signed_ ? &head : NULL)))
		return err_wrap(rc, "log");
	n->log_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof path, "%s/cosigned", n->dir);
	mkdir_p(path, 0755);
	if (n->log_fd < 0)
		return err_set(ERR_IO, "%s: %s", n->dir, strerror(errno));
	n->syncfs = same_filesystem(n);
	snprintf(path, sizeof path, "%s/bodies", n->dir);
	if ((rc = bodies_open(&n->bodies, path, n->syncfs)))
		return rc;
	if (n->syncfs)
		tlog_set_sync(n->log, TLOG_SYNC_FS);
	for (size_t i = 0; i < n->charter.nparties; i++) {
		const struct charter_party *pt = &n->charter.parties[i];
		if (pt == n->me) {
			continue;
		}
		struct peer *p = &n->peers[n->npeers];
		p->party = pt;
		pthread_mutex_init(&p->lock, NULL);
		snprintf(p->dir, sizeof p->dir, "%s/peers/%s", n->dir, pt->id);
		if (!(rc = node_open_mirror(n, p)))
			node_publish_sizes(p);
		if (rc)
			return err_wrap(rc, "mirror of %s", pt->id);
		n->npeers++;
		struct target *t = &n->targets[n->ntargets++];
		snprintf(t->name, sizeof t->name, "%s", pt->id);
		snprintf(t->url, sizeof t->url, "%s", latest->parties[i].url);
		t->key[0] = pt->node_cosigner;
		t->nkeys = 1;
		t->party = (int)i;
	}
	for (size_t i = 0; i < latest->nwitnesses; i++) {
		struct target *t = &n->targets[n->ntargets++];
		snprintf(t->name, sizeof t->name, "%s", latest->witnesses[i].id);
		snprintf(t->url, sizeof t->url, "%s", latest->witnesses[i].url);
		t->key[0] = latest->witnesses[i].key;
		t->nkeys = 1;
		t->party = -1;
		t->is_witness = 1;
	}
	if ((rc = client_global_init()) || (rc = node_check_rollback(n)))
		return rc;
	snprintf(path, sizeof path, "%s/witness", n->dir);
	if ((rc = open_witness(n, path)))
		return err_wrap(rc, "witness state");
	witness_set_hook(n->witness, node_witness_hook, n);
	node_clean_kept(n); /* before the index may be rebuilt from the kept checkpoints */
	if ((rc = node_state_open(n)))
		return rc;
	/* bound before the confinement (a port below 1024 needs root), served only after it */
	char listen[300];
	if (n->o.listen) {
		snprintf(listen, sizeof listen, "%s", n->o.listen);
	} else {
		url_listen_addr(n->me->url, listen, sizeof listen);
	}
	int listen_fd = -1;
	if ((rc = url_listen_check(n->me->url, listen, n->o.listen != NULL)) || (rc = http_listen(listen, &listen_fd)))
		return rc;
	/* directories made at run time must exist before Landlock fixes what may be touched (sys/sandbox.h) */
	static const char *const made_later[] = {"amendments", "tmp"};
	for (size_t i = 0; i < sizeof made_later / sizeof made_later[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", n->dir, made_later[i]);
		if ((rc = mkdir_p(path, i ? 0700 : 0755))) { /* tmp: SQLite's temporary files */
			close(listen_fd);
			return rc;
		}
	}
	/* the keeper's watcher: the first thread, started under the confinement */
	if ((n->o.confine && (rc = n->o.confine(n->o.confine_ctx, n->dir))) || (rc = keeper_client_watch(n->keeper))) {
		close(listen_fd);
		return rc;
	}
	struct sequencer_hooks hooks = {.identify = node_identify,
					.seen = node_seen_leaf,
					.before_commit = node_flush_bodies,
					.committed = node_on_committed,
					.ctx = n,
					.log_lock = &n->log_lock};
	if ((rc = sequencer_start(&n->seq, n->log, &hooks, 8192))) {
		close(listen_fd);
		return rc;
	}
	node_history_record(n); /* an amendment saved but not yet in our log (a crash between the two) */
	node_http_routes(n);
	/*
	 * The peers and witnesses the charter names (their URL hosts, resolved now)
	 * are trusted: no per-address cap, and a sixteenth of the connections kept
	 * for them, so idle or slow clients cannot lock them out (docs/node.md).
	 */
	struct http_addr trusted[64];
	size_t ntrusted = 0;
	for (size_t i = 0; i < latest->nparties + latest->nwitnesses; i++) {
		const char *url = i < latest->nparties ? latest->parties[i].url
						       : latest->witnesses[i - latest->nparties].url;
		if (i < latest->nparties && &n->charter.parties[i] == n->me)
			continue;
		if (http_url_addrs(url, trusted, sizeof trusted / sizeof trusted[0], &ntrusted))
			node_event(LOGLINE_WARN, "http_trusted", "url", url, "msg", err_msg(), LOGLINE_END);
	}
	unsigned conns = n->o.http_connections ? n->o.http_connections : 4096;
	struct http_limits lim = {.connections = conns, .per_address = conns / 16, .reserve = conns / 16,
				  .timeout_s = n->o.http_timeout_s ? n->o.http_timeout_s : 15,
				  .workers = 16, .cache_bytes = 64u << 20, .trusted = trusted, .ntrusted = ntrusted,
				  /* request bodies held at once: four whole submissions, a quarter kept for the peers (docs/node.md) */
				  .body_budget = (size_t)256 << 20, .body_reserve = (size_t)64 << 20, .body_rate = 16u << 10,
				  .listen_fd = listen_fd};
	if ((rc = http_start(&n->http, listen, n->routes, n->nroutes, n, &lim)))
		return rc;
	if ((rc = client_global_init()))
		return rc;
	if ((rc = start_thread(&n->pusher, &n->started_pusher, node_pusher_main, n, "pusher")) ||
	    (rc = start_thread(&n->poller, &n->started_poller, node_poller_main, n, "poller")) ||
	    (rc = start_thread(&n->recorder, &n->started_recorder, node_recorder_main, n, "recorder")))
		return rc;
	char size[24];
	snprintf(size, sizeof size, "%" PRIu64, tlog_size(n->log));
	node_event(LOGLINE_INFO, "start", "version", parley_version(), "party", n->me->id, "listen", listen, "log",
		   n->logkey.name, "log_size", size, LOGLINE_END);
	return 0;
}

void node_stop(struct node *n)
{
	if (!n)
		return;
	if (n->http)
		http_stop(n->http);
	pthread_mutex_lock(&n->push_lock);
	n->stopping = 1;
	pthread_cond_signal(&n->push_cond);
	pthread_mutex_unlock(&n->push_lock);
	if (n->started_pusher)
		pthread_join(n->pusher, NULL);
	if (n->started_poller)
		pthread_join(n->poller, NULL);
	pthread_mutex_lock(&n->rec_lock);
	pthread_cond_signal(&n->rec_cond);
	pthread_mutex_unlock(&n->rec_lock);
	if (n->started_recorder)
		pthread_join(n->recorder, NULL);
	sequencer_stop(n->seq);
	witness_close(n->witness);
	for (size_t i = 0; i < n->npeers; i++) {
		tlog_close(n->peers[i].mirror);
		pthread_mutex_destroy(&n->peers[i].lock);
	}
	tlog_close(n->log);
	node_state_close(n);
	node_history_close(n);
	if (n->log_fd > 0)
		close(n->log_fd);
	bodies_close(n->bodies);
	if (n->me)
		charter_release(&n->charter);
	keeper_client_stop(n->keeper);
	pthread_mutex_destroy(&n->log_lock);
	pthread_mutex_destroy(&n->push_lock);
	pthread_cond_destroy(&n->push_cond);
	pthread_mutex_destroy(&n->rec_lock);
	pthread_cond_destroy(&n->rec_cond);
	pthread_mutex_destroy(&n->cases_lock);
	pthread_mutex_destroy(&n->amend_lock);
	free(n);
}

int node_start(const struct node_options *o, struct node **out)
{
	*out = NULL;
	struct node *n = calloc(1, sizeof *n);
	if (!n)
		return err_set(ERR_NOMEM, "out of memory");
	n->o = *o;
	if (strlen(o->dir) >= sizeof n->dir) {
		free(n);
		return err_set(ERR_USAGE, "node directory path is too long");
	}
	snprintf(n->dir, sizeof n->dir, "%s", o->dir);
	int rc = start(n);
	if (rc) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		node_stop(n);
		return err_set(rc, "%s", msg);
	}
	*out = n;
	return 0;
}

const char *node_party(const struct node *n)
{
	return n->me->id;
}

int node_keeper_alive(struct node *n)
{
	return keeper_client_alive(n->keeper);
}

int node_alive(struct node *n)
{
	char why[256];
	return sequencer_health(n->seq, why, sizeof why) < 2 && keeper_client_alive(n->keeper);
}
