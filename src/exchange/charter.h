/*
 * charter — the founding agreement of a channel, as a signed note.
 *
 * The text (grammar in docs/formats.md) names the channel, its legal basis,
 * the parties with their node URLs and node keys, the agencies with their
 * signing keys and age recipients, the neutral witnesses, the enabled
 * profiles, the deadlines and the mandate term. Every party signs it with its
 * node key; the channel id is the SHA-256 of the text without signatures.
 *
 * A draft (no signatures yet) may hold '#' comment lines and blank lines; they
 * are not part of the charter and are dropped when the first party signs.
 * A signed charter must be in canonical form. Unknown keys, keys out of
 * order, duplicate names, agencies of unlisted parties, malformed keys, URLs,
 * times or durations are refused with the line named.
 */
#ifndef PARLEY_CHARTER_H
#define PARLEY_CHARTER_H

#include "base/buf.h"
#include "crypto/age.h"
#include "crypto/note.h"
#include "exchange/syntax.h"

#include <stdint.h>

#define CHARTER_MAX_SIZE (256u << 10)
#define CHARTER_MAX_PARTIES 16
#define CHARTER_MAX_AGENCIES 128
#define CHARTER_MAX_WITNESSES 16
#define CHARTER_FIRST_LINE "parley charter v1"
#define CHARTER_DEFAULT_QUORUM 1        /* witness-quorum when absent */
#define CHARTER_DEFAULT_HEARTBEAT 3600u /* heartbeat when absent: 1 h */

enum charter_profile {
	CHARTER_PROFILE_CYBER_MLA = 1,
	CHARTER_PROFILE_AID_CROSSING = 2,
};

struct charter_party {
	char id[17];
	char url[SYNTAX_URL_MAX + 1];
	struct note_verifier node_key;     /* Ed25519 (0x01): signs the party's log and the charter */
	struct note_verifier node_cosigner; /* the same key as a tlog-cosignature (0x04) key */
};

struct charter_agency {
	char name[SYNTAX_AGENCY_MAX + 1];
	int party;                          /* index into parties */
	struct note_verifier key;           /* Ed25519 (0x01), named like the agency */
	struct age_recipient recipient;     /* X25519 */
	char recipient_text[AGE_RECIPIENT_TEXT_MAX];
};

struct charter_witness {
	char id[64];
	char url[SYNTAX_URL_MAX + 1];
	struct note_verifier key;           /* cosigner (0x04), named like the witness */
};

struct charter {
	struct buf text;                    /* canonical text, without signatures */
	uint8_t id[32];                     /* SHA-256 of text: the channel id */
	char id_hex[65];
	char name[201];
	char legal_basis[1001];
	struct charter_party parties[CHARTER_MAX_PARTIES];
	size_t nparties;
	struct charter_agency agencies[CHARTER_MAX_AGENCIES];
	size_t nagencies;
	struct charter_witness witnesses[CHARTER_MAX_WITNESSES];
	size_t nwitnesses;
	unsigned profiles;                  /* enum charter_profile bits */
	uint64_t ack, answer, urgent_ack, urgent_answer; /* seconds */
	int64_t term_start, term_end;       /* Unix seconds */
	uint64_t reporting_period;          /* seconds */
	unsigned witness_quorum;            /* cosigners a checkpoint needs to count as witnessed (docs/reports.md) */
	uint64_t heartbeat;                 /* seconds: an idle node pushes its checkpoint at least this often */
	int signed_by[CHARTER_MAX_PARTIES]; /* 1 if that party's valid signature is present */
	size_t nsigned;
	struct buf signatures;              /* the signature lines present, verbatim */
};

/*
 * Parses a charter file: a draft (text only, comments allowed) or a signed
 * note. Signature lines by party node keys must verify (ERR_VERIFY otherwise);
 * others are refused as unknown. Release with charter_release().
 */
int charter_parse(struct charter *c, const uint8_t *data, size_t len);
void charter_release(struct charter *c);

/* Reads the file at path (at most CHARTER_MAX_SIZE bytes) and parses it as charter_parse does. */
int charter_load(struct charter *c, const char *path);

/* 1 if every party has signed. */
int charter_complete(const struct charter *c);

/* The signed note with key's signature added (key must be a party's node key). */
int charter_sign(const struct charter *c, const struct note_signer *key, struct buf *out);

/* The commented template written by `parley charter init`. */
int charter_template(struct buf *out);

/*
 * Lookups, the one place that walks the member lists; NULL (or -1) if absent.
 *   charter_agency         an agency by name
 *   charter_party          a party by id ("us")
 *   charter_party_of_log   a party by its log's origin (its node key's name)
 *   charter_party_of_key   the party whose node key this is (name and key ID)
 *   charter_witness        a neutral witness by id
 *   charter_cosigner_index a cosigner by key name: parties' nodes 0..nparties-1, then witnesses
 *   charter_cosigner       the same cosigner's verifier key (0x04)
 */
const struct charter_agency *charter_agency(const struct charter *c, const char *name, size_t len);
const struct charter_party *charter_party(const struct charter *c, const char *id, size_t len);
const struct charter_party *charter_party_of_log(const struct charter *c, const char *origin);
const struct charter_party *charter_party_of_key(const struct charter *c, const char *name, uint32_t id,
						  const uint8_t pub[32]);
const struct charter_witness *charter_witness(const struct charter *c, const char *id);
int charter_cosigner_index(const struct charter *c, const char *name);
const struct note_verifier *charter_cosigner(const struct charter *c, const char *name);
/*
 * Every cosigner that may witness origin's log: the other parties' nodes and
 * the neutral witnesses (at most CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES
 * keys into out). Returns how many.
 */
size_t charter_cosigners_of_log(const struct charter *c, const char *origin, struct note_verifier *out);

#endif
