#include "tlog/tilepath.h"
#include "base/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static size_t format_index(uint64_t n, char *out, size_t outsz)
{
	unsigned groups[8];
	int g = 0;
	do {
		groups[g++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n);
	size_t len = 0;
	for (int i = g - 1; i >= 0 && len < outsz; i--)
		len += (size_t)snprintf(out + len, outsz - len, i ? "x%03u/" : "%03u", groups[i]);
	return len;
}

size_t tilepath_format(const struct tile_id *t, char *out, size_t outsz)
{
	size_t len;
	if (t->level == TILE_LEVEL_ENTRIES)
		len = (size_t)snprintf(out, outsz, "tile/entries/");
	else
		len = (size_t)snprintf(out, outsz, "tile/%d/", t->level);
	len += format_index(t->index, out + len, outsz - len);
	if (t->width < TILE_WIDTH)
		len += (size_t)snprintf(out + len, outsz - len, ".p/%u", t->width);
	return len;
}

/* A decimal without leading zeros in s[0..n). */
static int parse_small(const char *s, size_t n, unsigned max, unsigned *out)
{
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int is_digit3(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

int tilepath_parse(const char *path, size_t len, struct tile_id *t)
{
	const char *p = path, *end = path + len;
	memset(t, 0, sizeof *t);
	if (len < 8 || memcmp(p, "tile/", 5) != 0)
		goto bad;
	p += 5;
	if ((size_t)(end - p) >= 8 && memcmp(p, "entries/", 8) == 0) {
		t->level = TILE_LEVEL_ENTRIES;
		p += 8;
	} else {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		unsigned level;
		if (!slash || parse_small(p, (size_t)(slash - p), 63, &level))
			goto bad;
		t->level = (int)level;
		p = slash + 1;
	}
	uint64_t n = 0;
	for (int groups = 0;; groups++) {
		if (groups == 7)
			goto bad; /* more than 7 groups cannot fit in 64 bits */
		int more = end - p >= 5 && p[0] == 'x';
		if (more) {
			p++;
			if (!is_digit3(p) || p[3] != '/')
				goto bad;
		} else if (end - p < 3 || !is_digit3(p)) {
			goto bad;
		}
		uint64_t g = (uint64_t)(p[0] - '0') * 100 + (uint64_t)(p[1] - '0') * 10 + (uint64_t)(p[2] - '0');
		if (n > (UINT64_MAX - g) / 1000)
			goto bad;
		n = n * 1000 + g;
		p += more ? 4 : 3;
		if (!more)
			break;
	}
	/* No leading zero groups: x000/ as the first group is not canonical. */
	t->index = n;
	t->width = TILE_WIDTH;
	if (p == end) {
		char canon[TILE_PATH_MAX];
		size_t cl = tilepath_format(t, canon, sizeof canon);
		if (cl != len || memcmp(canon, path, len) != 0)
			goto bad;
		return 0;
	}
	if (end - p < 4 || memcmp(p, ".p/", 3) != 0)
		goto bad;
	p += 3;
	unsigned w;
	if (parse_small(p, (size_t)(end - p), 255, &w) || w == 0)
		goto bad;
	t->width = w;
	char canon[TILE_PATH_MAX];
	size_t cl = tilepath_format(t, canon, sizeof canon);
	if (cl != len || memcmp(canon, path, len) != 0)
		goto bad;
	return 0;
bad:
	return err_set(ERR_FORMAT, "not a tile path: '%.*s'", (int)(len > 80 ? 80 : len), path);
}
