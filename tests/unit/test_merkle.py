"""The Merkle tree of RFC 6962 / RFC 9162, the ledger's encoding and its chains."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from voting.ledger.domain import encoding, merkle


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def h(hexstr: str) -> bytes:
    return bytes.fromhex(hexstr)


# The RFC's definitions, written out literally, as the reference.
def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


# The test vectors of the certificate-transparency reference implementation.
CT_LEAVES = [h(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PROOFS = [  # (index, tree size, audit path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def test_empty_tree_is_the_hash_of_nothing():
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_hand_computed_small_trees():
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = sha(b"\x00a"), sha(b"\x00b"), sha(b"\x00c")
    assert merkle.root([a]) == la
    assert merkle.root([a, b]) == sha(b"\x01" + la + lb)
    # Three leaves split 2 + 1: the third leaf's hash goes up unchanged.
    assert merkle.root([a, b, c]) == sha(b"\x01" + sha(b"\x01" + la + lb) + lc)
    assert merkle.inclusion_proof([a, b, c], 2) == [sha(b"\x01" + la + lb)]
    assert merkle.inclusion_proof([a, b, c], 0) == [lb, lc]


@pytest.mark.parametrize("size", range(1, 9))
def test_rfc6962_roots(size):
    assert merkle.root(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize("index, size, proof", CT_PROOFS)
def test_rfc6962_audit_paths(index, size, proof):
    leaves = CT_LEAVES[:size]
    assert [p.hex() for p in merkle.inclusion_proof(leaves, index)] == proof
    assert merkle.verify_inclusion(leaves[index], index, size, [h(p) for p in proof], h(CT_ROOTS[size - 1]))


def test_every_proof_of_every_tree_up_to_70_leaves():
    for size in range(1, 71):
        leaves = [f"leaf {i}".encode() for i in range(size)]
        top = merkle.root(leaves)
        assert top == mth(leaves)
        for index in range(size):
            proof = merkle.inclusion_proof(leaves, index)
            assert proof == path(index, leaves)
            assert merkle.verify_inclusion(leaves[index], index, size, proof, top)
            # The same path proves nothing for another leaf, place or root. (It may fit
            # another size with the same shape: the batch chain is what fixes the size.)
            assert not merkle.verify_inclusion(b"other", index, size, proof, top)
            if size > 1:
                assert not merkle.verify_inclusion(leaves[index], (index + 1) % size, size, proof, top)
                assert not merkle.verify_inclusion(leaves[index], index, size, proof[:-1], top)
            assert not merkle.verify_inclusion(leaves[index], index, size, proof + [top], top)
            assert not merkle.verify_inclusion(leaves[index], index, size, proof, sha(top))


def test_verify_refuses_nonsense():
    leaves = [b"x", b"y"]
    proof = merkle.inclusion_proof(leaves, 0)
    top = merkle.root(leaves)
    assert not merkle.verify_inclusion(b"x", -1, 2, proof, top)
    assert not merkle.verify_inclusion(b"x", 2, 2, proof, top)
    assert not merkle.verify_inclusion(b"x", 0, 0, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(b"x", 0, 2, [proof[0][:31]], top)
    with pytest.raises(IndexError):
        merkle.inclusion_proof(leaves, 2)


def test_a_leaf_cannot_pass_for_an_inner_node():
    leaves = [b"a", b"b"]
    inner = merkle.leaf_hash(b"a") + merkle.leaf_hash(b"b")
    assert merkle.root([inner]) != merkle.root(leaves)


def test_leaf_encoding_is_canonical_json():
    text = encoding.leaf("wsis", "c1", "ab" * 32, {"12": 3, "4": 5}, "counted")
    assert text == ('{"category":"c1","contest":"wsis","receipt_hash":"' + "ab" * 32
                    + '","selection":{"12":3,"4":5},"status":"counted"}')
    assert encoding.leaf("concours-été", "c1", "0" * 64, [3, 1], "invalidated").encode("utf-8") == (
        '{"category":"c1","contest":"concours-été","receipt_hash":"' + "0" * 64
        + '","selection":[3,1],"status":"invalidated"}').encode("utf-8")
    with pytest.raises(ValueError):
        encoding.leaf("wsis", "c1", "0" * 64, [1], "under_review")
    with pytest.raises(TypeError):
        encoding.canonical({"stars": 1.0})


def test_batch_chain():
    g = encoding.genesis("wsis")
    assert g == hashlib.sha256(b"voting-ledger:wsis").hexdigest()
    root = "11" * 32
    expected = hashlib.sha256(bytes.fromhex(g) + bytes.fromhex(root) + (1).to_bytes(8, "big")
                              + (300).to_bytes(8, "big")).hexdigest()
    assert encoding.chain(g, root, 1, 300) == expected
    assert encoding.chain(g, root, 2, 300) != expected
    assert encoding.genesis("wsis2") != g


def test_amendment_chain():
    g = encoding.amendments_genesis("wsis")
    assert g == hashlib.sha256(b"voting-amendments:wsis").hexdigest()
    fields = encoding.amendment_fields(1, "ab" * 32, "counted", "invalidated", "burst", "Org <o@x.org>",
                                       "cd" * 32, "2021-05-18T12:00:00+00:00")
    body = ('{"audit_hash":"' + "cd" * 32 + '","created_at":"2021-05-18T12:00:00+00:00","from":"counted",'
            '"reason":"burst","receipt_hash":"' + "ab" * 32 + '","seq":1,"signed_off_by":"Org <o@x.org>",'
            '"to":"invalidated"}')
    assert encoding.amendment_hash(g, fields) == hashlib.sha256(bytes.fromhex(g) + body.encode()).hexdigest()
    assert encoding.amendment_hash(g, {**fields, "reason": "other"}) != encoding.amendment_hash(g, fields)


def test_merkle_and_encoding_are_pure():
    root = Path(encoding.__file__).parent
    for name in ("merkle.py", "encoding.py"):
        tree = ast.parse((root / name).read_text())
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert modules <= {"__future__", "hashlib", "json", "typing"}, (name, modules)
