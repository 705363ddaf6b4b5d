#include "base/conf.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

static int key_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') || c == '-'));
}

void conf_release(struct conf *c)
{
	free(c->text);
	free(c->e);
	c->text = NULL, c->e = NULL, c->n = 0;
}

/* Checks the whole text first: valid UTF-8, no control character but tab and newline. */
static int check_text(const char *s, size_t len)
{
	size_t bad = utf8_invalid_at(s, len);
	size_t line = 1;
	for (size_t i = 0; i < len && i < bad; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n') {
			line++;
		} else if (ch == '\r') {
			return err_set(ERR_FORMAT, "line %zu: carriage return (save the file with Unix line endings)", line);
		} else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			return err_set(ERR_FORMAT, "line %zu: control character 0x%02x", line, ch);
		}
	}
	if (bad < len) /* line counted the newlines before it */
		return err_set(ERR_FORMAT, "line %zu: not UTF-8 text", line);
	return 0;
}

static int parse_line(char *s, unsigned line, const char *const *known, size_t nknown, struct conf_entry *out)
{
	while (blank(*s))
		s++;
	if (!key_char(*s, 1))
		return err_set(ERR_FORMAT, "line %u: expected 'key = value' with a lowercase key", line);
	char *key = s;
	while (key_char(*s, 0))
		s++;
	size_t klen = (size_t)(s - key);
	if (klen > CONF_KEY_MAX)
		return err_set(ERR_FORMAT, "line %u: key longer than %d bytes", line, CONF_KEY_MAX);
	char *end_key = s;
	while (blank(*s))
		s++;
	if (*s != '=' && *s != ':')
		return err_set(ERR_FORMAT, "line %u: expected '=' or ':' after '%.*s'", line, (int)klen, key);
	s++;
	while (blank(*s))
		s++;
	char *value = s, *end = s + strlen(s);
	while (end > value && blank(end[-1]))
		end--;
	*end = 0;
	*end_key = 0;
	size_t i = 0;
	while (i < nknown && strcmp(known[i], key))
		i++;
	if (i == nknown)
		return err_set(ERR_FORMAT, "line %u: unknown key '%s'", line, key);
	if (!*value)
		return err_set(ERR_FORMAT, "line %u: %s: no value", line, key);
	*out = (struct conf_entry){key, value, line};
	return 0;
}

int conf_parse(struct conf *c, const uint8_t *data, size_t len, const char *const *known, size_t nknown)
{
	memset(c, 0, sizeof *c);
	if (len > CONF_MAX_SIZE)
		return err_set(ERR_LIMIT, "larger than %d bytes", CONF_MAX_SIZE);
	int rc = check_text((const char *)data, len);
	if (rc)
		return rc;
	c->text = malloc(len + 1);
	c->e = calloc(CONF_MAX_ENTRIES, sizeof *c->e);
	if (!c->text || !c->e) {
		conf_release(c);
		return err_set(ERR_NOMEM, "out of memory");
	}
	memcpy(c->text, data, len);
	c->text[len] = 0;
	char *s = c->text;
	unsigned line = 0;
	while (*s && !rc) {
		line++;
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		char *p = s;
		s = nl ? nl + 1 : s + strlen(s);
		while (blank(*p))
			p++;
		if (!*p || *p == '#')
			continue;
		struct conf_entry e;
		if ((rc = parse_line(p, line, known, nknown, &e)))
			break;
		for (size_t i = 0; i < c->n && !rc; i++)
			if (!strcmp(c->e[i].key, e.key))
				rc = err_set(ERR_FORMAT, "line %u: %s is given twice (first on line %u)", line, e.key,
					     c->e[i].line);
		if (!rc && c->n == CONF_MAX_ENTRIES)
			rc = err_set(ERR_LIMIT, "line %u: more than %d settings", line, CONF_MAX_ENTRIES);
		if (!rc)
			c->e[c->n++] = e;
	}
	if (rc)
		conf_release(c);
	return rc;
}

int conf_load(struct conf *c, const char *path, const char *const *known, size_t nknown)
{
	struct buf b;
	memset(c, 0, sizeof *c);
	buf_init(&b, CONF_MAX_SIZE);
	int rc = file_read(path, CONF_MAX_SIZE, &b);
	if (!rc)
		rc = conf_parse(c, b.data, b.len, known, nknown);
	buf_release(&b);
	if (rc)
		return err_wrap(rc, "%s", path);
	return 0;
}
