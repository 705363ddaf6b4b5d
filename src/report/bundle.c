/* bundle — a period report with the logs it was computed from, and its offline verification. */
#include "report/bundle.h"
#include "report/mandate.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "exchange/envelope.h"
#include "crypto/note.h"
#include "exchange/syntax.h"
#include "tlog/kept.h"
#include "tlog/store.h"
#include "tlog/tiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_VS (HISTORY_NODE_KEYS_MAX + 4 * LOGSET_COSIGNERS) /* the log's keys and the cosigners' keys, a few rotations each */

/* out absent (created) or an empty directory; ERR_CONFLICT otherwise. */
static int make_empty_dir(const char *out)
{
	if (mkdir(out, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return err_set(ERR_IO, "mkdir %s: %s", out, strerror(errno));
	DIR *d = opendir(out);
	if (!d)
		return err_set(ERR_CONFLICT, "%s exists and is not a directory", out);
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = err_set(ERR_CONFLICT, "%s exists and is not empty: a bundle is written into a new directory", out);
	closedir(d);
	return rc;
}

/* ---- writing: the entries ---- */

struct add_ctx {
	struct tlog *m;
	size_t want;
};

static int add_entry(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct add_ctx *a = ctx;
	uint64_t index;
	(void)i;
	if (!a->want)
		return 0; /* beyond the cut */
	a->want--;
	return tlog_add(a->m, entry, len, &index);
}

/* Queues entries [0, cut) of L's source directory into the mirror m, flushing as batches fill. */
static int copy_entries(const struct logset_log *L, struct tlog *m, uint64_t cut)
{
	struct buf bundle;
	int rc = 0, dirfd = open(L->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_init(&bundle, TLOG_BUNDLE_MAX);
	if (dirfd < 0) {
		rc = err_set(ERR_IO, "%s: %s", L->dir, strerror(errno));
		goto out;
	}
	for (uint64_t at = 0; at < cut && !rc; at += TILE_WIDTH) {
		struct tile_id id = {TILE_LEVEL_ENTRIES, at / TILE_WIDTH, TILE_WIDTH};
		if (at + TILE_WIDTH > L->cp.size)
			id.width = (unsigned)(L->cp.size - at); /* the partial bundle at the source's checkpoint */
		rc = tile_read_file(dirfd, &id, &bundle);
		if (rc == ERR_NOTFOUND && id.width < TILE_WIDTH) {
			id.width = TILE_WIDTH; /* completed since by a running node */
			rc = tile_read_file(dirfd, &id, &bundle);
		}
		uint64_t left = cut - at;
		struct add_ctx a = {m, left < TILE_WIDTH ? (size_t)left : TILE_WIDTH};
		if (!rc && (rc = tile_bundle_parse(bundle.data, bundle.len, id.width, add_entry, &a)) == 0 && a.want)
			rc = err_set(ERR_FORMAT, "too few entries");
		if (rc) {
			rc = err_set(rc == ERR_NOTFOUND || rc == ERR_FORMAT ? ERR_VERIFY : rc, "%s: entry bundle %llu: %s",
				     L->dir, (unsigned long long)id.index, err_msg());
			break;
		}
		if (tlog_pending_bytes(m) >= TLOG_BATCH_MAX_BYTES / 2)
			rc = tlog_flush_mirror(m);
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	buf_release(&bundle);
	return rc;
}

/* ---- writing: the checkpoints ---- */

static int parse_size_name(const char *name, uint64_t *size)
{
	uint64_t v = 0;
	if (!name[0] || (name[0] == '0' && name[1]))
		return -1;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*size = v;
	return 0;
}

/*
 * Merges one source checkpoint file into the bundle's kept directory when its
 * size is at most the cut; the signature lines of one of exactly the cut's
 * size are also appended to cutlines.
 */
static int merge_file(const char *path, uint64_t cut, const char *dst, const struct note_verifier *vs, size_t nv,
		      struct buf *cutlines)
{
	struct buf b, merged;
	struct checkpoint cp;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	buf_init(&merged, CHECKPOINT_MAX_SIZE);
	int rc = file_read(path, b.max, &b);
	if (rc == ERR_NOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (checkpoint_parse_unverified(&cp, b.data, b.len)) {
		rc = err_set(ERR_VERIFY, "%s: %s", path, err_msg());
		goto out;
	}
	if (cp.size > cut)
		goto out;
	if ((rc = kept_merge(dst, cp.size, b.data, b.len, b.data, b.len, vs, nv, &merged))) {
		rc = err_wrap(rc, "%s", path);
		goto out;
	}
	if (cp.size == cut)
		rc = kept_sig_lines(cutlines, b.data, b.len);
out:
	buf_release(&b);
	buf_release(&merged);
	return rc;
}

static int merge_dir(const char *dir, uint64_t cut, const char *dst, const struct note_verifier *vs, size_t nv,
		     struct buf *cutlines)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;
	if (!d)
		return errno == ENOENT ? 0 : err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	while (!rc && (e = readdir(d))) {
		char path[PATH_MAX + 300];
		uint64_t size;
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue; /* as the loader: hidden and temporary files */
		if (!parse_size_name(e->d_name, &size) && size > cut)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		rc = merge_file(path, cut, dst, vs, nv, cutlines);
	}
	closedir(d);
	return rc;
}

/* The time of a single signature line (text + line) if it is a cosignature by v that verifies; -1 otherwise. */
static int64_t line_time(const uint8_t *text, size_t tlen, const char *line, size_t llen, const struct note_verifier *v)
{
	struct buf nb;
	struct note n;
	uint64_t t;
	int64_t out = -1;
	buf_init(&nb, CHECKPOINT_MAX_SIZE);
	if (buf_append(&nb, text, tlen) || buf_append(&nb, "\n", 1) || buf_append(&nb, line, llen))
		goto out;
	if (note_parse(&n, nb.data, nb.len))
		goto out;
	if (n.nsigs == 1 && !strcmp(n.sigs[0].name, v->name) && n.sigs[0].id == v->id &&
	    note_verify_sig(&n, 0, v, &t) == 0 && t <= INT64_MAX)
		out = (int64_t)t;
	note_release(&n);
out:
	buf_release(&nb);
	return out;
}

/*
 * The note the bundle's log is committed under: the kept file of the cut
 * (log signature, earliest cosignature per cosigner) plus, per cosigner
 * counted for the closing checkpoint, the cosignature that counted when it is
 * not that earliest one (found among the source's lines of the cut's size).
 */
static int cut_note(const struct logset *s, const struct logset_log *L, const char *kept, uint64_t cut,
		    const struct buf *cutlines, const struct note_verifier *vs, size_t nv, struct buf *note)
{
	char path[PATH_MAX + 128];
	snprintf(path, sizeof path, "%s/%llu", kept, (unsigned long long)cut);
	int rc = file_read(path, note->max, note);
	if (rc)
		return err_wrap(rc == ERR_NOTFOUND ? ERR_VERIFY : rc, "no signed checkpoint of size %llu for the cut",
				(unsigned long long)cut);
	const uint8_t *blank = memmem(note->data, note->len, "\n\n", 2);
	if (!blank)
		return err_set(ERR_VERIFY, "%s: not a signed note", path);
	size_t tlen = (size_t)(blank - note->data) + 1;
	if (!L->closed)
		return 0;
	int64_t after = s->to + LOGSET_SLACK;
	for (size_t i = 0; i < L->closing.ncosigners && !rc; i++) {
		int c = L->closing.cosigners[i];
		const char *name = logset_cosigner_name(s, c);
		int64_t counted = -1;
		for (size_t j = 0; j < L->npoints; j++) {
			const struct logset_point *p = &L->points[j];
			if (p->size == cut && p->cosigner == c && p->time >= after && (counted < 0 || p->time < counted))
				counted = p->time;
		}
		if (counted < 0)
			return err_set(ERR_VERIFY, "the closing cosignature by %s is no longer in the source", name);
		/* by any key the cosigner has had (a party's node key may have been rotated) */
		int found = 0;
		for (size_t k = 0; k < nv && !found && !rc; k++) {
			const struct note_verifier *v = &vs[k];
			if (v->type != NOTE_COSIGNATURE || strcmp(v->name, name))
				continue;
			/* already there (it is the earliest)? then nothing to add */
			const uint8_t *p = blank + 2, *end = note->data + note->len;
			while (p < end && !found) {
				const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
				size_t ll = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
				found = line_time(note->data, tlen, (const char *)p, ll, v) == counted;
				p += ll;
			}
			p = cutlines->data;
			end = cutlines->data + cutlines->len;
			while (p < end && !found) {
				const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
				size_t ll = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
				if (line_time(note->data, tlen, (const char *)p, ll, v) == counted) {
					found = 1;
					rc = buf_append(note, p, ll);
				}
				p += ll;
			}
		}
		if (!rc && !found)
			rc = err_set(ERR_VERIFY, "the closing cosignature by %s is no longer in the source", name);
	}
	return rc;
}

static int write_log(const struct logset *s, int p, const char *out)
{
	const struct charter_party *party = &s->charter->parties[p];
	const struct logset_log *L = &s->logs[p];
	char dst[PATH_MAX + 64], kept[PATH_MAX + 64];
	struct note_verifier vs[MAX_VS];
	struct buf cutlines, note;
	struct tlog *m = NULL;
	uint64_t cut = L->read;
	int rc;
	if (!L->present)
		return 0;
	buf_init(&cutlines, NOTE_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	/* every node key the party has had (docs/amendments.md, "Rotating a node key"), then its log's cosigners */
	struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
	size_t nk = history_node_keys(&s->history, party->node_key.name, ks, HISTORY_NODE_KEYS_MAX), nlog = 0;
	for (size_t k = 0; k < nk; k++) {
		size_t j = 0;
		while (j < nlog && memcmp(vs[j].pub, ks[k].key.pub, sizeof vs[j].pub))
			j++;
		if (j == nlog) /* a key brought back later is one key */
			vs[nlog++] = ks[k].key;
	}
	size_t nv = nlog + cosig_keys_of_log(&s->history, party->node_key.name, vs + nlog, MAX_VS - nlog);
	snprintf(dst, sizeof dst, "%s/logs/%s", out, party->id);
	snprintf(kept, sizeof kept, "%s/logs/%s.checkpoints", out, party->id);
	if (mkdir(kept, 0755) != 0) {
		rc = err_set(ERR_IO, "mkdir %s: %s", kept, strerror(errno));
		goto out;
	}
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/checkpoint", L->dir);
	rc = merge_file(path, cut, kept, vs, nv, &cutlines);
	for (int k = 0; k < L->nkept && !rc; k++)
		rc = merge_dir(L->kept[k], cut, kept, vs, nv, &cutlines);
	if (!rc)
		rc = cut_note(s, L, kept, cut, &cutlines, vs, nv, &note);
	if (rc) {
		rc = err_wrap(rc, "%s's log", party->id);
		goto out;
	}
	if ((rc = tlog_open_mirror(&m, dst, vs, nlog))) {
		rc = err_wrap(rc, "%s", dst);
		goto out;
	}
	tlog_set_sync(m, TLOG_SYNC_FS);
	if (!(rc = copy_entries(L, m, cut)) && (rc = tlog_commit_mirror(m, note.data, note.len)))
		rc = err_wrap(rc == ERR_USAGE ? ERR_VERIFY : rc, "%s's log cut at %llu", party->id, (unsigned long long)cut);
out:
	if (m)
		tlog_close(m);
	buf_release(&cutlines);
	buf_release(&note);
	return rc;
}

int bundle_write_logs(const struct logset *s, const char *charter_path, const char *out)
{
	char path[PATH_MAX + 64];
	struct buf b;
	buf_init(&b, 1u << 20);
	int rc = make_empty_dir(out);
	if (!rc && (rc = file_read(charter_path, b.max, &b)) == 0) {
		snprintf(path, sizeof path, "%s/charter", out);
		rc = file_write_atomic(path, b.data, b.len, 0644, 1);
	}
	snprintf(path, sizeof path, "%s/logs", out);
	if (!rc && mkdir(path, 0755) != 0)
		rc = err_set(ERR_IO, "mkdir %s: %s", path, strerror(errno));
	for (size_t p = 0; p < s->charter->nparties && !rc; p++)
		rc = write_log(s, (int)p, out);
	if (!rc && (rc = history_save_dir(&s->history, out))) /* what the entries were judged under */
		err_wrap(rc, "%s/amendments", out);
	buf_release(&b);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void bundle_discard(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- verifying ---- */


static int bad_json(const char *what)
{
	return err_set(ERR_VERIFY, "report.json: %s", what);
}

/* A member that is null or a string: *out NULL or the string. */
static int opt_str(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad_json("filter member not a string or null");
	*out = json_string_value(v);
	return 0;
}

/*
 * The parameters, from the head of report.json (everything before "as_of",
 * parsed as a JSON object): the file may be hundreds of megabytes, and the
 * byte-for-byte comparison afterwards checks the rest.
 */
int bundle_params_parse(const uint8_t *data, size_t len, const struct charter *ch, struct bundle_params *pr)
{
	static const char mark[] = "\n  \"as_of\": ";
	size_t head = len < 65536 ? len : 65536;
	const uint8_t *at = memmem(data, head, mark, sizeof mark - 1);
	struct buf b;
	json_t *root = NULL;
	int rc = 0;
	buf_init(&b, 65536 + 8);
	if (!at)
		return bad_json("not a parley report (no \"as_of\" member where the layout puts it)");
	size_t n = (size_t)(at - data);
	while (n && (data[n - 1] == ',' || data[n - 1] == ' ' || data[n - 1] == '\n'))
		n--;
	if ((rc = buf_append(&b, data, n)) || (rc = buf_append(&b, "\n}", 2)))
		goto out;
	root = json_loadb((const char *)b.data, b.len, 0, NULL);
	json_t *period = json_object_get(root, "period"), *filter = json_object_get(root, "filter");
	const char *rep = json_string_value(json_object_get(root, "report"));
	const char *chan = json_string_value(json_object_get(root, "channel"));
	const char *from = json_string_value(json_object_get(period, "from"));
	const char *to = json_string_value(json_object_get(period, "to"));
	pr->mandate = rep && !strcmp(rep, MANDATE_REPORT_NAME);
	if (pr->mandate && root && chan && strlen(chan) == 64 && from && to && !filter) {
		/* a mandate report: its term is recomputed and compared with the rest */
		memcpy(pr->channel, chan, 65);
		pr->f = (struct report_filter){-1, -1, -1};
		if (syntax_time(from, strlen(from), &pr->from) || syntax_time(to, strlen(to), &pr->to) || pr->from >= pr->to)
			rc = bad_json("the period is not two RFC 3339 times, from before to");
		goto out;
	}
	if (!root || !rep || strcmp(rep, "parley report v1") || !chan || strlen(chan) != 64 || !from || !to ||
	    !json_is_object(filter)) {
		rc = bad_json("not a parley report v1 (report, channel, period, filter) or a parley mandate report v1 (report, channel, period)");
		goto out;
	}
	memcpy(pr->channel, chan, 65);
	if (syntax_time(from, strlen(from), &pr->from) || syntax_time(to, strlen(to), &pr->to) || pr->from >= pr->to) {
		rc = bad_json("the period is not two RFC 3339 times, from before to");
		goto out;
	}
	const char *party, *to_party, *kind;
	pr->f = (struct report_filter){-1, -1, -1};
	if ((rc = opt_str(filter, "party", &party)) || (rc = opt_str(filter, "to_party", &to_party)) ||
	    (rc = opt_str(filter, "kind", &kind)))
		goto out;
	const struct charter_party *cp;
	if (party && !(cp = charter_party(ch, party, strlen(party)))) {
		rc = bad_json("filter.party is not a party of the charter");
		goto out;
	}
	if (party)
		pr->f.party = (int)(cp - ch->parties);
	if (to_party && !(cp = charter_party(ch, to_party, strlen(to_party)))) {
		rc = bad_json("filter.to_party is not a party of the charter");
		goto out;
	}
	if (to_party)
		pr->f.to_party = (int)(cp - ch->parties);
	if (kind && (pr->f.kind = envelope_kind_parse(kind, strlen(kind))) < 0)
		rc = bad_json("filter.kind is not a kind of envelope");
out:
	json_decref(root);
	buf_release(&b);
	return rc;
}

/* A FILE that compares what is written with want, noting the first byte that differs. */
struct cmp {
	const uint8_t *want;
	size_t len, off;
	int differ;
	size_t at;
};

static ssize_t cmp_write(void *c, const char *p, size_t n)
{
	struct cmp *k = c;
	for (size_t i = 0; i < n && !k->differ; i++)
		if (k->off + i >= k->len || (uint8_t)p[i] != k->want[k->off + i]) {
			k->differ = 1;
			k->at = k->off + i;
		}
	k->off += n;
	return (ssize_t)n;
}

/* The path of the first difference between the bundle's JSON a and the recomputed b, into out. */
static int json_diff(json_t *a, json_t *b, char *path, size_t plen, size_t cap, char *out, size_t outcap)
{
	if (json_is_object(a) && json_is_object(b)) {
		const char *key;
		json_t *v;
		json_object_foreach(b, key, v) {
			snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", key);
			json_t *av = json_object_get(a, key);
			if (!av) {
				snprintf(out, outcap, "%s: missing from the bundle's report.json", path);
				return 1;
			}
			if (json_diff(av, v, path, strlen(path), cap, out, outcap))
				return 1;
		}
		json_object_foreach(a, key, v) {
			if (!json_object_get(b, key)) {
				snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", key);
				snprintf(out, outcap, "%s: in the bundle's report.json, not in the recomputed report", path);
				return 1;
			}
		}
		path[plen] = 0;
		return 0;
	}
	if (json_is_array(a) && json_is_array(b)) {
		size_t na = json_array_size(a), nb = json_array_size(b);
		for (size_t i = 0; i < na && i < nb; i++) {
			snprintf(path + plen, cap - plen, "[%zu]", i);
			if (json_diff(json_array_get(a, i), json_array_get(b, i), path, strlen(path), cap, out, outcap))
				return 1;
		}
		path[plen] = 0;
		if (na != nb) {
			snprintf(out, outcap, "%s: bundle has %zu members, recomputed %zu", plen ? path : "(top)", na, nb);
			return 1;
		}
		return 0;
	}
	if (json_equal(a, b))
		return 0;
	char *sa = json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT), *sb = json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(out, outcap, "%s: bundle says %.200s, recomputed %.200s", plen ? path : "(top)", sa ? sa : "?",
		 sb ? sb : "?");
	free(sa);
	free(sb);
	return 1;
}

int bundle_json_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, char *out, size_t n)
{
	char path[512] = "";
	json_t *ja = json_loadb((const char *)a, alen, 0, NULL), *jb = json_loadb((const char *)b, blen, 0, NULL);
	int rc = ja && jb ? json_diff(ja, jb, path, 0, sizeof path, out, n) : -1;
	json_decref(ja);
	json_decref(jb);
	return rc;
}

/* Names the first difference between report.json and the recomputed report (an ERR_VERIFY). */
static int explain_difference(const struct logset *s, const struct report *r, const struct mandate *md,
			      const uint8_t *want, size_t len, size_t at)
{
	struct buf got;
	char what[700] = "";
	int d = -1;
	buf_init(&got, REPORT_MAX);
	size_t line = 1;
	for (size_t i = 0; i < at && i < len; i++)
		line += want[i] == '\n';
	if (len <= (64u << 20) && (md ? mandate_json(s, md, &got) : report_json(s, r, &got)) == 0)
		d = bundle_json_diff(want, len, got.data, got.len, what, sizeof what);
	if (d == 1)
		err_set(ERR_VERIFY, "report.json differs from the report recomputed from the bundle's logs: %s", what);
	else
		err_set(ERR_VERIFY, "report.json differs from the report recomputed from the bundle's logs at byte %zu (line %zu)%s",
			at, line, d == 0 ? ": same content, another layout" : "");
	buf_release(&got);
	return ERR_VERIFY;
}

/* Each log present and cut at its closing checkpoint for the period. */
static int check_logs(const struct logset *s, const struct bundle_params *pr)
{
	const struct charter *ch = s->charter;
	char t[21];
	syntax_format_time(pr->to + LOGSET_SLACK, t);
	for (size_t p = 0; p < ch->nparties; p++) {
		const struct logset_log *L = &s->logs[p];
		const char *id = ch->parties[p].id;
		if (!L->present)
			return err_set(ERR_VERIFY, "%s's log: missing from the bundle (no logs/%s/checkpoint)", id, id);
		if (!L->closed)
			return err_set(ERR_VERIFY, "%s's log: provisional, not verified: its checkpoint (size %llu) is not cosigned by %u of its cosigners at or after %s (to + 15 min), the witness policy for a closing checkpoint",
				       id, (unsigned long long)L->cp.size, ch->witness_quorum ? ch->witness_quorum : 1, t);
		if (L->closing.size != L->cp.size)
			return err_set(ERR_VERIFY, "%s's log: its checkpoint (size %llu) is not the closing checkpoint of the period (size %llu): the bundle holds more than the period's prefix",
				       id, (unsigned long long)L->cp.size, (unsigned long long)L->closing.size);
	}
	return 0;
}

static int summary(const struct logset *s, const struct report *r, const struct mandate *md,
		   const struct bundle_params *pr, struct buf *msg)
{
	char f[21], t[21], w[21], line[600];
	syntax_format_time(pr->from, f);
	syntax_format_time(pr->to, t);
	if (md)
		snprintf(line, sizeof line, "mandate report verified: channel %.16s, period %s to %s, %zu consignments, %llu trucks notified, %llu crossed; ",
			 s->charter->id_hex, f, t, md->ncons, (unsigned long long)md->total.trucks,
			 (unsigned long long)md->total.crossed);
	else
		snprintf(line, sizeof line, "report verified: channel %.16s, period %s to %s, %zu envelopes in %zu pairs; ",
			 s->charter->id_hex, f, t, r->nenvs, r->npairs);
	int rc = buf_append(msg, line, strlen(line));
	for (size_t p = 0; p < s->charter->nparties && !rc; p++) {
		const struct logset_log *L = &s->logs[p];
		syntax_format_time(L->closing.witnessed_at, w);
		snprintf(line, sizeof line, "%s%s's log closed at size %llu, seen by %zu cosigners by %s", p ? ", " : "",
			 s->charter->parties[p].id, (unsigned long long)L->closing.size, L->closing.ncosigners, w);
		rc = buf_append(msg, line, strlen(line));
	}
	return rc ? rc : buf_append(msg, "\n", 1);
}

/*
 * Before the logs are read: a bundle keeps no checkpoint larger than its
 * log's checkpoint (the cut). One that does had its closing checkpoint
 * replaced by an older one; said here plainly rather than as the missing
 * entry bundle the loader would trip on.
 */
static int check_cuts(const char *dir, const struct charter *ch)
{
	int rc = 0;
	for (size_t p = 0; p < ch->nparties && !rc; p++) {
		char path[PATH_MAX + 300];
		struct buf b;
		struct checkpoint cp;
		buf_init(&b, CHECKPOINT_MAX_SIZE);
		snprintf(path, sizeof path, "%s/logs/%s/checkpoint", dir, ch->parties[p].id);
		int have = file_read(path, b.max, &b) == 0 && checkpoint_parse_unverified(&cp, b.data, b.len) == 0;
		buf_release(&b);
		if (!have)
			continue; /* the loader says what is wrong */
		snprintf(path, sizeof path, "%s/logs/%s.checkpoints", dir, ch->parties[p].id);
		DIR *d = opendir(path);
		struct dirent *e;
		uint64_t size, max = 0;
		while (d && (e = readdir(d)))
			if (!parse_size_name(e->d_name, &size) && size > max)
				max = size;
		if (d)
			closedir(d);
		if (max > cp.size)
			rc = err_set(ERR_VERIFY, "%s's log: its checkpoint (size %llu) is not the closing checkpoint: the bundle keeps a checkpoint of size %llu (the checkpoint was replaced by an older one?)",
				     ch->parties[p].id, (unsigned long long)cp.size, (unsigned long long)max);
	}
	return rc;
}

int bundle_verify(const char *dir, const struct charter *given, int threads, struct buf *msg)
{
	char path[PATH_MAX + 64];
	struct charter bch;
	struct bundle_params pr;
	struct report r;
	struct mandate md;
	struct logset *s = NULL;
	uint8_t *map = MAP_FAILED;
	size_t len = 0;
	int fd = -1, rc, opened = 0;
	memset(&r, 0, sizeof r);
	memset(&md, 0, sizeof md);
	/* the charter: the verifier's, the bundle's must be the same channel */
	snprintf(path, sizeof path, "%s/charter", dir);
	if ((rc = charter_load(&bch, path)))
		return err_wrap(rc, "%s", path);
	int same = !memcmp(bch.id, given->id, sizeof bch.id);
	char bid[65];
	memcpy(bid, bch.id_hex, sizeof bid);
	charter_release(&bch);
	if (!same)
		return err_set(ERR_VERIFY, "the bundle's charter is channel %.16s…, not the charter given (%.16s…)", bid,
			       given->id_hex);
	snprintf(path, sizeof path, "%s/report.json", dir);
	struct stat st;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		rc = err_set(errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = (size_t)st.st_size;
	if (len == 0 || (map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		rc = len ? err_set(ERR_IO, "%s: %s", path, strerror(errno)) : bad_json("empty");
		goto out;
	}
	if ((rc = bundle_params_parse(map, len, given, &pr)))
		goto out;
	if (strcmp(pr.channel, given->id_hex)) {
		rc = bad_json("it is the report of another channel");
		goto out;
	}
	if (!(s = malloc(sizeof *s))) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_cuts(dir, given)))
		goto out;
	struct logset_options o = {1, pr.to, threads};
	if ((rc = logset_open(s, dir, &o))) {
		/* a malformed or missing file inside the bundle is a failed check, not a usage error */
		if (rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_NOTFOUND)
			rc = ERR_VERIFY;
		rc = err_wrap(rc, "the bundle's logs do not verify");
		goto out;
	}
	opened = 1;
	if ((rc = check_logs(s, &pr)))
		goto out;
	if (pr.mandate && (rc = mandate_compute(s, pr.from, pr.to, &md))) {
		rc = err_wrap(rc == ERR_USAGE ? ERR_VERIFY : rc, "report.json");
		goto out;
	}
	if (!pr.mandate && (rc = report_compute(s, pr.from, pr.to, &pr.f, &r)))
		goto out;
	struct cmp k = {map, len, 0, 0, 0};
	cookie_io_functions_t io = {NULL, cmp_write, NULL, NULL};
	FILE *fp = fopencookie(&k, "w", io);
	if (!fp) {
		rc = err_set(ERR_NOMEM, "fopencookie: %s", strerror(errno));
		goto out;
	}
	rc = pr.mandate ? mandate_json_file(s, &md, fp) : report_json_file(s, &r, fp);
	if (fclose(fp) && !rc)
		rc = err_set(ERR_IO, "comparing the report");
	if (rc)
		goto out;
	if (!k.differ && k.off != len) {
		k.differ = 1;
		k.at = k.off;
	}
	if (k.differ) {
		rc = explain_difference(s, &r, pr.mandate ? &md : NULL, map, len, k.at);
		goto out;
	}
	rc = summary(s, &r, pr.mandate ? &md : NULL, &pr, msg);
out:
	report_release(&r);
	mandate_release(&md);
	if (opened)
		logset_close(s);
	free(s);
	if (map != MAP_FAILED)
		munmap(map, len);
	if (fd >= 0)
		close(fd);
	return rc;
}

int bundle_write(const struct logset *s, const char *charter_path, const struct report *r, const struct mandate *md,
		 const char *out, int threads)
{
	char path[PATH_MAX + 200], tmp[PATH_MAX + 200];
	int rc = bundle_write_logs(s, charter_path, out);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/report.json", out);
	snprintf(tmp, sizeof tmp, "%s/.report.json.tmp", out);
	FILE *fp = fopen(tmp, "wx");
	if (!fp)
		return err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	rc = md ? mandate_json_file(s, md, fp) : report_json_file(s, r, fp);
	if ((fflush(fp) || fsync(fileno(fp))) && !rc)
		rc = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	if (fclose(fp) && !rc)
		rc = err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	if (!rc && rename(tmp, path))
		rc = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	if (rc)
		return rc;
	int all = 1;
	for (size_t p = 0; p < s->charter->nparties; p++)
		all &= s->logs[p].closed;
	struct buf msg;
	buf_init(&msg, 1u << 16);
	rc = all ? bundle_verify(out, s->charter, threads, &msg) : 0;
	buf_release(&msg);
	return rc ? err_wrap(rc, "the bundle written does not verify") : 0;
}
