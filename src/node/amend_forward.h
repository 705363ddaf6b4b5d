/*
 * amend_forward — the node sends every amendment it has adopted to the
 * neutral witnesses of the charter (POST /amendment on each), so that they
 * follow a node-key rotation (docs/amendments.md, "Rotating a node key").
 *
 * Called by the pusher thread once a round (node_push.c). Per witness it
 * remembers, in memory, how many amendments the witness acknowledged since
 * this node started (200: adopted, or already there) and sends the next ones
 * in order, at most AMEND_FORWARD_BATCH a round; after a node start it sends
 * them all again from the first (a witness answers 200 "already in force").
 * A failure waits 2 s, doubling up to AMEND_FORWARD_BACKOFF_MAX, before the
 * next try, and is logged when a witness starts failing or fails otherwise
 * (amendment_forward_failed: a warning when it does not answer, an error when
 * it refuses; amendment_forward_recovered when it accepts again), like
 * push_failed.
 */
#ifndef PARLEY_AMEND_FORWARD_H
#define PARLEY_AMEND_FORWARD_H

#define AMEND_FORWARD_BATCH 8           /* amendments sent to one witness per round */
#define AMEND_FORWARD_BACKOFF_MAX 300   /* seconds */
#define AMEND_FORWARD_TIMEOUT 15        /* seconds per request */

struct node;
/* One round: only ever from the pusher thread (its memory is that thread's). */
void amend_forward(struct node *n);

#endif
