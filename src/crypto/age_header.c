/* age_header — strict parsing and writing of the age v1 header text. */
#include "crypto/age_internal.h"
#include "base/enc.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define VERSION_LINE "age-encryption.org/v1\n"
#define BODY_COLUMNS 64

int age_stanza_arg_is(const struct age_stanza *s, size_t i, const char *str)
{
	size_t n = strlen(str);
	return i < s->nargs && s->arglen[i] == n && memcmp(s->arg[i], str, n) == 0;
}

void age_header_free(struct age_header *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->stanzas[i].body);
	free(h->stanzas);
	memset(h, 0, sizeof *h);
}

/* The line starting at text[pos] (without its LF) in *len; 0 if it has no LF. */
static int next_line(const uint8_t *text, size_t n, size_t pos, size_t *len)
{
	const uint8_t *lf = memchr(text + pos, '\n', n - pos);
	if (!lf)
		return 0;
	*len = (size_t)(lf - (text + pos));
	return 1;
}

/* "-> arg arg ...": single spaces, each argument one or more VCHARs. */
static int parse_args(const char *line, size_t len, struct age_stanza *s, size_t idx)
{
	size_t i = 3, start = 3;
	if (len < 3 || memcmp(line, "-> ", 3) != 0)
		return err_set(AGE_ERR_HEADER, "stanza %zu: arguments line must start with \"-> \"", idx);
	for (; i <= len; i++) {
		if (i < len && line[i] != ' ') {
			if (line[i] < 0x21 || line[i] > 0x7e)
				return err_set(AGE_ERR_HEADER, "stanza %zu: invalid character 0x%02x in an argument",
					       idx, (unsigned char)line[i]);
			continue;
		}
		if (i == start)
			return err_set(AGE_ERR_HEADER, "stanza %zu: empty argument", idx);
		if (s->nargs == AGE_MAX_ARGS)
			return err_set(AGE_ERR_HEADER, "stanza %zu: more than %d arguments", idx, AGE_MAX_ARGS);
		s->arg[s->nargs] = line + start;
		s->arglen[s->nargs++] = i - start;
		start = i + 1;
	}
	return 0;
}

/* Decodes argument i as canonical unpadded base64 of exactly want bytes. */
static int arg_bytes(const struct age_stanza *s, size_t i, uint8_t *out, size_t want, size_t idx,
		     const char *what)
{
	size_t got = 0;
	if (b64_decode_nopad(out, want, &got, s->arg[i], s->arglen[i]) != 0 || got != want)
		return err_set(AGE_ERR_HEADER, "stanza %zu: %s is not canonical base64 of %zu bytes", idx, what,
			       want);
	return 0;
}

/* Structure of the stanza types parley implements; other types are not inspected. */
static int check_known(const struct age_stanza *s, size_t idx, size_t nstanzas)
{
	uint8_t tmp[32];
	if (age_stanza_arg_is(s, 0, "X25519")) {
		if (s->nargs != 2)
			return err_set(AGE_ERR_HEADER, "stanza %zu: X25519 needs exactly 2 arguments", idx);
		if (arg_bytes(s, 1, tmp, 32, idx, "X25519 share"))
			return AGE_ERR_HEADER;
		if (s->body_len != AGE_FILE_KEY_LEN + AGE_TAG_LEN)
			return err_set(AGE_ERR_HEADER, "stanza %zu: X25519 body is %zu bytes, not 32", idx,
				       s->body_len);
	} else if (age_stanza_arg_is(s, 0, "scrypt")) {
		if (nstanzas != 1)
			return err_set(AGE_ERR_HEADER, "an scrypt stanza must be the only stanza in the header");
		if (s->nargs != 3)
			return err_set(AGE_ERR_HEADER, "stanza %zu: scrypt needs exactly 3 arguments", idx);
		if (arg_bytes(s, 1, tmp, 16, idx, "scrypt salt"))
			return AGE_ERR_HEADER;
		const char *w = s->arg[2];
		size_t wl = s->arglen[2];
		int ok = wl >= 1 && wl <= 2 && w[0] >= '1' && w[0] <= '9';
		for (size_t i = 1; ok && i < wl; i++)
			ok = w[i] >= '0' && w[i] <= '9';
		if (ok && wl == 2 && (w[0] - '0') * 10 + (w[1] - '0') > 64)
			ok = 0;
		if (!ok)
			return err_set(AGE_ERR_HEADER, "stanza %zu: scrypt work factor is not a decimal in 1..64 "
						       "without leading zeros", idx);
		if (s->body_len != AGE_FILE_KEY_LEN + AGE_TAG_LEN)
			return err_set(AGE_ERR_HEADER, "stanza %zu: scrypt body is %zu bytes, not 32", idx,
				       s->body_len);
	}
	return 0;
}

/* Body lines from text[*pos]: full 64-column lines, then one shorter line. */
static int parse_body(const uint8_t *text, size_t n, size_t *pos, struct age_stanza *s, size_t idx)
{
	size_t cap = 0;
	for (;;) {
		size_t len;
		if (!next_line(text, n, *pos, &len))
			return err_set(AGE_ERR_HEADER, "stanza %zu: body is not terminated by a short line", idx);
		if (len > BODY_COLUMNS)
			return err_set(AGE_ERR_HEADER, "stanza %zu: body line longer than 64 columns", idx);
		size_t need = s->body_len + len / 4 * 3 + 3;
		if (need > cap) {
			cap = need * 2;
			uint8_t *nb = realloc(s->body, cap);
			if (!nb)
				return err_set(ERR_NOMEM, "out of memory");
			s->body = nb;
		}
		size_t got = 0;
		if (b64_decode_nopad(s->body + s->body_len, cap - s->body_len, &got, (const char *)text + *pos,
				     len) != 0)
			return err_wrap(AGE_ERR_HEADER, "stanza %zu: body", idx);
		s->body_len += got;
		*pos += len + 1;
		if (len < BODY_COLUMNS)
			return 0;
	}
}

int age_header_parse(const uint8_t *text, size_t n, struct age_header *h)
{
	memset(h, 0, sizeof *h);
	size_t pos = 0, len = 0, cap = 0;
	int rc = 0;
	if (n < strlen(VERSION_LINE) || memcmp(text, VERSION_LINE, strlen(VERSION_LINE)) != 0) {
		if (n >= 19 && memcmp(text, "age-encryption.org/", 19) == 0)
			return err_set(AGE_ERR_HEADER, "unsupported age format version");
		return err_set(AGE_ERR_HEADER, "not an age file (no \"age-encryption.org/v1\" line)");
	}
	pos = strlen(VERSION_LINE);
	for (;;) {
		if (!next_line(text, n, pos, &len)) {
			rc = err_set(AGE_ERR_HEADER, "header ends without a MAC line");
			goto out;
		}
		const char *line = (const char *)text + pos;
		if (len >= 3 && memcmp(line, "---", 3) == 0)
			break;
		if (len < 2 || memcmp(line, "->", 2) != 0) {
			rc = err_set(AGE_ERR_HEADER, "line at byte %zu is neither a stanza nor the MAC line", pos);
			goto out;
		}
		if (h->n == AGE_MAX_STANZAS) {
			rc = err_set(AGE_ERR_HEADER, "more than %d stanzas", AGE_MAX_STANZAS);
			goto out;
		}
		if (h->n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct age_stanza *ns = realloc(h->stanzas, ncap * sizeof *ns);
			if (!ns) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			h->stanzas = ns;
			cap = ncap;
		}
		struct age_stanza *s = &h->stanzas[h->n++];
		memset(s, 0, sizeof *s);
		if ((rc = parse_args(line, len, s, h->n)) != 0)
			goto out;
		pos += len + 1;
		if ((rc = parse_body(text, n, &pos, s, h->n)) != 0)
			goto out;
	}
	if (h->n == 0) {
		rc = err_set(AGE_ERR_HEADER, "header has no recipient stanza");
		goto out;
	}
	/* "--- " + 43 base64 characters (32 bytes) + LF, ending the header. */
	size_t got = 0;
	if (len != 4 + 43 || text[pos + 3] != ' ' ||
	    b64_decode_nopad(h->mac, sizeof h->mac, &got, (const char *)text + pos + 4, 43) != 0 || got != 32) {
		rc = err_set(AGE_ERR_HEADER, "malformed MAC line");
		goto out;
	}
	if (pos + len + 1 != n) {
		rc = err_set(AGE_ERR_HEADER, "data after the MAC line");
		goto out;
	}
	h->mac_len = pos + 3;
	for (size_t i = 0; i < h->n; i++)
		if ((rc = check_known(&h->stanzas[i], i + 1, h->n)) != 0)
			goto out;
out:
	if (rc)
		age_header_free(h);
	return rc;
}

int age_stanza_write(struct buf *out, const char *const *args, size_t nargs, const uint8_t *body,
		     size_t body_len)
{
	int rc = buf_append_str(out, "->");
	for (size_t i = 0; !rc && i < nargs; i++) {
		rc = buf_append_byte(out, ' ');
		if (!rc)
			rc = buf_append_str(out, args[i]);
	}
	if (!rc)
		rc = buf_append_byte(out, '\n');
	/* 48 bytes encode to one full 64-column line; the last line is always short. */
	for (size_t off = 0; !rc; off += 48) {
		size_t take = body_len - off < 48 ? body_len - off : 48;
		char line[BODY_COLUMNS + 1];
		b64_encode_nopad(line, take ? body + off : body, take);
		rc = buf_append_str(out, line);
		if (!rc)
			rc = buf_append_byte(out, '\n');
		if (take < 48)
			break;
	}
	return rc;
}
