/*
 * buf — a growable byte buffer with a hard maximum size.
 *
 * Every buffer is created with a cap; growing past it fails with ERR_LIMIT
 * instead of letting hostile input exhaust memory. The contents are always
 * followed by a NUL byte (not counted in len), so text can be used as a C
 * string once the caller has checked it holds no NUL.
 */
#ifndef PARLEY_BUF_H
#define PARLEY_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;   /* allocated bytes */
	size_t max;   /* largest len allowed */
};

/* An empty buffer that may grow to max bytes. Allocates nothing yet. */
void buf_init(struct buf *b, size_t max);
/* Frees the contents; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Sets len to 0, keeping the allocation. */
void buf_reset(struct buf *b);
/* Ensures room for n more bytes. 0, ERR_LIMIT or ERR_NOMEM. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_byte(struct buf *b, uint8_t c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the contents to the caller (free() them) and leaves b empty. */
uint8_t *buf_detach(struct buf *b, size_t *len);

#endif
