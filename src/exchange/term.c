/* term — when the mandate ends and when its reports are due (term.h). */
#include "exchange/term.h"
#include "exchange/syntax.h"

#include <stdio.h>
#include <string.h>

int64_t term_next_due(const struct charter *c, int64_t now)
{
	if (now < c->term_start || now >= c->term_end)
		return 0;
	int64_t rp = c->reporting_period ? (int64_t)c->reporting_period : c->term_end - c->term_start;
	int64_t due = c->term_start + ((now - c->term_start) / rp + 1) * rp;
	return due < c->term_end ? due : c->term_end;
}

/* "3 d 4 h" / "5 h 10 min" / "42 min" */
static void span(int64_t s, char *out, size_t n)
{
	if (s >= 86400)
		snprintf(out, n, "%lld d %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(out, n, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, n, "%lld min", (long long)((s + 59) / 60));
}

int term_warnings(const struct charter *c, int64_t now, char *out, size_t n)
{
	int count = 0;
	size_t len = 0;
	char t[21], d[32];
	if (n)
		out[0] = 0;
	if (now < c->term_start || now >= c->term_end)
		return 0;
	int64_t rp = c->reporting_period ? (int64_t)c->reporting_period : c->term_end - c->term_start;
	if (c->term_end - now <= rp) {
		syntax_format_time(c->term_end, t);
		span(c->term_end - now, d, sizeof d);
		len += (size_t)snprintf(out + len, len < n ? n - len : 0,
					"warning: the channel's term ends at %s (in %s): renew it by an amendment (parley charter amend) or close the channel\n",
					t, d);
		count++;
	}
	int64_t due = term_next_due(c, now), lim = rp / 4 < TERM_DUE_WARNING ? rp / 4 : TERM_DUE_WARNING;
	if (due && due - now <= lim) {
		syntax_format_time(due, t);
		span(due - now, d, sizeof d);
		if (len < n)
			snprintf(out + len, n - len,
				 "warning: the implementation report for the reporting period ending %s is due in %s (parley report DIR --mandate)\n",
				 t, d);
		count++;
	}
	return count;
}
