/*
 * syntax — the field forms shared by charters and envelopes, each checked
 * strictly (see docs/formats.md for the grammar):
 *
 *   party id     [a-z][a-z0-9-]{0,15}                       us, ru, un-monitor
 *   agency name  <party id>.<[a-z][a-z0-9-]{0,31}>          us.fbi, ru.gp
 *   case id      <agency name>/<[A-Za-z0-9][A-Za-z0-9._-]{0,63}>   us.fbi/2021-0007
 *   witness id   [a-z0-9][a-z0-9.-]{0,62}
 *   duration     [1-9][0-9]{0,5} followed by s, m, h or d     24h, 30d, 90s
 *   time         YYYY-MM-DDTHH:MM:SSZ (RFC 3339, UTC, no fraction)
 *   url          http(s)://host[:port][/path], no userinfo, query or fragment
 *
 * Each check takes (s, len) and returns 1 if valid, 0 if not.
 */
#ifndef PARLEY_SYNTAX_H
#define PARLEY_SYNTAX_H

#include <stddef.h>
#include <stdint.h>

#define SYNTAX_AGENCY_MAX 48
#define SYNTAX_CASE_MAX 128
#define SYNTAX_URL_MAX 256

int syntax_party_id(const char *s, size_t len);
int syntax_agency_name(const char *s, size_t len);
/* The party part of a valid agency name: its length up to the dot. */
size_t syntax_agency_party_len(const char *s, size_t len);
int syntax_case_id(const char *s, size_t len);
int syntax_witness_id(const char *s, size_t len);
int syntax_url(const char *s, size_t len);

/* Copies s[0..n) into dst as a C string; -1 (dst untouched) if it does not fit in dstsz. */
int syntax_copy(char *dst, size_t dstsz, const char *s, size_t n);

/* Parses a duration into seconds. 0 or ERR_FORMAT. */
int syntax_duration(const char *s, size_t len, uint64_t *seconds);
/* Parses an RFC 3339 UTC time into Unix seconds. 0 or ERR_FORMAT. */
int syntax_time(const char *s, size_t len, int64_t *unix_seconds);
/* Formats Unix seconds as YYYY-MM-DDTHH:MM:SSZ (out: at least 21 bytes). */
void syntax_format_time(int64_t t, char out[21]);

/*
 * Splits text into "key: value" lines. Calls fn for each line, with its line
 * number in the whole document (text's first line is number first_line). The
 * text must end in a newline; a line must have "key: value" with a non-empty
 * value and no space around it; errors read "<what> line <N>: ...".
 */
int syntax_lines(const char *what, size_t first_line, const char *text, size_t len,
		 int (*fn)(void *ctx, size_t line_no, const char *key, size_t klen, const char *val, size_t vlen),
		 void *ctx);

/* Splits value into space-separated words (no empty words). Returns the count, or -1 if over max. */
int syntax_words(const char *val, size_t vlen, const char **words, size_t *wlens, int max);

/*
 * The text of a draft (a charter or an amendment before anyone signed it):
 * the lines of s[0..len) that are neither empty nor '#' comments, each with
 * its newline, appended to out. 0 or ERR_NOMEM/ERR_LIMIT from out.
 */
struct buf;
int syntax_strip_draft(struct buf *out, const char *s, size_t len);

/* 1 if d holds a signed-note signature line ("\n— "): a signed note, not a draft. */
int syntax_has_signature_lines(const uint8_t *d, size_t len);

#endif
