/* RFC 6962 hashing and proofs: every proof for every (index, size) and (old, new) pair up to 70 leaves
 * must verify, and every one-bit change to a proof, a size or an index must not. */
#include "base/err.h"
#include "crypto/merkle.h"
#include "tlog/tiles.h"
#include "check.h"

#define N 70

static merkle_hash leaves[N];

/* A hash source computing subtrees directly from the leaves. */
static int leaf_source(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	(void)ctx;
	uint64_t span = 1ull << level;
	if ((index + 1) * span > N)
		return err_set(ERR_USAGE, "out of range");
	merkle_root_of((const merkle_hash *)leaves + index * span, (size_t)span, out);
	return 0;
}

static const struct merkle_source src = {leaf_source, NULL};

static void setup(void)
{
	for (int i = 0; i < N; i++) {
		char e[32];
		int n = snprintf(e, sizeof e, "leaf %d", i);
		merkle_leaf_hash(e, (size_t)n, leaves[i]);
	}
}

static void test_empty_root_is_sha256_of_nothing(void)
{
	static const uint8_t want[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
					 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
					 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
	merkle_hash h;
	merkle_empty_root(h);
	CHECK(memcmp(h, want, 32) == 0);
}

static void test_inclusion_all_pairs(void)
{
	for (uint64_t size = 1; size <= N; size++) {
		merkle_hash root, proof[MERKLE_MAX_PROOF];
		CHECK(merkle_tree_root(&src, size, root) == 0);
		for (uint64_t i = 0; i < size; i++) {
			size_t n;
			CHECK(merkle_prove_inclusion(&src, i, size, proof, &n) == 0);
			CHECK(merkle_verify_inclusion(i, size, leaves[i], (const merkle_hash *)proof, n, root) == 0);
			/* wrong index, wrong size, flipped bit, dropped hash */
			if (size > 1)
				CHECK(merkle_verify_inclusion((i + 1) % size, size, leaves[i], (const merkle_hash *)proof, n, root) == ERR_VERIFY);
			/* The same proof against the root of a larger tree must fail. */
			if (size < N) {
				merkle_hash other;
				CHECK(merkle_tree_root(&src, size + 1, other) == 0);
				CHECK(merkle_verify_inclusion(i, size + 1, leaves[i], (const merkle_hash *)proof, n, other) == ERR_VERIFY);
			}
			if (n) {
				proof[n / 2][3] ^= 1;
				CHECK(merkle_verify_inclusion(i, size, leaves[i], (const merkle_hash *)proof, n, root) == ERR_VERIFY);
				proof[n / 2][3] ^= 1;
				CHECK(merkle_verify_inclusion(i, size, leaves[i], (const merkle_hash *)proof, n - 1, root) == ERR_VERIFY);
			}
		}
		size_t n;
		CHECK(merkle_prove_inclusion(&src, size, size, proof, &n) == ERR_USAGE);
	}
}

static void test_consistency_all_pairs(void)
{
	for (uint64_t m = 1; m <= N; m++) {
		merkle_hash r1;
		CHECK(merkle_tree_root(&src, m, r1) == 0);
		for (uint64_t n = m; n <= N; n++) {
			merkle_hash r2, proof[MERKLE_MAX_PROOF];
			size_t k;
			CHECK(merkle_tree_root(&src, n, r2) == 0);
			CHECK(merkle_prove_consistency(&src, m, n, proof, &k) == 0);
			CHECK(merkle_verify_consistency(m, n, r1, r2, (const merkle_hash *)proof, k) == 0);
			if (k) {
				proof[0][0] ^= 0x80;
				CHECK(merkle_verify_consistency(m, n, r1, r2, (const merkle_hash *)proof, k) == ERR_VERIFY);
				proof[0][0] ^= 0x80;
			}
			if (m != n) {
				CHECK(merkle_verify_consistency(m, n, r2, r2, (const merkle_hash *)proof, k) == ERR_VERIFY);
				CHECK(merkle_verify_consistency(m + 1 <= n ? m + 1 : m, n, r1, r2, (const merkle_hash *)proof, k) == ERR_VERIFY ||
				      m + 1 > n);
			}
		}
	}
}

static void test_builder_matches_recursive_root(void)
{
	struct tile_builder b;
	tile_builder_init(&b, NULL, NULL);
	for (uint64_t i = 0; i < N; i++) {
		CHECK(tile_builder_add_hash(&b, leaves[i]) == 0);
		merkle_hash a, want;
		tile_builder_root(&b, a);
		merkle_root_of((const merkle_hash *)leaves, (size_t)i + 1, want);
		CHECK(memcmp(a, want, 32) == 0);
	}
	tile_builder_release(&b);
}

static void test_builder_across_tile_levels(void)
{
	/* 70,000 leaves span partial tiles at levels 0, 1 and 2. */
	enum { BIG = 70000 };
	merkle_hash *big = malloc(sizeof(merkle_hash) * BIG);
	struct tile_builder b;
	tile_builder_init(&b, NULL, NULL);
	for (int i = 0; i < BIG; i++) {
		merkle_leaf_hash(&i, sizeof i, big[i]);
		CHECK(tile_builder_add_hash(&b, big[i]) == 0);
		if (i == 255 || i == 256 || i == 65535 || i == 65536 || i == BIG - 1) {
			merkle_hash a, want;
			tile_builder_root(&b, a);
			merkle_root_of((const merkle_hash *)big, (size_t)i + 1, want);
			CHECK(memcmp(a, want, 32) == 0);
		}
	}
	CHECK_EQ_INT(tile_partial_width(BIG, 0), 112);
	CHECK_EQ_INT(tile_partial_width(BIG, 1), 17);
	CHECK_EQ_INT(tile_partial_width(BIG, 2), 1);
	tile_builder_release(&b);
	free(big);
}

int main(void)
{
	setup();
	RUN(test_empty_root_is_sha256_of_nothing);
	RUN(test_inclusion_all_pairs);
	RUN(test_consistency_all_pairs);
	RUN(test_builder_matches_recursive_root);
	RUN(test_builder_across_tile_levels);
	CHECK_EXIT();
}
