/*
 * taxii_fill — fills a TAXII store (taxii.h) from the agency's evidence: for
 * every envelope of the agency's inbox (as its node serves it) that has a
 * body and was not added yet, fetch and check the envelope against the
 * charter, open its body with the agency's key (officer_open_body), and if
 * the body carries "evidence" (a STIX 2.1 bundle, checked again with
 * stix_check_json: the sender is not trusted) add its objects with the
 * envelope's time as their date_added (bumped to stay strictly increasing;
 * never after the desk's clock: the sender chose that time).
 * New envelopes are taken in the inbox's order (envelope time, log, index);
 * call it again to add what arrived since (the desk does, at start and on a
 * refresh).
 *
 * Each envelope is a source "PARTY/INDEX" of the store: added once, also when
 * it carries no evidence or evidence that breaks a STIX rule (an envelope
 * never changes, so it is not read again), and also when its body can never
 * be opened by the agency (not sealed to it, not the body the envelope
 * names, not a valid body: counted refused). An envelope that cannot be
 * fetched or opened for now (the node unreachable, a body not yet there:
 * ERR_IO, ERR_NOTFOUND) is not marked and is tried again next time.
 *
 * The journal (optional, a file in the desk's directory) keeps the
 * date_added each envelope's objects got, so that a store filled again after
 * a restart gives every object the date it had: a late envelope (older time,
 * added after newer ones) keeps its place after them instead of moving back
 * before a client's added_after. docs/taxii.md, "date_added and the cursor".
 *
 *   parley taxii journal 1 <collection id>
 *   <PARTY>/<INDEX> <first date_added, µs since the epoch>
 *   ...
 *
 * One line per envelope whose bundle added objects, in the order they were
 * added; appended and fsync'd by each fill. A last line without its newline
 * (an append cut short) is ignored; anything else malformed is refused.
 */
#ifndef PARLEY_TAXII_FILL_H
#define PARLEY_TAXII_FILL_H

#include "desk/taxii.h"
#include "officer/officer.h"

#include <stddef.h>
#include <stdint.h>

#define TAXII_JOURNAL_MAX ((size_t)64 << 20)  /* bytes of a journal file */

struct taxii_fill_stats {
	size_t envelopes;     /* envelopes with a body read this time */
	size_t bundles;       /* of them, carrying evidence that was added */
	size_t objects;       /* objects added */
	size_t replayed;      /* envelopes placed by the journal */
	size_t refused;       /* evidence that is not a valid STIX bundle, or a body the agency can never open (skipped for good) */
	size_t failed;        /* envelopes that could not be fetched or opened (tried again next time) */
	size_t conflicting;   /* objects whose (id, version) was held with other content (skipped; taxii_store_conflicts) */
	size_t dropped;       /* bundles dropped because their sender was over its share (taxii_store_dropped; for good) */
	char last_error[384]; /* why the last refused, failed, conflicting or dropped one was, "" if none */
	char last_dropped[320]; /* the last bundle dropped over its sender's share (taxii_store_dropped), "" if none */
};

/*
 * Adds the new evidence of o's agency to s; with journal (a path, or NULL for
 * none), first the envelopes the journal names that s lacks, in its order and
 * at its dates, then the new ones, which are appended to it. 0 (per-envelope
 * problems are counted in st, not returned); ERR_IO / ERR_NOTFOUND if the
 * inbox or the journal cannot be read or written; ERR_FORMAT for a journal
 * that is malformed or belongs to another collection (the message names the
 * file and line); ERR_LIMIT if the store is full; ERR_NOMEM.
 */
int taxii_fill(struct taxii_store *s, const struct officer *o, const char *journal, struct taxii_fill_stats *st);

struct taxii_journal_entry {
	char source[40];      /* "PARTY/INDEX" */
	int64_t first;        /* the first object's date_added, µs */
};

/*
 * Parses journal text p[0..n) of collection cid into *out (free() it), *count
 * entries. ERR_FORMAT "line N: ..." (a wrong header, a bad source or date, a
 * date not above the previous one), ERR_LIMIT past
 * TAXII_JOURNAL_MAX, ERR_NOMEM.
 */
int taxii_journal_parse(const char *p, size_t n, const char *cid, struct taxii_journal_entry **out, size_t *count);

#endif
