/*
 * The node's lock order between its witness and its peers' mirrors (hostile
 * review of node-key rotation, docs/amendments.md "Hostile review"): the
 * witness calls the node's hook and cosigner with its own lock held, and they
 * take the peer's lock; the poller holds the peer's lock while an adoption
 * (witness_follow_history) or a fork's evidence (witness_keep_mirror_fork)
 * takes the witness's. The hook used to wait for the peer's lock without
 * bound: both threads stopped for good, and with them every cosignature of
 * our witness. Now it waits at most NODE_PEER_LOCK_WAIT_MS and refuses (the
 * witness answers 503, the pusher tries again).
 */
#include "base/err.h"
#include "node/node_internal.h"
#include "check.h"

#include <pthread.h>
#include <time.h>

static struct node *n;
static struct charter_party party;
static int hook_rc = 1;
static char hook_msg[1024]; /* err_msg() is the thread's own */

static void *call_hook(void *arg)
{
	(void)arg;
	struct checkpoint cp;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", party.node_key.name);
	hook_rc = node_witness_hook(n, NULL, &cp, (const uint8_t *)"x", 1);
	snprintf(hook_msg, sizeof hook_msg, "%s", err_msg());
	return NULL;
}

static void hook_does_not_wait_forever_for_a_busy_peer(void)
{
	n = calloc(1, sizeof *n);
	CHECK(n != NULL);
	if (!n)
		return;
	snprintf(party.node_key.name, sizeof party.node_key.name, "ru.parley.example/log");
	n->npeers = 1;
	n->peers[0].party = &party;
	n->peer_lock_wait_ms = 200;
	pthread_mutex_init(&n->peers[0].lock, NULL);
	pthread_mutex_lock(&n->peers[0].lock); /* the poller, syncing that peer (and waiting for the witness's lock) */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, call_hook, NULL) == 0);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	int joined = pthread_timedjoin_np(t, NULL, &until) == 0;
	CHECK(joined); /* it gave up on its own: no deadlock */
	CHECK(hook_rc == ERR_CONFLICT);
	CHECK(strstr(hook_msg, "busy") != NULL);
	pthread_mutex_unlock(&n->peers[0].lock);
	if (!joined)
		pthread_join(t, NULL);
	/* free, the hook takes the lock as before (the mirror is absent here: that error) */
	call_hook(NULL);
	CHECK(hook_rc == ERR_IO);
	pthread_mutex_destroy(&n->peers[0].lock);
	free(n);
}

int main(void)
{
	RUN(hook_does_not_wait_forever_for_a_busy_peer);
	return check_failures != 0;
}
