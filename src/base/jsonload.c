#include "base/jsonload.h"
#include "base/err.h"
#include "base/utf8.h"

int jsonload_depth_ok(const uint8_t *p, size_t n, int max_depth)
{
	int depth = 0, in_str = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max_depth)
				return 0;
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
	}
	return 1;
}

int jsonload_strict(const uint8_t *p, size_t n, size_t max_size, int max_depth, json_t **out)
{
	json_error_t jerr;
	*out = NULL;
	if (n > max_size)
		return err_set(ERR_LIMIT, "input is larger than %zu bytes", max_size);
	size_t bad = utf8_invalid_at((const char *)p, n);
	if (bad != n)
		return err_set(ERR_FORMAT, "not UTF-8: invalid byte sequence at offset %zu", bad);
	if (!jsonload_depth_ok(p, n, max_depth))
		return err_set(ERR_LIMIT, "JSON nested deeper than %d levels", max_depth);
	*out = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out)
		return err_set(ERR_FORMAT, "not JSON: %s at line %d column %d", jerr.text, jerr.line, jerr.column);
	return 0;
}
