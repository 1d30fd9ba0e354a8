"""The Merkle Tree Hash of RFC 6962 / RFC 9162 §2.1, audit paths and their check. Pure: hashlib only.

Leaves are hashed as SHA-256(0x00 || leaf) and inner nodes as
SHA-256(0x01 || left || right); the different prefixes keep a leaf from ever
passing for an inner node (second-preimage attacks). The tree over n leaves
splits at the largest power of two smaller than n, so the last node of a
level without a partner moves up unchanged; the empty tree's hash is
SHA-256 of nothing.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


EMPTY_ROOT = _sha(b"")


def leaf_hash(leaf: bytes) -> bytes:
    return _sha(b"\x00" + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha(b"\x01" + left + right)


def _level_up(level: list[bytes]) -> list[bytes]:
    # Pairing neighbours from the left and carrying an odd last node up as it
    # is builds exactly the RFC's tree (split at the largest power of two).
    up = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        up.append(level[-1])
    return up


def root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) of the leaves, in order."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(leaf) for leaf in leaves]
    while len(level) > 1:
        level = _level_up(level)
    return level[0]


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """The audit path PATH(index, D[n]): the sibling hashes from the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} of a tree of {len(leaves)}")
    level = [leaf_hash(leaf) for leaf in leaves]
    proof = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):  # a node carried up unchanged has no sibling at this level
            proof.append(level[sibling])
        index //= 2
        level = _level_up(level)
    return proof


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `leaf` sit at `index` of the tree of `size` leaves with this `root`?"""
    return root_from_proof(leaf_hash(leaf), index, size, proof) == root


def root_from_proof(hashed_leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """The root that an audit path leads to from an already hashed leaf; None if the path cannot fit."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return None
    fn, sn = index, size - 1
    r = hashed_leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


# Stored tree levels: a batch keeps every level of its tree (leaf hashes first,
# the root last) as one run of 32-byte hashes, so that a receipt's audit path
# is a handful of 32-byte reads instead of re-hashing the whole batch.

def level_sizes(size: int) -> list[int]:
    """The number of nodes on each level of a tree of `size` leaves, leaves first, root last."""
    if size < 1:
        raise ValueError("a stored tree has at least one leaf")
    sizes = [size]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)  # an odd last node moves up unchanged
    return sizes


def levels(leaves: list[bytes]) -> bytes:
    """Every level of the tree over the leaves, concatenated (leaf hashes first, the root last)."""
    level = [leaf_hash(leaf) for leaf in leaves]
    out = [b"".join(level)]
    while len(level) > 1:
        level = _level_up(level)
        out.append(b"".join(level))
    return b"".join(out)


def proof_offsets(index: int, size: int) -> list[int]:
    """Byte offsets, in the stored levels of a tree of `size` leaves, of the
    hashes of the audit path of leaf `index`, from the leaf up."""
    if not 0 <= index < size:
        raise IndexError(f"leaf {index} of a tree of {size}")
    offsets, start = [], 0
    for count in level_sizes(size)[:-1]:
        sibling = index ^ 1
        if sibling < count:  # a node carried up unchanged has no sibling at this level
            offsets.append((start + sibling) * HASH_SIZE)
        start += count
        index //= 2
    return offsets
