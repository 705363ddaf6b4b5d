/*
 * fuzz_common.h — shared by the libFuzzer targets: the fixed test keys the
 * seed corpora are signed with, and an abort-with-message assertion.
 *
 * The keys are throwaway test keys: their secret halves are the seeds in
 * fuzz/corpus/fuzz_keyfile/ (log.key, witness.key), kept only so the signed
 * seeds can be regenerated. Never use them for anything else.
 */
#ifndef PARLEY_FUZZ_COMMON_H
#define PARLEY_FUZZ_COMMON_H

#include "base/err.h"
#include "crypto/note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_LOG_VKEY "fuzz.example/log+0ec15606+AQ5XTHDlcg6bvUakC8YCB+IQ6IkNhTFmt7f/uwTHWY6K"
#define FUZZ_WITNESS_VKEY "witness.example+587b208b+BP91GebJkcbZwxX/hb6TlHVvceXu/VIaYj+8qm8/YNJc"

/* An invariant of the code under test: a violation is a bug, so crash loudly. */
#define FUZZ_ASSERT(cond)                                                                     \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed (last error: %s)\n", \
				__FILE__, __LINE__, #cond, err_msg());                        \
			abort();                                                              \
		}                                                                             \
	} while (0)

/*
 * Runs one(data, size) as the node's HTTP layer would pass the input: an empty
 * body is a valid pointer to zero bytes (http.h), which is what libFuzzer
 * hands over. The parsers' contract also takes an empty input as (NULL, 0),
 * so the empty input is run that way too.
 */
#define FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size) \
	do {                                         \
		one((data), (size));                 \
		if ((size) == 0)                     \
			one(NULL, 0);                \
	} while (0)

static inline void fuzz_load_vkey(struct note_verifier *v, const char *s)
{
	if (note_verifier_parse(v, s, strlen(s)) != 0) {
		fprintf(stderr, "bad built-in verifier key %s: %s\n", s, err_msg());
		abort();
	}
}

#endif
