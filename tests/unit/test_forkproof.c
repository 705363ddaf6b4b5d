/*
 * The fork proof (src/witness/forkproof.h): what shows a fork and what does not,
 * the strict parser, and durations in seconds (the heartbeat's).
 */
#include "check.h"
#include "base/err.h"
#include "exchange/syntax.h"
#include "witness/forkproof.h"

#include <sodium.h>

static struct note_signer key, other;
static struct note_verifier vkey;
static merkle_hash leaves_a[8], leaves_b[8];

static int mem_get(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	merkle_root_of((const merkle_hash *)ctx + (index << level), (size_t)1 << level, out);
	return 0;
}

/* A checkpoint of the first size leaves of tree, signed by k. */
static void cp_of(const merkle_hash *tree, uint64_t size, const struct note_signer *k, struct buf *out)
{
	struct checkpoint cp;
	snprintf(cp.origin, sizeof cp.origin, "%s", "fp.example/log");
	cp.size = size;
	merkle_root_of(tree, (size_t)size, cp.root);
	buf_reset(out);
	if (checkpoint_sign(&cp, k, out))
		abort();
}

/* Formats, parses and verifies a proof of a and b; returns forkproof_verify's code (or the first error). */
static int try(const struct buf *a, const struct buf *b, const merkle_hash root, const merkle_hash *proof, size_t n)
{
	struct buf out;
	struct forkproof *p = calloc(1, sizeof *p);
	size_t which;
	buf_init(&out, FORKPROOF_MAX);
	int rc = forkproof_format(&out, &vkey, a->data, a->len, b->data, b->len, root, proof, n, "test");
	if (!rc)
		rc = forkproof_parse(p, out.data, out.len);
	if (!rc)
		rc = forkproof_verify(p, &vkey, 1, &which);
	buf_release(&out);
	free(p);
	return rc;
}

static void same_size(void)
{
	struct buf a, b;
	buf_init(&a, CHECKPOINT_MAX_SIZE);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	cp_of(leaves_a, 5, &key, &a);
	cp_of(leaves_b, 5, &key, &b);
	CHECK_EQ_INT(try(&a, &b, NULL, NULL, 0), 0);
	CHECK_EQ_INT(try(&a, &a, NULL, NULL, 0), ERR_VERIFY); /* identical */
	CHECK_MSG("same root");
	buf_release(&a);
	buf_release(&b);
}

static void sizes_differ(void)
{
	struct buf small, big, fork;
	merkle_hash root, proof[MERKLE_MAX_PROOF];
	size_t n;
	struct merkle_source src = {mem_get, leaves_a};
	buf_init(&small, CHECKPOINT_MAX_SIZE);
	buf_init(&big, CHECKPOINT_MAX_SIZE);
	buf_init(&fork, CHECKPOINT_MAX_SIZE);
	cp_of(leaves_a, 3, &key, &small);
	cp_of(leaves_a, 7, &key, &big);
	cp_of(leaves_b, 3, &key, &fork);
	CHECK(merkle_prove_consistency(&src, 3, 7, proof, &n) == 0);
	merkle_root_of(leaves_a, 3, root);
	/* consistent: the big tree's root at 3 is the small checkpoint's */
	CHECK_EQ_INT(try(&small, &big, root, (const merkle_hash *)proof, n), ERR_VERIFY);
	CHECK_MSG("consistent, no fork");
	/* another size-3 checkpoint, not in the size-7 tree: a fork (either order given) */
	CHECK_EQ_INT(try(&fork, &big, root, (const merkle_hash *)proof, n), 0);
	CHECK_EQ_INT(try(&big, &fork, root, (const merkle_hash *)proof, n), 0);
	/* a root the proof does not bind to the big checkpoint shows nothing */
	merkle_hash bent;
	merkle_root_of(leaves_b, 3, bent);
	CHECK_EQ_INT(try(&small, &big, bent, (const merkle_hash *)proof, n), ERR_VERIFY);
	CHECK_MSG("does not verify");
	buf_release(&small);
	buf_release(&big);
	buf_release(&fork);
}

static void signatures(void)
{
	struct buf a, b, out, two;
	struct forkproof *p = calloc(1, sizeof *p);
	size_t which;
	buf_init(&a, CHECKPOINT_MAX_SIZE);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	buf_init(&out, FORKPROOF_MAX);
	buf_init(&two, FORKPROOF_MAX);
	cp_of(leaves_a, 5, &key, &a);
	cp_of(leaves_b, 5, &other, &b); /* another key under the same name */
	CHECK_EQ_INT(forkproof_format(&out, &vkey, a.data, a.len, b.data, b.len, NULL, NULL, 0, NULL), ERR_VERIFY);
	/* built by hand: the second checkpoint signed by the other key */
	buf_printf(&two, "parley fork proof v1\ncheckpoint %zu\n", a.len);
	buf_append(&two, a.data, a.len);
	buf_printf(&two, "checkpoint %zu\n", b.len);
	buf_append(&two, b.data, b.len);
	CHECK_EQ_INT(forkproof_parse(p, two.data, two.len), 0);
	CHECK_EQ_INT(forkproof_verify(p, &vkey, 1, &which), ERR_VERIFY);
	/* a flipped bit in a signature */
	cp_of(leaves_b, 5, &key, &b);
	buf_reset(&out);
	CHECK_EQ_INT(forkproof_format(&out, &vkey, a.data, a.len, b.data, b.len, NULL, NULL, 0, NULL), 0);
	out.data[out.len - 10] ^= 1;
	if (forkproof_parse(p, out.data, out.len) == 0)
		CHECK_EQ_INT(forkproof_verify(p, &vkey, 1, &which), ERR_VERIFY);
	/* an unknown log */
	struct note_verifier stranger = vkey;
	snprintf(stranger.name, sizeof stranger.name, "%s", "other.example/log");
	out.data[out.len - 10] ^= 1;
	CHECK_EQ_INT(forkproof_parse(p, out.data, out.len), 0);
	CHECK_EQ_INT(forkproof_verify(p, &stranger, 1, &which), ERR_VERIFY);
	CHECK_MSG("no log named");
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	buf_release(&two);
	free(p);
}

static void strict_parser(void)
{
	struct forkproof *p = calloc(1, sizeof *p);
	struct buf a, b, out;
	buf_init(&a, CHECKPOINT_MAX_SIZE);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	buf_init(&out, FORKPROOF_MAX + 16);
	CHECK_EQ_INT(forkproof_parse(p, NULL, 0), ERR_FORMAT);
	CHECK_EQ_INT(forkproof_parse(p, (const uint8_t *)"parley fork proof v1\n", 21), ERR_FORMAT);
	cp_of(leaves_a, 5, &key, &a);
	cp_of(leaves_b, 5, &key, &b);
	CHECK_EQ_INT(forkproof_format(&out, &vkey, a.data, a.len, b.data, b.len, NULL, NULL, 0, "x\ny"), 0);
	CHECK_EQ_INT(forkproof_parse(p, out.data, out.len), 0);
	CHECK_STR(p->why, "x?y");
	buf_append(&out, "root", 4); /* trailing bytes after two of one size */
	CHECK_EQ_INT(forkproof_parse(p, out.data, out.len), ERR_FORMAT);
	/* the larger first */
	cp_of(leaves_a, 6, &key, &b);
	buf_reset(&out);
	buf_printf(&out, "parley fork proof v1\ncheckpoint %zu\n", b.len);
	buf_append(&out, b.data, b.len);
	buf_printf(&out, "checkpoint %zu\n", a.len);
	buf_append(&out, a.data, a.len);
	CHECK_EQ_INT(forkproof_parse(p, out.data, out.len), ERR_FORMAT);
	CHECK_MSG("size order");
	/* a length running past the end */
	buf_reset(&out);
	buf_printf(&out, "parley fork proof v1\ncheckpoint %zu\n", a.len + 1);
	buf_append(&out, a.data, a.len);
	CHECK_EQ_INT(forkproof_parse(p, out.data, out.len), ERR_FORMAT);
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	free(p);
}

static void durations(void)
{
	uint64_t s = 0;
	CHECK_EQ_INT(syntax_duration("2s", 2, &s), 0);
	CHECK_EQ_INT(s, 2);
	CHECK_EQ_INT(syntax_duration("90s", 3, &s), 0);
	CHECK_EQ_INT(s, 90);
	CHECK_EQ_INT(syntax_duration("24h", 3, &s), 0);
	CHECK_EQ_INT(s, 86400);
	CHECK_EQ_INT(syntax_duration("0s", 2, &s), ERR_FORMAT);
	CHECK_EQ_INT(syntax_duration("5x", 2, &s), ERR_FORMAT);
}

int main(void)
{
	if (sodium_init() < 0 || note_signer_generate(&key, "fp.example/log", NOTE_ED25519) ||
	    note_signer_generate(&other, "fp.example/log", NOTE_ED25519))
		return 2;
	note_verifier_from_signer(&vkey, &key, NOTE_ED25519);
	for (int i = 0; i < 8; i++) {
		uint8_t e[2] = {'a', (uint8_t)i}, f[2] = {'b', (uint8_t)i};
		merkle_leaf_hash(e, 2, leaves_a[i]);
		merkle_leaf_hash(i < 2 ? e : f, 2, leaves_b[i]); /* shares the first two leaves */
	}
	RUN(same_size);
	RUN(sizes_differ);
	RUN(signatures);
	RUN(strict_parser);
	RUN(durations);
	CHECK_EXIT();
}
