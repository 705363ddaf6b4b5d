/*
 * jsonload — strict, bounded loading of untrusted JSON with jansson.
 *
 * jsonload_strict() refuses, before jansson sees a byte, input larger than a
 * cap, input that is not UTF-8, and arrays/objects nested deeper than a cap
 * (jansson's own limit is 2048 levels, far more than any parley format
 * needs). jansson then parses with JSON_REJECT_DUPLICATES and without
 * JSON_ALLOW_NUL, so duplicate keys and "\u0000" in strings are refused too.
 */
#ifndef PARLEY_JSONLOAD_H
#define PARLEY_JSONLOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 1 if no array or object in p[0..n) is nested deeper than max_depth (the
 * outermost value is level 1); strings are skipped, escapes honoured. */
int jsonload_depth_ok(const uint8_t *p, size_t n, int max_depth);

/*
 * Parses p[0..n) into *out (the caller json_decref()s it). Returns 0;
 * ERR_LIMIT ("input is larger than N bytes", "JSON nested deeper than N
 * levels"); ERR_FORMAT ("not UTF-8: ...", "not JSON: ... at line L column C");
 * *out is NULL on failure.
 */
int jsonload_strict(const uint8_t *p, size_t n, size_t max_size, int max_depth, json_t **out);

#endif
