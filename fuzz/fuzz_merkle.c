/*
 * libFuzzer target, structure-aware: the input picks a tree (its size, its
 * leaves), an index, an old size and mutations. Proofs that merkle_prove_*
 * produce over an in-memory hash source must verify; every mutated proof
 * (a flipped bit, a hash dropped or added, another index or leaf, a wrong
 * root) must not. The tile builder's root must equal the RFC 6962 root.
 */
#include "fuzz_common.h"
#include "crypto/merkle.h"
#include "tlog/tiles.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LEAVES 4096

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++) {
		v = v << 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

static merkle_hash leaves[MAX_LEAVES];
static uint64_t source_calls;

/* The in-memory source: the hash of an aligned subtree, from the leaves. */
static int mem_get(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	uint64_t size = *(const uint64_t *)ctx;
	source_calls++;
	FUZZ_ASSERT(level < 63);
	uint64_t lo = index << level, n = 1ull << level;
	FUZZ_ASSERT(lo + n <= size); /* the prover never asks beyond the tree */
	merkle_root_of((const merkle_hash *)leaves + lo, (size_t)n, out);
	return 0;
}

static int inclusion_ok(uint64_t index, uint64_t size, const merkle_hash leaf, const merkle_hash *proof, size_t n,
			const merkle_hash root)
{
	int rc = merkle_verify_inclusion(index, size, leaf, proof, n, root);
	FUZZ_ASSERT(rc == 0 || rc == ERR_VERIFY);
	return rc == 0;
}

static int consistency_ok(uint64_t m, uint64_t size, const merkle_hash r1, const merkle_hash r2,
			  const merkle_hash *proof, size_t n)
{
	int rc = merkle_verify_consistency(m, size, r1, r2, proof, n);
	FUZZ_ASSERT(rc == 0 || rc == ERR_VERIFY);
	return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size_in)
{
	struct input in = {data, size_in};
	/* Mostly small trees, sometimes crossing tile boundaries (256, 65536 is too slow). */
	uint64_t size = 1 + take(&in, 2) % MAX_LEAVES;
	if (take(&in, 1) & 1)
		size = 1 + size % 300;
	uint64_t index = take(&in, 2) % size;
	uint64_t old = 1 + take(&in, 2) % size;
	uint8_t seed = (uint8_t)take(&in, 1);
	for (uint64_t i = 0; i < size; i++) {
		uint8_t e[9] = {seed};
		for (int k = 0; k < 8; k++)
			e[1 + k] = (uint8_t)(i >> (8 * k));
		merkle_leaf_hash(e, sizeof e, leaves[i]);
	}
	struct merkle_source src = {mem_get, &size};
	merkle_hash root, old_root, r;
	merkle_root_of((const merkle_hash *)leaves, (size_t)size, root);
	merkle_root_of((const merkle_hash *)leaves, (size_t)old, old_root);
	FUZZ_ASSERT(merkle_tree_root(&src, size, r) == 0 && memcmp(r, root, MERKLE_HASH) == 0);

	/* The tile builder computes the same root from the right edge alone. */
	struct tile_builder tb;
	tile_builder_init(&tb, NULL, NULL);
	for (uint64_t i = 0; i < size; i++) {
		FUZZ_ASSERT(tile_builder_add_hash(&tb, leaves[i]) == 0);
		if (i + 1 == old) {
			tile_builder_root(&tb, r);
			FUZZ_ASSERT(memcmp(r, old_root, MERKLE_HASH) == 0);
		}
	}
	tile_builder_root(&tb, r);
	FUZZ_ASSERT(memcmp(r, root, MERKLE_HASH) == 0 && tb.size == size);
	tile_builder_release(&tb);

	/* Inclusion. */
	merkle_hash proof[MERKLE_MAX_PROOF + 1];
	size_t n;
	FUZZ_ASSERT(merkle_prove_inclusion(&src, index, size, proof, &n) == 0);
	FUZZ_ASSERT(n <= 64 - (size_t)__builtin_clzll(size)); /* at most ceil(log2(size)) hashes */
	FUZZ_ASSERT(inclusion_ok(index, size, leaves[index], (const merkle_hash *)proof, n, root));
	uint64_t mut = take(&in, 2);
	if (n) {
		size_t at = (size_t)(mut % n);
		unsigned bit = (unsigned)(mut >> 8) % (8 * MERKLE_HASH);
		proof[at][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		FUZZ_ASSERT(!inclusion_ok(index, size, leaves[index], (const merkle_hash *)proof, n, root));
		proof[at][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		FUZZ_ASSERT(!inclusion_ok(index, size, leaves[index], (const merkle_hash *)proof, n - 1, root));
	}
	memcpy(proof[n], root, MERKLE_HASH);
	FUZZ_ASSERT(!inclusion_ok(index, size, leaves[index], (const merkle_hash *)proof, n + 1, root));
	uint64_t other = (index + 1 + mut % size) % size;
	if (other != index) {
		FUZZ_ASSERT(!inclusion_ok(other, size, leaves[index], (const merkle_hash *)proof, n, root));
		FUZZ_ASSERT(!inclusion_ok(index, size, leaves[other], (const merkle_hash *)proof, n, root));
	}
	FUZZ_ASSERT(!inclusion_ok(index, size, leaves[index], (const merkle_hash *)proof, n, old_root) ||
		    old == size);
	FUZZ_ASSERT(!inclusion_ok(size, size, leaves[index], (const merkle_hash *)proof, n, root));

	/* Consistency from old to size. */
	FUZZ_ASSERT(merkle_prove_consistency(&src, old, size, proof, &n) == 0);
	FUZZ_ASSERT(n <= MERKLE_MAX_PROOF);
	FUZZ_ASSERT(consistency_ok(old, size, old_root, root, (const merkle_hash *)proof, n));
	if (old == size) {
		FUZZ_ASSERT(n == 0);
	} else {
		FUZZ_ASSERT(n > 0);
		size_t at = (size_t)(mut % n);
		unsigned bit = (unsigned)(mut >> 8) % (8 * MERKLE_HASH);
		proof[at][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		FUZZ_ASSERT(!consistency_ok(old, size, old_root, root, (const merkle_hash *)proof, n));
		proof[at][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		FUZZ_ASSERT(!consistency_ok(old, size, old_root, root, (const merkle_hash *)proof, n - 1));
		memcpy(proof[n], root, MERKLE_HASH);
		FUZZ_ASSERT(!consistency_ok(old, size, old_root, root, (const merkle_hash *)proof, n + 1));
		FUZZ_ASSERT(!consistency_ok(old, size, root, old_root, (const merkle_hash *)proof, n));
		merkle_hash bad;
		memcpy(bad, old_root, MERKLE_HASH);
		bad[mut % MERKLE_HASH] ^= 1;
		FUZZ_ASSERT(!consistency_ok(old, size, bad, root, (const merkle_hash *)proof, n));
		FUZZ_ASSERT(!consistency_ok(old, size, old_root, bad, (const merkle_hash *)proof, n));
	}
	return 0;
}
