/*
 * body_batch — the wire format of POST /bodies (body_batch.h).
 */
#include "node/body_batch.h"

#include "base/err.h"

int body_batch_request_check(const uint8_t *req, size_t len, size_t *n)
{
	(void)req; /* only its length is looked at: (NULL, 0) is an empty request */
	if (len == 0)
		return err_set(ERR_FORMAT, "no body hashes: send 1 to %d SHA-256 hashes of 32 bytes each",
			       BODY_BATCH_MAX_HASHES);
	if (len % 32)
		return err_set(ERR_FORMAT, "%zu bytes is not a whole number of 32-byte SHA-256 hashes", len);
	if (len / 32 > BODY_BATCH_MAX_HASHES)
		return err_set(ERR_FORMAT, "%zu hashes asked; at most %d in one request", len / 32, BODY_BATCH_MAX_HASHES);
	*n = len / 32;
	return 0;
}

int body_batch_append(struct buf *answer, const uint8_t *body, size_t len)
{
	if (len > UINT32_MAX)
		return err_set(ERR_LIMIT, "a body of %zu bytes is too large for a body batch", len);
	uint8_t prefix[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	int rc = buf_append(answer, prefix, 4);
	return rc ? rc : buf_append(answer, body, len);
}

int body_batch_parse(const uint8_t *data, size_t len, size_t asked, size_t max_body, body_batch_fn fn, void *ctx,
		     size_t *count)
{
	size_t off = 0, i = 0;
	*count = 0;
	while (off < len) {
		if (len - off < 4)
			return err_set(ERR_FORMAT, "body batch truncated in the length of body %zu", i);
		size_t n = (size_t)data[off] << 24 | (size_t)data[off + 1] << 16 | (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (i == asked)
			return err_set(ERR_FORMAT, "body batch holds more than the %zu bodies asked", asked);
		if (n > max_body)
			return err_set(ERR_FORMAT, "body %zu of the batch is %zu bytes, over the limit of %zu", i, n, max_body);
		if (n > len - off)
			return err_set(ERR_FORMAT, "body batch truncated in body %zu (%zu of %zu bytes)", i, len - off, n);
		int rc = fn(ctx, i, data + off, n);
		if (rc)
			return rc;
		off += n;
		*count = ++i;
	}
	if (i == 0)
		return err_set(ERR_FORMAT, "body batch holds no body");
	return 0;
}
