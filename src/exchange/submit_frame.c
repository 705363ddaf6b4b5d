#include "exchange/submit_frame.h"
#include "base/enc.h"
#include "base/err.h"

#include <inttypes.h>
#include <string.h>

static const char magic[] = "parley-submit v1 ";

int submit_frame_format(struct buf *out, const uint8_t *envelope, size_t elen, const uint8_t *body, size_t blen)
{
	int rc = buf_printf(out, "%s%zu %zu\n", magic, elen, blen);
	if (!rc)
		rc = buf_append(out, envelope, elen);
	if (!rc && blen)
		rc = buf_append(out, body, blen);
	return rc;
}

#define REFUSE(status, ...) (err_set(ERR_FORMAT, __VA_ARGS__), (status))

int submit_frame_split(const uint8_t *req, size_t len, const uint8_t **envelope, size_t *elen, const uint8_t **body,
		       size_t *blen)
{
	if (len > SUBMIT_MAX_REQUEST)
		return REFUSE(413, "request is larger than %u bytes", (unsigned)SUBMIT_MAX_REQUEST);
	if (!req || !len) /* (NULL, 0) is an empty request too: no mem* call on a null pointer */
		return REFUSE(400, "empty request: it must start with 'parley-submit v1 <envelope length> <body length>'");
	const uint8_t *nl = memchr(req, '\n', len < 64 ? len : 64);
	size_t ml = sizeof magic - 1;
	if (!nl || (size_t)(nl - req) < ml || memcmp(req, magic, ml) != 0)
		return REFUSE(400, "request must start with 'parley-submit v1 <envelope length> <body length>'");
	const char *a = (const char *)req + ml, *end = (const char *)nl;
	const char *sp = memchr(a, ' ', (size_t)(end - a));
	uint64_t el, bl;
	if (!sp || dec_u64(a, (size_t)(sp - a), &el) || dec_u64(sp + 1, (size_t)(end - sp - 1), &bl))
		return REFUSE(400, "request header: lengths must be decimal numbers without leading zeros");
	if (el > ENVELOPE_MAX_SIZE)
		return REFUSE(413, "envelope is %" PRIu64 " bytes, over the limit of %d", el, ENVELOPE_MAX_SIZE);
	if (bl > ENVELOPE_BODY_MAX)
		return REFUSE(413, "body is %" PRIu64 " bytes, over the limit of %u", bl, ENVELOPE_BODY_MAX);
	size_t head = (size_t)(nl - req) + 1;
	if (len - head != el + bl)
		return REFUSE(400, "request has %zu bytes after its header, the header announces %" PRIu64, len - head,
			      el + bl);
	*envelope = req + head;
	*elen = (size_t)el;
	*body = *envelope + el;
	*blen = (size_t)bl;
	return 200;
}
