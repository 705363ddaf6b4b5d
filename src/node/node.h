/*
 * node — a party's node: sequences its agencies' envelopes into its log,
 * serves the log and bodies over HTTP, witnesses its peers' logs (pulling and
 * storing their entries before cosigning), records deliveries with
 * 'received' envelopes, and pushes its own checkpoints to every witness.
 * docs/node.md describes the directory, the HTTP interface and the rules.
 */
#ifndef PARLEY_NODE_H
#define PARLEY_NODE_H

#include <stdint.h>

struct node_options {
	const char *dir;
	const char *listen;     /* NULL: the host:port of the party's URL in the charter */
	int64_t max_skew;       /* seconds; 0: SUBMIT_DEFAULT_SKEW */
	unsigned poll_s;        /* how often peers are polled for new checkpoints; 0: 5 */
	int reindex;            /* rebuild DIR/index.sqlite from the logs before serving */
	unsigned http_timeout_s; /* idle or slow connections are closed after this; 0: 15 */
};

/* Runs the node until SIGINT or SIGTERM. Returns 0 on a clean stop. */
int node_run(const struct node_options *o);

/* Prepares DIR for a node: copies the charter and key file in, creates the log. */
int node_init(const char *dir, const char *charter_path, const char *key_path);

#endif
