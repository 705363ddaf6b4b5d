/*
 * utf8 — validation of untrusted text.
 */
#ifndef PARLEY_UTF8_H
#define PARLEY_UTF8_H

#include <stddef.h>

/*
 * Returns the byte offset of the first invalid UTF-8 sequence in s[0..n)
 * (overlong forms, surrogates and code points above U+10FFFF are invalid),
 * or n if all of it is valid.
 */
size_t utf8_invalid_at(const char *s, size_t n);

/*
 * Like utf8_invalid_at, but also stops at any control character other than
 * newline (U+0000-U+001F except U+000A, U+007F, and the C1 range
 * U+0080-U+009F). Used for note text, which must be printable lines.
 */
size_t utf8_text_invalid_at(const char *s, size_t n);

#endif
