#include "tlog/kept.h"
#include "base/err.h"
#include "base/fileio.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int kept_sig_lines(struct buf *out, const uint8_t *lines, size_t len)
{
	const char *s = (const char *)lines, *end = s + len;
	int rc = 0;
	while (!rc && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (l > 4 && nl && !memcmp(s, "\xE2\x80\x94 ", 4))
			rc = buf_append(out, s, l);
		s += l;
	}
	return rc;
}

int kept_merge(const char *dir, uint64_t size, const uint8_t *note, size_t note_len, const uint8_t *lines,
	       size_t lines_len, const struct note_verifier *vs, size_t nv, struct buf *merged)
{
	char path[PATH_MAX + 32];
	struct buf old, all;
	buf_init(&old, NOTE_MAX_SIZE);
	buf_init(&all, 2 * NOTE_MAX_SIZE);
	snprintf(path, sizeof path, "%s/%" PRIu64, dir, size);
	int had = file_read(path, NOTE_MAX_SIZE, &old) == 0, rc = 0;
	for (int pass = had ? 0 : 1; pass < 2; pass++) {
		/* the kept file (or, if there is none or it does not load, the note) and the new signature lines */
		buf_reset(&all);
		buf_reset(merged);
		rc = pass ? buf_append(&all, note, note_len) : buf_append(&all, old.data, old.len);
		if (!rc)
			rc = kept_sig_lines(&all, lines, lines_len);
		if (!rc)
			rc = note_select(merged, all.data, all.len, vs, nv, NOTE_KEEP_EARLIEST, NULL, NULL);
		if (!rc)
			break;
	}
	if (!rc && !(had && old.len == merged->len && !memcmp(old.data, merged->data, old.len)))
		rc = file_write_atomic(path, merged->data, merged->len, 0644, 0);
	buf_release(&old);
	buf_release(&all);
	return rc;
}
