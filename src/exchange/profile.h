/*
 * profile — the JSON bodies an envelope carries, per profile and kind.
 *
 * A body's plaintext (inside the age file) is one JSON object:
 *
 *   { "profile": "cyber-mla", "type": "<body type>", ...fields..., "evidence": {STIX 2.1 bundle} }
 *
 * Body types of the cyber-mla profile, by envelope kind:
 *   notice     -> "notice"        incident notice
 *   request    -> "mla-request"   mutual-legal-assistance request
 *              -> "preservation-request"  (Budapest Convention art. 29(2))
 *   ack        -> "ack"
 *   answer     -> "answer"        ("completeness": "full" | "partial")
 *   decline    -> "decline"       (with grounds)
 *   update     -> "update"
 *   close      -> "close"
 *   statement  -> "statement"     joint record of a consultation round
 * The fields of each type are published as JSON Schemas in docs/schemas/ and
 * described in docs/formats.md. "evidence", where a type allows it, must be a
 * valid STIX 2.1 bundle (src/evidence/stix.h).
 *
 * Parsing is strict: valid UTF-8, no duplicate keys, no unknown members
 * (except "x_"-prefixed extensions), bounded size and depth.
 */
#ifndef PARLEY_PROFILE_H
#define PARLEY_PROFILE_H

#include "exchange/envelope.h"

#include <stddef.h>

#define PROFILE_BODY_MAX (16u << 20)   /* largest plaintext body, bytes */

/*
 * Checks a plaintext body for an envelope of the given kind under the
 * profiles enabled by the charter (enum charter_profile bits). 0 if valid;
 * ERR_FORMAT naming the JSON path and the rule broken; ERR_LIMIT if too large.
 */
int profile_check_body(enum envelope_kind kind, unsigned profiles, const uint8_t *json, size_t len);

#endif
