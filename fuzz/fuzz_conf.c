/* libFuzzer target: conf_parse (the --config file of node and witness, base/conf.h). */
#include "fuzz_common.h"
#include "base/conf.h"
#include "base/utf8.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = {"dir", "listen", "poll", "max-skew", "http-timeout", "http-connections",
					    "reindex", "log-format"};
	struct conf c;
	int rc = conf_parse(&c, data, size, known, sizeof known / sizeof known[0]);
	if (rc) {
		FUZZ_ASSERT(rc == ERR_FORMAT || rc == ERR_LIMIT);
		FUZZ_ASSERT(!c.text && !c.e && !c.n);
		FUZZ_ASSERT(strncmp(err_msg(), "line ", 5) == 0 || strstr(err_msg(), "larger than"));
		return 0;
	}
	/* What parses obeys the documented rules: known keys once each, values non-empty, trimmed, printable. */
	FUZZ_ASSERT(c.n <= CONF_MAX_ENTRIES);
	for (size_t i = 0; i < c.n; i++) {
		size_t k = 0;
		while (k < sizeof known / sizeof known[0] && strcmp(known[k], c.e[i].key))
			k++;
		FUZZ_ASSERT(k < sizeof known / sizeof known[0]);
		size_t vl = strlen(c.e[i].value);
		FUZZ_ASSERT(vl > 0 && c.e[i].value[0] != ' ' && c.e[i].value[0] != '\t');
		FUZZ_ASSERT(c.e[i].value[vl - 1] != ' ' && c.e[i].value[vl - 1] != '\t');
		FUZZ_ASSERT(utf8_invalid_at(c.e[i].value, vl) == vl);
		for (size_t j = 0; j < vl; j++)
			FUZZ_ASSERT((unsigned char)c.e[i].value[j] >= 0x20 || c.e[i].value[j] == '\t');
		FUZZ_ASSERT(i == 0 || c.e[i].line > c.e[i - 1].line);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(c.e[i].key, c.e[j].key));
	}
	conf_release(&c);
	return 0;
}
