/* desk_titles — see desk_titles.h. */
#include "desk/desk_titles.h"

#include "exchange/syntax.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char case_id[SYNTAX_CASE_MAX + 1];
	char title[DESK_TITLE_MAX + 1];
	int used;
};

struct desk_titles {
	struct entry e[DESK_TITLES_MAX];
	size_t next; /* the slot the next new case takes: the oldest learnt, once all are used */
};

struct desk_titles *desk_titles_new(void)
{
	return calloc(1, sizeof(struct desk_titles));
}

void desk_titles_free(struct desk_titles *t)
{
	if (!t)
		return;
	sodium_memzero(t, sizeof *t);
	free(t);
}

static struct entry *find(const struct desk_titles *t, const char *case_id)
{
	/* a linear scan of at most DESK_TITLES_MAX short strings: microseconds, beside a node's round trip */
	for (size_t i = 0; i < DESK_TITLES_MAX; i++)
		if (t->e[i].used && !strcmp(t->e[i].case_id, case_id))
			return (struct entry *)&t->e[i];
	return NULL;
}

int desk_titles_get(const struct desk_titles *t, const char *case_id, const char **title)
{
	const struct entry *e = find(t, case_id);
	if (!e)
		return 0;
	*title = e->title;
	return 1;
}

/* Appends s to out (of cap DESK_TITLE_MAX + 1) with sep before it if out is not empty, cut at a character boundary. */
static void append(char *out, const char *sep, const char *s)
{
	if (!s || !s[0])
		return;
	size_t n = strlen(out);
	if (n && sep) {
		size_t m = strlen(sep);
		if (n + m > DESK_TITLE_MAX)
			return;
		memcpy(out + n, sep, m);
		n += m;
	}
	size_t len = strlen(s);
	if (n + len > DESK_TITLE_MAX) {
		len = DESK_TITLE_MAX - n;
		while (len && ((unsigned char)s[len] & 0xC0) == 0x80) /* s[len] continues a character: cut before it */
			len--;
	}
	memcpy(out + n, s, len);
	out[n + len] = 0;
}

void desk_titles_put(struct desk_titles *t, const char *case_id, json_t *body)
{
	char title[DESK_TITLE_MAX + 1] = "";
	if (strlen(case_id) > SYNTAX_CASE_MAX)
		return;
	append(title, NULL, json_string_value(json_object_get(body, "title")));
	if (!title[0]) {
		append(title, NULL, json_string_value(json_object_get(body, "shipment_id")));
		append(title, " · ", json_string_value(json_object_get(body, "destination_district")));
		append(title, " · ", json_string_value(json_object_get(body, "crossing")));
	}
	struct entry *e = find(t, case_id);
	if (e && !title[0])
		return; /* the case is known already: a body without a title keeps what it has */
	if (!e) {
		e = &t->e[t->next];
		t->next = (t->next + 1) % DESK_TITLES_MAX;
		sodium_memzero(e, sizeof *e);
		memcpy(e->case_id, case_id, strlen(case_id) + 1);
		e->used = 1;
	}
	sodium_memzero(e->title, sizeof e->title);
	memcpy(e->title, title, strlen(title) + 1);
	sodium_memzero(title, sizeof title);
}
