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
 *   received   -> no body
 * The fields of each type are published as JSON Schemas in
 * docs/schemas/cyber-mla/ and described in docs/profile-cyber-mla.md.
 * "evidence", where a type allows it, must be a valid STIX 2.1 bundle
 * (src/evidence/stix.h). Handling marks (TLP, H0-H3) and urgency flags are
 * not repeated in the body: the envelope's signed "handling" and "priority"
 * lines are the one place they live (the body's "urgency" holds the reason).
 *
 * Parsing is strict: valid UTF-8, no duplicate keys, no "\u0000", no
 * unknown members (except "x_"-prefixed extensions), bounded size, depth,
 * string lengths and list lengths.
 *
 * Body types of the aid-crossing profile (docs/profile-aid-crossing.md,
 * docs/schemas/aid-crossing/), for UN cross-border aid under a monitoring
 * mechanism:
 *   notice     -> "consignment"   advance notification of a consignment
 *   update     -> "inspection"    the monitors' inspection at loading
 *              -> "crossing"      the trucks crossed
 *   ack        -> "ack"           the receiving authority has the notice
 *   close      -> "close"         delivered, partially delivered or cancelled
 * Its published figures live in the envelope's signed "aid" line
 * (envelope.h); profile_aid_check_figures ties a body to them.
 */
#ifndef PARLEY_PROFILE_H
#define PARLEY_PROFILE_H

#include "exchange/envelope.h"

#include <stddef.h>
#include <stdint.h>

#define PROFILE_BODY_MAX (16u << 20)   /* largest plaintext body, bytes */
/* Deepest nesting of arrays and objects; the body is level 1, so an
 * "evidence" bundle may nest STIX_MAX_DEPTH levels, as `parley stix check` allows. */
#define PROFILE_MAX_DEPTH 33
#define PROFILE_LINE_MAX 300           /* characters (code points) in a one-line string */
#define PROFILE_TEXT_MAX 65536         /* characters in a multi-line text */
#define PROFILE_LIST_MAX 100           /* items in a list */
#define PROFILE_COUNT_MAX 1000000000   /* largest count (e.g. organisations affected) */

/*
 * Checks a plaintext body for an envelope of the given kind under the
 * profiles enabled by the charter (enum charter_profile bits). 0 if valid;
 * ERR_FORMAT naming the JSON path and the rule broken (also for a body that
 * is not UTF-8 or not JSON, and for kind 'received', which has no body);
 * ERR_LIMIT if larger than PROFILE_BODY_MAX or nested deeper than
 * PROFILE_MAX_DEPTH; ERR_USAGE for a kind out of range or profiles == 0.
 */
int profile_check_body(enum envelope_kind kind, unsigned profiles, const uint8_t *json, size_t len);

/*
 * The two steps of profile_check_body, for callers that must tell an
 * unreadable body from an invalid one (`parley profile check`):
 * profile_load parses strictly into *out (json_decref it): 0, ERR_LIMIT (too
 * large, too deep) or ERR_FORMAT (not UTF-8, not JSON, duplicate key);
 * profile_check_value checks a parsed body: 0 or ERR_FORMAT with the path and
 * the rule; ERR_USAGE for a kind out of range or no profile enabled.
 */
struct json_t;
int profile_load(const uint8_t *json, size_t len, struct json_t **out);
int profile_check_value(enum envelope_kind kind, unsigned profiles, struct json_t *body);

/*
 * The figures of the envelope's aid line for a body profile_check_value
 * accepted (docs/profile-aid-crossing.md, "The visible figures"): an
 * aid-crossing consignment, inspection or crossing gives its line (crossing
 * point, planned crossing time, trucks, trucks per sector from each truck's
 * sector, beneficiaries; result and trucks confirmed; time crossed and
 * trucks); any other body gives type ENV_AID_NONE. What a sender signs:
 * seal_envelope fills the line with it.
 */
void profile_aid_figures(struct json_t *body, struct envelope_aid *out);

/*
 * Whether a body (accepted by profile_check_value for f->kind) agrees with
 * its envelope's public figures: the aid line must be exactly
 * profile_aid_figures of the body (absent for a body without figures), and a
 * consignment's "emergency_reason" is there exactly when the envelope says
 * "priority: urgent". 0, or ERR_VERIFY "the envelope's aid line says ...,
 * the body ..." naming the first figure that differs: what a recipient who
 * opens the body reports about a sender whose public figures lie.
 */
int profile_aid_check_figures(const struct envelope_fields *f, struct json_t *body);

#endif
