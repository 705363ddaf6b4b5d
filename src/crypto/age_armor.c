/*
 * age_armor — the ASCII armor of age files: strict PEM (RFC 7468 section 3)
 * with the label "AGE ENCRYPTED FILE", padded canonical base64 in lines of
 * exactly 64 columns except the last (1..64), LF or CRLF line ends, no
 * headers, nothing but whitespace before the BEGIN line or after the END line.
 */
#include "crypto/age_internal.h"
#include "base/enc.h"
#include "base/err.h"

#include <string.h>

#define BEGIN_LINE "-----BEGIN AGE ENCRYPTED FILE-----"
#define END_LINE "-----END AGE ENCRYPTED FILE-----"
#define ARMOR_COLUMNS 64
#define LINE_LIMIT 80 /* longest line examined, CR LF excluded */

enum { MODE_UNDECIDED, MODE_PLAIN, MODE_ARMOR, MODE_DONE };

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void age_armor_reader_init(struct age_armor_reader *a, struct age_source *src)
{
	memset(a, 0, sizeof *a);
	a->src = src;
}

int age_armor_reader_armored(const struct age_armor_reader *a)
{
	return a->mode == MODE_ARMOR || a->mode == MODE_DONE;
}

/* One read from the underlying source into the raw buffer (compacted first). */
static int raw_fill(struct age_armor_reader *a)
{
	if (a->rpos) {
		memmove(a->raw, a->raw + a->rpos, a->rlen - a->rpos);
		a->rlen -= a->rpos;
		a->rpos = 0;
	}
	size_t got = 0;
	int rc = a->src->read(a->src->ctx, a->raw + a->rlen, sizeof a->raw - a->rlen, &got);
	if (rc)
		return rc;
	if (got == 0)
		a->reof = 1;
	a->rlen += got;
	return 0;
}

/*
 * The next line (without LF, and without a CR before the LF) in *line and *len;
 * *eol says whether it ended with LF (else it ended at end of input).
 */
static int read_line(struct age_armor_reader *a, const char **line, size_t *len, int *eol)
{
	int rc;
	while (a->rlen - a->rpos < LINE_LIMIT + 2 && !a->reof)
		if ((rc = raw_fill(a)) != 0)
			return rc;
	size_t avail = a->rlen - a->rpos, scan = avail < LINE_LIMIT + 2 ? avail : LINE_LIMIT + 2;
	const char *p = (const char *)a->raw + a->rpos;
	const char *lf = memchr(p, '\n', scan);
	if (lf) {
		*len = (size_t)(lf - p);
		a->rpos += *len + 1;
		*eol = 1;
		if (*len && p[*len - 1] == '\r')
			(*len)--;
	} else if (a->reof && avail <= LINE_LIMIT) {
		*len = avail;
		a->rpos += avail;
		*eol = 0;
	} else {
		return err_set(AGE_ERR_ARMOR, "armor line longer than %d columns", ARMOR_COLUMNS);
	}
	*line = p;
	return 0;
}

static int is_line(const char *line, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(line, want, len) == 0;
}

/* After the END line: only whitespace until end of input. */
static int finish(struct age_armor_reader *a)
{
	for (;;) {
		for (; a->rpos < a->rlen; a->rpos++)
			if (!is_space(a->raw[a->rpos]))
				return err_set(AGE_ERR_ARMOR, "data after the armor end line");
		if (a->reof)
			break;
		int rc = raw_fill(a);
		if (rc)
			return rc;
	}
	a->mode = MODE_DONE;
	return 0;
}

/*
 * Decides between binary and armored input: binary when the input starts
 * with (a prefix of) "age-encryption.org/", including empty input; anything
 * else must be armor. Reads the BEGIN line if armored.
 */
static int detect(struct age_armor_reader *a)
{
	static const char magic[] = "age-encryption.org/";
	const size_t mlen = sizeof magic - 1;
	int rc;
	while (a->rlen < mlen && !a->reof)
		if ((rc = raw_fill(a)) != 0)
			return rc;
	size_t k = a->rlen < mlen ? a->rlen : mlen;
	if (memcmp(a->raw, magic, k) == 0) {
		a->mode = MODE_PLAIN;
		return 0;
	}
	while (a->rpos < a->rlen || !a->reof) { /* whitespace before the armor is allowed */
		if (a->rpos == a->rlen) {
			if ((rc = raw_fill(a)) != 0)
				return rc;
			continue;
		}
		if (!is_space(a->raw[a->rpos]))
			break;
		a->rpos++;
	}
	const char *line;
	size_t len;
	int eol;
	if ((rc = read_line(a, &line, &len, &eol)) != 0)
		return err_set(AGE_ERR_ARMOR, "input is neither an age file nor ASCII armor");
	if (!eol || !is_line(line, len, BEGIN_LINE))
		return err_set(AGE_ERR_ARMOR, "input is neither an age file nor ASCII armor "
					      "(no \"" BEGIN_LINE "\" line)");
	a->mode = MODE_ARMOR;
	return 0;
}

/* Decodes the next armor line into a->dec, or finishes at the END line. */
static int next_armor_line(struct age_armor_reader *a)
{
	const char *line;
	size_t len, got = 0;
	int eol, rc;
	if ((rc = read_line(a, &line, &len, &eol)) != 0)
		return rc;
	if (is_line(line, len, END_LINE))
		return eol ? finish(a) : (a->mode = MODE_DONE, 0);
	if (len == 0)
		return err_set(AGE_ERR_ARMOR, eol ? "empty line in armor" : "armor has no end line");
	if (len > ARMOR_COLUMNS)
		return err_set(AGE_ERR_ARMOR, "armor line longer than %d columns", ARMOR_COLUMNS);
	if (b64_decode(a->dec, sizeof a->dec, &got, line, len) != 0)
		return err_wrap(AGE_ERR_ARMOR, "armor");
	a->dpos = 0;
	a->dlen = got;
	if (len == ARMOR_COLUMNS && line[len - 1] != '=')
		return 0;
	/* A short or padded line is the last: the END line must follow. */
	if (!eol || (rc = read_line(a, &line, &len, &eol)) != 0 || !is_line(line, len, END_LINE))
		return rc ? rc : err_set(AGE_ERR_ARMOR, "short armor line not followed by the end line");
	return eol ? finish(a) : (a->mode = MODE_DONE, 0);
}

static int armor_read(void *ctx, uint8_t *p, size_t n, size_t *got)
{
	struct age_armor_reader *a = ctx;
	int rc;
	*got = 0;
	if (a->mode == MODE_UNDECIDED && (rc = detect(a)) != 0)
		return rc;
	if (a->mode == MODE_PLAIN) {
		if (a->rpos < a->rlen) {
			size_t k = a->rlen - a->rpos < n ? a->rlen - a->rpos : n;
			memcpy(p, a->raw + a->rpos, k);
			a->rpos += k;
			*got = k;
			return 0;
		}
		return a->reof ? 0 : a->src->read(a->src->ctx, p, n, got);
	}
	while (*got < n) {
		if (a->dpos == a->dlen) {
			if (a->mode == MODE_DONE)
				break;
			if ((rc = next_armor_line(a)) != 0)
				return rc;
			continue;
		}
		size_t k = a->dlen - a->dpos < n - *got ? a->dlen - a->dpos : n - *got;
		memcpy(p + *got, a->dec + a->dpos, k);
		a->dpos += k;
		*got += k;
	}
	return 0;
}

void age_armor_reader_source(struct age_armor_reader *a, struct age_source *s)
{
	s->read = armor_read;
	s->ctx = a;
}

/* ---- writer ---- */

void age_armor_writer_init(struct age_armor_writer *w, struct age_sink *dst)
{
	memset(w, 0, sizeof *w);
	w->dst = dst;
}

static int flush_lines(struct age_armor_writer *w)
{
	int rc = w->nline ? w->dst->write(w->dst->ctx, (const uint8_t *)w->line, w->nline) : 0;
	w->nline = 0;
	return rc;
}

/* Appends text (at most one line) to the pending lines, flushing first if full. */
static int put_line(struct age_armor_writer *w, const char *text, size_t len)
{
	int rc;
	if (w->nline + len + 1 > sizeof w->line && (rc = flush_lines(w)) != 0)
		return rc;
	memcpy(w->line + w->nline, text, len);
	w->line[w->nline + len] = '\n';
	w->nline += len + 1;
	return 0;
}

static int begin(struct age_armor_writer *w)
{
	if (w->started)
		return 0;
	w->started = 1;
	return put_line(w, BEGIN_LINE, strlen(BEGIN_LINE));
}

static int armor_write(void *ctx, const uint8_t *p, size_t n)
{
	struct age_armor_writer *w = ctx;
	char text[ARMOR_COLUMNS + 1];
	int rc = begin(w);
	while (!rc && n) {
		size_t k = sizeof w->pend - w->npend < n ? sizeof w->pend - w->npend : n;
		memcpy(w->pend + w->npend, p, k);
		w->npend += k;
		p += k;
		n -= k;
		if (w->npend == sizeof w->pend) {
			b64_encode(text, w->pend, sizeof w->pend);
			rc = put_line(w, text, ARMOR_COLUMNS);
			w->npend = 0;
		}
	}
	return rc;
}

void age_armor_writer_sink(struct age_armor_writer *w, struct age_sink *s)
{
	s->write = armor_write;
	s->ctx = w;
}

int age_armor_writer_finish(struct age_armor_writer *w)
{
	char text[ARMOR_COLUMNS + 1];
	int rc = begin(w);
	if (!rc && w->npend) {
		b64_encode(text, w->pend, w->npend);
		rc = put_line(w, text, strlen(text));
	}
	if (!rc)
		rc = put_line(w, END_LINE, strlen(END_LINE));
	if (!rc)
		rc = flush_lines(w);
	return rc;
}
