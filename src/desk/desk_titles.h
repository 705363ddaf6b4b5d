/*
 * desk_titles — the desk's bounded, in-memory cache of each case's title, so the
 * inbox (whose envelopes' bodies are sealed: the node cannot know a title) can be
 * searched by it (docs/desk.md "Search by title").
 *
 * Contract:
 * - At most DESK_TITLES_MAX cases are held; a new one past that evicts the one
 *   learnt longest ago. A title is cut to DESK_TITLE_MAX bytes (at a UTF-8
 *   character boundary). The memory is zeroed when an entry is evicted and in
 *   desk_titles_free: titles are decrypted content and are never written to disk.
 * - An entry may say "tried, no title" (a body without one, or one that did not
 *   open), so the desk does not open the same body again at every request.
 * - Not thread-safe: the desk calls it with its officer lock held.
 */
#ifndef PARLEY_DESK_TITLES_H
#define PARLEY_DESK_TITLES_H

#include <jansson.h>
#include <stddef.h>

#define DESK_TITLES_MAX 4096
#define DESK_TITLE_MAX 200
/* Bodies /api/inbox opens at most per request to learn titles it lacks. */
#define DESK_TITLES_PER_REQUEST 16

struct desk_titles;

/* A new, empty cache; NULL when out of memory. */
struct desk_titles *desk_titles_new(void);
/* Zeroes and frees (NULL is fine). */
void desk_titles_free(struct desk_titles *t);
/*
 * The case's entry: 1 and *title (valid until the next put; "" for "tried, no
 * title") if the cache knows it, 0 if not.
 */
int desk_titles_get(const struct desk_titles *t, const char *case_id, const char **title);
/*
 * Records the summary of body (a decrypted body, or NULL for one that did not open)
 * for case_id: its "title", else a consignment's "shipment_id" with its
 * "destination_district" and "crossing". A body with none of them records "tried,
 * no title" unless the case already has a title (an update does not erase it).
 */
void desk_titles_put(struct desk_titles *t, const char *case_id, json_t *body);

#endif
