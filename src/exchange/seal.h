/*
 * seal — making and opening envelopes with an agency's key file: the one
 * place that turns (fields, plaintext body) into a signed envelope and an
 * age-sealed body, adds a co-signer's line to a statement, and opens a
 * sealed body. Used by `parley envelope` (files, offline) and by the
 * officers' commands (src/officer/officer.h), so both seal exactly alike.
 */
#ifndef PARLEY_SEAL_H
#define PARLEY_SEAL_H

#include "base/buf.h"
#include "crypto/keyfile.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The body's plaintext with "evidence" set to the STIX bundle evidence
 * (both JSON), appended to out. ERR_FORMAT if the body is not a JSON object
 * or the bundle not JSON; ERR_USAGE if the body already has "evidence".
 * body_name and evidence_name (file names, or NULL) are used in messages.
 */
int seal_add_evidence(const uint8_t *body, size_t blen, const char *body_name, const uint8_t *evidence, size_t elen,
		      const char *evidence_name, struct buf *out);

/*
 * Seals an envelope. The caller fills f->kind, to/nto, case_id, time, and
 * optionally ref, handling, urgent; seal sets channel, from (the agency whose
 * key k is, or for a 'received' the party whose node key it is), and the
 * body line. plain (may be NULL for kinds without a body) is checked against
 * the charter's profiles, then sealed with age to every recipient and to the
 * sender. An aid-crossing consignment, inspection or crossing gets its aid
 * line from the body (profile_aid_figures) when f->aid.type is ENV_AID_NONE;
 * a line the caller set must agree with the body, else ERR_USAGE. Urgency
 * is the body's (an mla-request's urgency.urgent, a consignment's
 * emergency_reason): f->urgent is set from it, and an f->urgent the body does
 * not say is ERR_USAGE; for other bodies f->urgent stands as given. note receives the signed envelope, sealed the age file (empty
 * without a body). ERR_USAGE when the key, a recipient or the case id does
 * not fit the charter; ERR_FORMAT for a body the profile refuses; ERR_LIMIT
 * for an envelope over ENVELOPE_MAX_SIZE.
 */
int seal_envelope(const struct charter *c, const struct keyfile *k, struct envelope_fields *f, const uint8_t *plain,
		  size_t plain_len, struct buf *note, struct buf *sealed);

/*
 * Adds k's signature line to the statement raw (the signed envelope bytes),
 * into out (reset first). ERR_USAGE if raw is not a statement or k's agency
 * is not named by it; ERR_CONFLICT if k has signed it already.
 */
int seal_cosign(const uint8_t *raw, size_t len, const struct keyfile *k, struct buf *out);

/*
 * Decrypts the sealed body of envelope e with k's age identity into plain
 * (reset first) after checking it against e's body line, and checks the
 * plaintext against the profiles and against the envelope's aid line
 * (profile_aid_check_figures). ERR_USAGE if k is not a recipient of the
 * body; ERR_VERIFY if the body does not match, fails to decrypt, or
 * disagrees with the figures the envelope shows in the clear (the message
 * names the figure: the sender's public figures lie).
 */
int seal_open(const struct envelope *e, const uint8_t *body, size_t blen, const struct keyfile *k, unsigned profiles,
	      struct buf *plain);

/*
 * As seal_open, for viewers that show a case whatever its senders wrote
 * (`parley show`): a body that passes every check but disagrees with the
 * envelope's public figures is kept in plain and the disagreement, naming the
 * figure (profile_aid_check_figures' message), is written to disagree
 * (NUL-terminated, dsz > 0); the return is then 0. disagree is "" when the
 * body agrees. Every other failure is as seal_open's. The body is authentic
 * either way (its hash is in the signed envelope): the sender signed figures
 * its own body contradicts, and the caller must show that. With disagree NULL
 * or dsz 0 there is nowhere to say so: exactly seal_open (refused).
 */
int seal_open_marked(const struct envelope *e, const uint8_t *body, size_t blen, const struct keyfile *k,
		     unsigned profiles, struct buf *plain, char *disagree, size_t dsz);

#endif
