#include "crypto/merkle.h"
#include "base/err.h"
#include "crypto/sha256.h"

#include <string.h>

void merkle_leaf_hash(const void *entry, size_t len, merkle_hash out)
{
	struct sha256_ctx c;
	static const uint8_t zero = 0;
	sha256_init(&c);
	sha256_update(&c, &zero, 1);
	sha256_update(&c, entry, len);
	sha256_final(&c, out);
}

void merkle_node_hash(const merkle_hash left, const merkle_hash right, merkle_hash out)
{
	uint8_t buf[1 + 2 * MERKLE_HASH];
	buf[0] = 1;
	memcpy(buf + 1, left, MERKLE_HASH);
	memcpy(buf + 1 + MERKLE_HASH, right, MERKLE_HASH);
	sha256(buf, sizeof buf, out);
}

void merkle_empty_root(merkle_hash out)
{
	sha256("", 0, out);
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

void merkle_root_of(const merkle_hash *hashes, size_t n, merkle_hash out)
{
	if (n == 1) {
		memcpy(out, hashes[0], MERKLE_HASH);
		return;
	}
	size_t k = (size_t)split_point(n);
	merkle_hash l, r;
	merkle_root_of(hashes, k, l);
	merkle_root_of(hashes + k, n - k, r);
	merkle_node_hash(l, r, out);
}

static int ctz64(uint64_t x)
{
	return x ? __builtin_ctzll(x) : 64;
}

/* MTH of leaves [lo, hi), hi > lo, built from the largest aligned subtrees. */
static int range_hash(const struct merkle_source *src, uint64_t lo, uint64_t hi, merkle_hash out)
{
	uint64_t n = hi - lo;
	if ((n & (n - 1)) == 0 && ctz64(lo) >= ctz64(n))
		return src->get(src->ctx, (unsigned)ctz64(n), lo >> ctz64(n), out);
	uint64_t k = split_point(n);
	merkle_hash l, r;
	int rc = range_hash(src, lo, lo + k, l);
	if (!rc)
		rc = range_hash(src, lo + k, hi, r);
	if (!rc)
		merkle_node_hash(l, r, out);
	return rc;
}

int merkle_tree_root(const struct merkle_source *src, uint64_t size, merkle_hash out)
{
	if (size == 0) {
		merkle_empty_root(out);
		return 0;
	}
	return range_hash(src, 0, size, out);
}

/* RFC 6962 PATH(m, D[lo:hi]), appended bottom-up into proof. */
static int path(const struct merkle_source *src, uint64_t m, uint64_t lo, uint64_t hi,
		merkle_hash *proof, size_t *n)
{
	if (hi - lo == 1)
		return 0;
	uint64_t k = split_point(hi - lo);
	int rc;
	if (m < k) {
		if ((rc = path(src, m, lo, lo + k, proof, n)))
			return rc;
		rc = range_hash(src, lo + k, hi, proof[(*n)++]);
	} else {
		if ((rc = path(src, m - k, lo + k, hi, proof, n)))
			return rc;
		rc = range_hash(src, lo, lo + k, proof[(*n)++]);
	}
	return rc;
}

int merkle_prove_inclusion(const struct merkle_source *src, uint64_t index, uint64_t size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *n)
{
	*n = 0;
	if (index >= size)
		return err_set(ERR_USAGE, "index %llu is not below the tree size %llu",
			       (unsigned long long)index, (unsigned long long)size);
	return path(src, index, 0, size, proof, n);
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], b). */
static int subproof(const struct merkle_source *src, uint64_t m, uint64_t lo, uint64_t hi, int b,
		    merkle_hash *proof, size_t *n)
{
	uint64_t size = hi - lo;
	int rc;
	if (m == size) {
		if (b)
			return 0;
		return range_hash(src, lo, hi, proof[(*n)++]);
	}
	uint64_t k = split_point(size);
	if (m <= k) {
		if ((rc = subproof(src, m, lo, lo + k, b, proof, n)))
			return rc;
		return range_hash(src, lo + k, hi, proof[(*n)++]);
	}
	if ((rc = subproof(src, m - k, lo + k, hi, 0, proof, n)))
		return rc;
	return range_hash(src, lo, lo + k, proof[(*n)++]);
}

int merkle_prove_consistency(const struct merkle_source *src, uint64_t old_size, uint64_t new_size,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *n)
{
	*n = 0;
	if (old_size == 0 || old_size > new_size)
		return err_set(ERR_USAGE, "consistency proof needs 0 < old size <= new size");
	return subproof(src, old_size, 0, new_size, 1, proof, n);
}

int merkle_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf, const merkle_hash *proof,
			    size_t n, const merkle_hash root)
{
	if (index >= size)
		return err_set(ERR_VERIFY, "inclusion proof: index %llu is not below tree size %llu",
			       (unsigned long long)index, (unsigned long long)size);
	uint64_t fn = index, sn = size - 1;
	merkle_hash r;
	memcpy(r, leaf, MERKLE_HASH);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return err_set(ERR_VERIFY, "inclusion proof has too many hashes");
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			if (!(fn & 1))
				while (fn && !(fn & 1))
					fn >>= 1, sn >>= 1;
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return err_set(ERR_VERIFY, "inclusion proof has too few hashes");
	if (memcmp(r, root, MERKLE_HASH) != 0)
		return err_set(ERR_VERIFY, "inclusion proof does not lead to the root hash");
	return 0;
}

int merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const merkle_hash old_root,
			      const merkle_hash new_root, const merkle_hash *proof, size_t n)
{
	if (old_size > new_size)
		return err_set(ERR_VERIFY, "consistency: old size %llu is larger than new size %llu",
			       (unsigned long long)old_size, (unsigned long long)new_size);
	if (old_size == new_size) {
		if (n != 0)
			return err_set(ERR_VERIFY, "consistency proof between equal sizes must be empty");
		if (memcmp(old_root, new_root, MERKLE_HASH) != 0)
			return err_set(ERR_VERIFY, "same tree size but different root hashes");
		return 0;
	}
	if (old_size == 0) {
		if (n != 0)
			return err_set(ERR_VERIFY, "consistency proof from an empty tree must be empty");
		return 0;
	}
	if (n == 0)
		return err_set(ERR_VERIFY, "consistency proof is empty");
	/* RFC 9162 2.1.4.2 */
	size_t i = 0;
	merkle_hash fr, sr;
	uint64_t fn = old_size - 1, sn = new_size - 1;
	int old_is_pow2 = (old_size & (old_size - 1)) == 0;
	if (old_is_pow2) {
		memcpy(fr, old_root, MERKLE_HASH);
		memcpy(sr, old_root, MERKLE_HASH);
	} else {
		memcpy(fr, proof[0], MERKLE_HASH);
		memcpy(sr, proof[0], MERKLE_HASH);
		i = 1;
	}
	while (fn & 1)
		fn >>= 1, sn >>= 1;
	for (; i < n; i++) {
		if (sn == 0)
			return err_set(ERR_VERIFY, "consistency proof has too many hashes");
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			if (!(fn & 1))
				while (fn && !(fn & 1))
					fn >>= 1, sn >>= 1;
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return err_set(ERR_VERIFY, "consistency proof has too few hashes");
	if (memcmp(fr, old_root, MERKLE_HASH) != 0)
		return err_set(ERR_VERIFY, "consistency proof does not match the old root hash");
	if (memcmp(sr, new_root, MERKLE_HASH) != 0)
		return err_set(ERR_VERIFY, "consistency proof does not match the new root hash");
	return 0;
}
