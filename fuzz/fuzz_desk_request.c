/*
 * libFuzzer target: the desk's own parsing of request headers beyond jsonload
 * (src/desk/desk.h): the Cookie header (desk_cookie_value) and the --listen
 * address rule (desk_listen_check). The input, cut at its first NUL, is the
 * header value and the address; the empty input is run too.
 */
#include "fuzz_common.h"
#include "desk/desk.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
	       (c >= 0x5D && c <= 0x7E);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	char out[48];
	static const char *const names[] = {"parley_desk_8080", "a", "parley_desk"};
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		memset(out, 'x', sizeof out);
		if (desk_cookie_value(s, names[k], out, sizeof out) == 0) {
			/* a value of cookie-octets only, that fits, and that the header holds after "name=" */
			size_t n = strlen(out);
			FUZZ_ASSERT(n < sizeof out);
			for (size_t i = 0; i < n; i++)
				FUZZ_ASSERT(cookie_octet((unsigned char)out[i]));
			char want[80];
			snprintf(want, sizeof want, "%s=", names[k]);
			FUZZ_ASSERT(strstr(s, want) != NULL);
			FUZZ_ASSERT(strstr(s, out) != NULL);
		}
	}
	/* a tiny buffer never overflows */
	char one[1];
	FUZZ_ASSERT(desk_cookie_value(s, "a", one, sizeof one) == 0 ? one[0] == 0 : 1);
	/* loopback-only is the narrower rule */
	if (desk_listen_check(s, 0) == 0)
		FUZZ_ASSERT(desk_listen_check(s, 1) == 0);
	free(s);
	return 0;
}
