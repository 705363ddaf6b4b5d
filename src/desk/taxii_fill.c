/* taxii_fill — see taxii_fill.h. */
#include "desk/taxii_fill.h"

#include "base/buf.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/jsonload.h"
#include "evidence/stix.h"
#include "exchange/envelope.h"
#include "exchange/profile.h"
#include "exchange/syntax.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HEADER "parley taxii journal 1 "

static void note(struct taxii_fill_stats *st, const char *source)
{
	snprintf(st->last_error, sizeof st->last_error, "%s: %s", source, err_msg());
}

/* ---- the journal ---- */

static int source_valid(const char *s, size_t n)
{
	const char *sl = memchr(s, '/', n);
	uint64_t idx;
	return sl && syntax_party_id(s, (size_t)(sl - s)) && dec_u64(sl + 1, n - (size_t)(sl + 1 - s), &idx) == 0 &&
	       n < sizeof((struct taxii_journal_entry *)0)->source;
}

int taxii_journal_parse(const char *p, size_t n, const char *cid, struct taxii_journal_entry **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (n > TAXII_JOURNAL_MAX)
		return err_set(ERR_LIMIT, "larger than %zu bytes", TAXII_JOURNAL_MAX);
	if (n == 0)
		return 0;
	size_t hl = strlen(HEADER), cl = strlen(cid);
	const char *nl = memchr(p, '\n', n);
	if (!nl) /* the header itself cut short: nothing was journaled */
		return 0;
	if ((size_t)(nl - p) != hl + cl || memcmp(p, HEADER, hl) || memcmp(p + hl, cid, cl))
		return err_set(ERR_FORMAT, "line 1: not a TAXII journal of collection %s", cid);
	struct taxii_journal_entry *e = NULL;
	size_t ne = 0, cap = 0, line = 1;
	for (const char *l = nl + 1; l < p + n;) {
		line++;
		const char *end = memchr(l, '\n', (size_t)(p + n - l));
		if (!end) /* an append cut short */
			break;
		const char *sp = memchr(l, ' ', (size_t)(end - l));
		uint64_t d;
		if (!sp || !source_valid(l, (size_t)(sp - l)) || dec_u64(sp + 1, (size_t)(end - sp - 1), &d) ||
		    d > (uint64_t)TAXII_TIME_MAX_US) {
			free(e);
			return err_set(ERR_FORMAT, "line %zu: not 'PARTY/INDEX DATE'", line);
		}
		if (ne && (int64_t)d <= e[ne - 1].first) {
			free(e);
			return err_set(ERR_FORMAT, "line %zu: its date is not after the previous line's", line);
		}
		if (ne == cap) {
			cap = cap ? cap * 2 : 64;
			struct taxii_journal_entry *ng = realloc(e, cap * sizeof *ng);
			if (!ng) {
				free(e);
				return err_set(ERR_NOMEM, "out of memory");
			}
			e = ng;
		}
		memcpy(e[ne].source, l, (size_t)(sp - l));
		e[ne].source[sp - l] = 0;
		e[ne].first = (int64_t)d;
		ne++;
		l = end + 1;
	}
	*out = e;
	*count = ne;
	return 0;
}

/* ---- one envelope ---- */

/* Adds one envelope's evidence at time_us: 0 (added, or counted as refused/failed), or an error that stops the fill. */
static int one(struct taxii_store *s, const struct officer *o, const char *party, uint64_t index, int64_t time_us,
	       const char *source, struct taxii_fill_stats *st, size_t *added, int64_t *first)
{
	struct buf raw, plain;
	struct envelope e;
	json_t *body = NULL, *empty = NULL;
	int rc;
	*added = 0;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	if ((rc = officer_fetch_envelope(o, party, index, &raw, &e))) {
		st->failed++;
		note(st, source);
		rc = 0;
		goto out;
	}
	rc = officer_open_body(o, &e, &plain);
	int64_t t = e.f.time;
	envelope_release(&e);
	if (rc == ERR_IO || rc == ERR_NOTFOUND || rc == ERR_NOMEM) { /* the node unreachable, the body not there yet */
		st->failed++;
		note(st, source);
		rc = 0;
		goto out;
	}
	if (rc) {
		/* The envelope is valid and its body there, but it can never be opened by this agency (not sealed
		   to it, not the body the envelope names, not a valid body): refused for good, the envelope
		   remembered below like one without evidence, so a refresh does not fetch it again. */
		st->refused++;
		note(st, source);
		rc = 0;
		buf_reset(&plain);
	}
	if (time_us == INT64_MIN) {
		/* date_added is when the desk added the object: the envelope's time, but never after the desk's
		   clock. The sender (and its node, which logged it) chose that time; dated ahead, it would carry
		   the collection's dates into the future, and dated 9999-12-31 it would use up the dates left and
		   every later envelope would be refused (the journal keeping that across restarts). */
		int64_t now = (int64_t)time(NULL);
		if (t > now)
			t = now;
		time_us = t < 0 ? 0 : t > TAXII_TIME_MAX_US / 1000000 ? TAXII_TIME_MAX_US / 1000000 * 1000000 : t * 1000000;
	}
	st->envelopes++;
	json_t *ev = NULL;
	if (plain.len && jsonload_strict(plain.data, plain.len, ENVELOPE_BODY_MAX, PROFILE_MAX_DEPTH, &body) == 0)
		ev = json_object_get(body, "evidence");
	if (ev && stix_check_json(ev, "$.evidence", NULL) != 0) {
		st->refused++;
		note(st, source);
		ev = NULL;
	}
	if (!ev) /* no evidence: remember the envelope, so it is not opened again */
		ev = empty = json_pack("{s:[]}", "objects");
	if (!ev) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	char what[160];
	size_t c0 = taxii_store_conflicts(s, NULL, 0), d0 = taxii_store_dropped(s, NULL, 0);
	rc = taxii_store_add_bundle(s, ev, time_us, source, added, first);
	size_t c1 = taxii_store_conflicts(s, what, sizeof what);
	if (c1 > c0) {
		st->conflicting += c1 - c0;
		snprintf(st->last_error, sizeof st->last_error, "%s: %s: held already with other content (kept as first added)",
			 source, what);
	}
	size_t d1 = taxii_store_dropped(s, st->last_dropped, sizeof st->last_dropped);
	if (d1 > d0) { /* its sender is over its share: dropped for good, like refused evidence */
		st->dropped += d1 - d0;
		snprintf(st->last_error, sizeof st->last_error, "%s", st->last_dropped);
	}
	if (rc == ERR_CONFLICT) /* added meanwhile by another fill */
		rc = 0;
	else if (!rc && !empty && d1 == d0) {
		st->bundles++;
		st->objects += *added;
	}
out:
	json_decref(body);
	json_decref(empty);
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&raw);
	buf_release(&plain);
	return rc;
}

/* ---- the fill ---- */

struct item {
	const char *party;
	uint64_t index;
	char source[40];
};

/* Opens the journal for appending (creating it with its header), fd into *fd. */
static int journal_open(const char *path, const char *cid, int *fd)
{
	*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	off_t end = lseek(*fd, 0, SEEK_END);
	if (end == 0) {
		char h[96];
		int n = snprintf(h, sizeof h, "%s%s\n", HEADER, cid);
		/* a new file: its name made durable too */
		char dir[4096];
		const char *sl = strrchr(path, '/');
		if (!sl)
			snprintf(dir, sizeof dir, ".");
		else if (sl == path)
			snprintf(dir, sizeof dir, "/");
		else
			snprintf(dir, sizeof dir, "%.*s", (int)(sl - path), path);
		if (fd_write_all(*fd, h, (size_t)n) || fsync(*fd) != 0 || dir_fsync(dir)) {
			close(*fd);
			*fd = -1;
			return err_wrap(ERR_IO, "%s", path);
		}
	}
	return 0;
}

int taxii_fill(struct taxii_store *s, const struct officer *o, const char *journal, struct taxii_fill_stats *st)
{
	json_t *inbox, *it;
	struct item *items = NULL;
	struct taxii_journal_entry *je = NULL;
	size_t nitems = 0, nje = 0, i, added;
	int64_t first;
	int fd = -1, rc;
	char cid[37];
	struct buf jtext;
	memset(st, 0, sizeof *st);
	taxii_store_collection_id(s, cid);
	buf_init(&jtext, TAXII_JOURNAL_MAX);
	if (journal) {
		rc = file_read(journal, TAXII_JOURNAL_MAX, &jtext);
		if (rc == ERR_NOTFOUND)
			rc = 0;
		else if (!rc && (rc = taxii_journal_parse((const char *)jtext.data, jtext.len, cid, &je, &nje)))
			err_wrap(rc, "%s", journal);
		buf_release(&jtext);
		if (rc)
			return rc;
	}
	if ((rc = officer_inbox(o, 0, &inbox))) {
		free(je);
		return rc;
	}
	json_t *arr = json_object_get(inbox, "items");
	items = calloc(json_array_size(arr) + 1, sizeof *items);
	if (!items) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, it) {
		const char *party = officer_log_party(o, json_string_value(json_object_get(it, "log")));
		json_int_t index = json_integer_value(json_object_get(it, "index"));
		json_t *body = json_object_get(it, "body");
		if (!party || index < 0 || !body || json_is_null(body))
			continue;
		items[nitems].party = party;
		items[nitems].index = (uint64_t)index;
		snprintf(items[nitems].source, sizeof items[nitems].source, "%s/%" JSON_INTEGER_FORMAT, party, index);
		nitems++;
	}
	/* 1. What the journal names and the store lacks, in its order, at its dates. */
	for (size_t k = 0; k < nje && !rc; k++) {
		if (taxii_store_has_source(s, je[k].source))
			continue;
		for (i = 0; i < nitems && strcmp(items[i].source, je[k].source); i++)
			;
		if (i == nitems) /* not in the inbox (any more): nothing to place */
			continue;
		rc = one(s, o, items[i].party, items[i].index, je[k].first, items[i].source, st, &added, &first);
		if (!rc && added)
			st->replayed++;
	}
	/* 2. The new ones, in the inbox's order; journaled when they added objects. */
	for (i = 0; i < nitems && !rc; i++) {
		if (taxii_store_has_source(s, items[i].source))
			continue;
		rc = one(s, o, items[i].party, items[i].index, INT64_MIN, items[i].source, st, &added, &first);
		if (!rc && added && journal) {
			char line[80];
			int n = snprintf(line, sizeof line, "%s %" PRId64 "\n", items[i].source, first);
			if (fd < 0 && (rc = journal_open(journal, cid, &fd)))
				break;
			if (fd_write_all(fd, line, (size_t)n))
				rc = err_wrap(ERR_IO, "%s", journal);
		}
	}
	if (fd >= 0) {
		if (!rc && fsync(fd) != 0)
			rc = err_set(ERR_IO, "%s: %s", journal, strerror(errno));
		close(fd);
	}
out:
	json_decref(inbox);
	free(items);
	free(je);
	return rc;
}
