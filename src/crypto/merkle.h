/*
 * merkle — RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
 *
 * Leaf hash: SHA-256(0x00 || entry). Node hash: SHA-256(0x01 || left || right).
 * The empty tree's root is SHA-256 of the empty string.
 *
 * Proofs are produced from a hash source — any function that returns the
 * hash of a complete, aligned subtree of 2^level leaves — so the same code
 * serves tiles on disk and trees in memory. Verification follows the
 * algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.
 */
#ifndef PARLEY_MERKLE_H
#define PARLEY_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH 32
#define MERKLE_MAX_PROOF 64   /* hashes in any proof of a tree below 2^63 leaves */

typedef uint8_t merkle_hash[MERKLE_HASH];

void merkle_leaf_hash(const void *entry, size_t len, merkle_hash out);
void merkle_node_hash(const merkle_hash left, const merkle_hash right, merkle_hash out);
void merkle_empty_root(merkle_hash out);

/* Root of n leaf-level hashes given in order (n >= 1), per RFC 6962 MTH. */
void merkle_root_of(const merkle_hash *hashes, size_t n, merkle_hash out);

/*
 * A source of stored hashes: get(ctx, level, index, out) writes the hash of
 * leaves [index * 2^level, (index + 1) * 2^level). Returns 0 or an ERR_* code.
 */
struct merkle_source {
	int (*get)(void *ctx, unsigned level, uint64_t index, merkle_hash out);
	void *ctx;
};

/* Root of the tree of the first size leaves. */
int merkle_tree_root(const struct merkle_source *src, uint64_t size, merkle_hash out);

/* Inclusion proof of leaf index in a tree of size leaves; *n receives the count. */
int merkle_prove_inclusion(const struct merkle_source *src, uint64_t index, uint64_t size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *n);

/* Consistency proof from old_size to new_size (0 < old_size <= new_size). */
int merkle_prove_consistency(const struct merkle_source *src, uint64_t old_size, uint64_t new_size,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *n);

/* 0 if the proof shows leaf at index in the tree (size, root); ERR_VERIFY otherwise. */
int merkle_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf,
			    const merkle_hash *proof, size_t n, const merkle_hash root);

/* 0 if the proof shows tree (old_size, old_root) is a prefix of (new_size, new_root). */
int merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const merkle_hash old_root,
			      const merkle_hash new_root, const merkle_hash *proof, size_t n);

#endif
