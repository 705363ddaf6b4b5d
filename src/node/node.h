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
	int accept_rollback;    /* start even if the log is behind what its witnesses cosigned (node_rollback.c) */
	unsigned http_timeout_s; /* idle or slow connections are closed after this; 0: 15 */
	unsigned http_connections; /* connections served at once (per untrusted address, and kept for the charter's peers: a sixteenth each); 0: 4096 */
	/*
	 * NULL, or called once during node_start when every file the node needs
	 * at start is open (the key read, the databases open) and its port is
	 * bound, before it starts any thread or serves: where the command drops
	 * root and applies Landlock (sys/sandbox.h). Non-zero stops the start.
	 */
	int (*confine)(void *ctx, const char *dir);
	void *confine_ctx;
	int keeper_sandbox;     /* the keeper confines itself (sandbox_apply(SANDBOX_KEEPER)); 0 with --no-sandbox */
	const char *keeper_user; /* started as root: the user the keeper switches to (--user; NULL: 'parley') */
	int keeper_allow_root;  /* --allow-root */
};

struct node;

/*
 * Starts the node: opens its directory, catches up the derived state, starts
 * serving and its threads. On success *out is the running node; on failure
 * nothing is left running and err_msg() says why. Signals are the caller's
 * (the command's) business: SIGPIPE must be ignored.
 */
int node_start(const struct node_options *o, struct node **out);
/* Stops serving, answers what is in flight, stops the threads, frees n. NULL is a no-op. */
void node_stop(struct node *n);
/* The party id of a running node (for log lines). */
const char *node_party(const struct node *n);

/* 1 while the log can take entries; 0 once it failed for good (a restart is needed: the watchdog's cue). */
int node_alive(struct node *n);

/* 1 while the node's keeper (its signer, docs/keeper.md) runs; 0 once it died (the node then stops). */
int node_keeper_alive(struct node *n);

/* Prepares DIR for a node: copies the charter and key file in, creates the log. */
int node_init(const char *dir, const char *charter_path, const char *key_path);

#endif
