/*
 * stix_syntax — the string formats of STIX 2.1 (timestamps, identifiers,
 * addresses, encodings). Every check is a small hand-written scanner: no
 * regular expressions, no locale, bounded by the string's length.
 */
#include "evidence/stix.h"

#include <arpa/inet.h>
#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
static int is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_lhex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* n decimal digits at s, into *v. */
static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

int stix_timestamp_valid(const char *s, int need_millis)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec;
	if (strnlen(s, 21) < 20)
		return 0;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59)
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	/* A leap second is only ever inserted at 23:59:60 UTC. */
	if (sec > 60 || (sec == 60 && (h != 23 || mi != 59)))
		return 0;
	const char *p = s + 19;
	size_t frac = 0;
	if (*p == '.') {
		p++;
		while (is_digit(p[frac]))
			frac++;
		if (frac == 0 || frac > 9)
			return 0;
		p += frac;
	}
	if (need_millis && frac < 3)
		return 0;
	return p[0] == 'Z' && p[1] == '\0';
}

int stix_timestamp_cmp(const char *a, const char *b)
{
	int r = memcmp(a, b, 19);
	if (r)
		return r;
	const char *fa = a[19] == '.' ? a + 20 : "", *fb = b[19] == '.' ? b + 20 : "";
	for (int i = 0; i < 9; i++) {
		char ca = is_digit(*fa) ? *fa++ : '0', cb = is_digit(*fb) ? *fb++ : '0';
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return 0;
}

int stix_type_valid(const char *s)
{
	size_t n = strnlen(s, 251);
	if (n < 3 || n > 250 || !is_lower(s[0]) || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return 0;
		if (s[i] == '-' && s[i + 1] == '-')
			return 0;
	}
	return 1;
}

int stix_property_name_valid(const char *s)
{
	if (strcmp(s, "id") == 0)
		return 1;
	size_t n = strnlen(s, 251);
	if (n < 3 || n > 250 || !is_lower(s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int stix_uuid_valid(const char *s)
{
	if (strnlen(s, 37) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i])) {
			return 0;
		}
	}
	return s[14] >= '1' && s[14] <= '5' && s[19] && strchr("89abAB", s[19]) != NULL;
}

int stix_identifier_valid(const char *s, const char *type)
{
	const char *sep = strstr(s, "--");
	if (!sep || (size_t)(sep - s) > 250)
		return 0;
	char t[251];
	memcpy(t, s, (size_t)(sep - s));
	t[sep - s] = '\0';
	if (!stix_type_valid(t) || (type && strcmp(t, type) != 0))
		return 0;
	return stix_uuid_valid(sep + 2);
}

/* A decimal 0..max without leading zeros, n characters at s. */
static int small_number(const char *s, size_t n, int max)
{
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return 0;
	int v;
	return digits(s, (int)n, &v) && v <= max;
}

/* Splits an optional "/prefix" off s into addr (room for cap bytes); 0 on bad syntax. */
static int split_prefix(const char *s, char *addr, size_t cap, int max_prefix)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= cap)
		return 0;
	memcpy(addr, s, n);
	addr[n] = '\0';
	return !slash || small_number(slash + 1, strlen(slash + 1), max_prefix);
}

int stix_ipv4_valid(const char *s)
{
	char a[16];
	if (!split_prefix(s, a, sizeof a, 32))
		return 0;
	const char *p = a;
	for (int i = 0; i < 4; i++) {
		const char *e = p;
		while (is_digit(*e))
			e++;
		if (!small_number(p, (size_t)(e - p), 255))
			return 0;
		if (i < 3 && *e != '.')
			return 0;
		p = e + (i < 3);
	}
	return *p == '\0';
}

int stix_ipv6_valid(const char *s)
{
	char a[40];
	unsigned char bin[16];
	if (!split_prefix(s, a, sizeof a, 128))
		return 0;
	for (const char *p = a; *p; p++)
		if (!is_hex(*p) && *p != ':')
			return 0;
	return inet_pton(AF_INET6, a, bin) == 1;
}

int stix_mac_valid(const char *s)
{
	if (strnlen(s, 18) != 17)
		return 0;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !is_lhex(s[i]))
			return 0;
	return 1;
}

int stix_url_valid(const char *s)
{
	if (!is_alpha(s[0]))
		return 0;
	const char *p = s + 1;
	while (is_alnum(*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || !p[1])
		return 0;
	int fragment = 0;
	for (p++; *p; p++) {
		if (*p == '%') {
			if (!is_hex(p[1]) || !is_hex(p[2]))
				return 0;
			p += 2;
		} else if (*p == '#') {
			if (fragment++)
				return 0;
		} else if (!is_alnum(*p) && !strchr("-._~:/?@!$&'()*+,;=", *p)) {
			return 0;
		}
	}
	return 1;
}

/* One domain label of letters, digits and inner '-' (email domains). */
static int host_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int stix_email_valid(const char *s)
{
	const char *at = strrchr(s, '@');
	if (!at || at == s || strnlen(s, 255) > 254)
		return 0;
	/* local part: dot-atoms of atext */
	char prev = '.';
	for (const char *p = s; p < at; p++) {
		if (*p == '.') {
			if (prev == '.')
				return 0;
		} else if (!is_alnum(*p) && !strchr("!#$%&'*+/=?^_`{|}~-", *p)) {
			return 0;
		}
		prev = *p;
	}
	if (prev == '.')
		return 0;
	/* domain: two or more labels */
	int labels = 0;
	for (const char *p = at + 1;; labels++) {
		const char *e = strchr(p, '.');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!host_label(p, n))
			return 0;
		if (!e)
			break;
		p = e + 1;
	}
	return labels >= 1;
}

int stix_domain_valid(const char *s)
{
	size_t total = strnlen(s, 254);
	if (total == 0 || total > 253)
		return 0;
	for (const char *p = s;;) {
		const char *e = strchr(p, '.');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
			return 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];
			if (!is_alnum((char)c) && c != '-' && c != '_' && c < 0x80)
				return 0;
		}
		if (!e)
			return 1;
		p = e + 1;
	}
}

int stix_base64_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n % 4)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			/* padding: only the last one or two characters */
			if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
				return 0;
		} else if (!is_alnum(c) && c != '+' && c != '/') {
			return 0;
		}
	}
	return 1;
}

int stix_hex_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return 0;
	return 1;
}

int stix_lang_valid(const char *s)
{
	size_t i = 0;
	while (is_alpha(s[i]))
		i++;
	if (i < 2 || i > 8)
		return 0;
	while (s[i] == '-') {
		size_t j = ++i;
		while (is_alnum(s[i]))
			i++;
		if (i == j || i - j > 8)
			return 0;
	}
	return s[i] == '\0';
}
