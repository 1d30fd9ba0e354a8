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
    invalidated = encoding.leaf("concours-été", "c1", "0" * 64, [3, 1], "invalidated", ("burst", "é" * 600, "cd" * 32))
    assert invalidated.encode("utf-8") == (
        '{"audit_hash":"' + "cd" * 32 + '","category":"c1","contest":"concours-été","reason":"' + "é" * 500
        + '","receipt_hash":"' + "0" * 64 + '","rule":"burst","selection":[3,1],"status":"invalidated"}'
    ).encode("utf-8")  # the reason cut at 500 characters
    assert '"rule":""' in encoding.leaf("wsis", "c1", "0" * 64, [1], "invalidated", (None, "why", "cd" * 32))
    with pytest.raises(ValueError):
        encoding.leaf("wsis", "c1", "0" * 64, [1], "under_review")
    with pytest.raises(ValueError):  # an invalidated leaf says which rule, why and which audit entry
        encoding.leaf("wsis", "c1", "0" * 64, [1], "invalidated")
    with pytest.raises(ValueError):
        encoding.leaf("wsis", "c1", "0" * 64, [1], "counted", ("burst", "why", "cd" * 32))
    with pytest.raises(TypeError):
        encoding.canonical({"stars": 1.0})


def test_batch_chain_hashes_the_whole_header():
    g = encoding.genesis("wsis")
    assert g == hashlib.sha256(b"voting-ledger:wsis").hexdigest()
    head = encoding.header("wsis", 1, 300, "11" * 32, g, "2021-05-18T12:05:00+00:00", "22" * 32, 7, "33" * 32)
    expected = hashlib.sha256(
        ('{"audit_head":"' + "33" * 32 + '","audit_seq":7,"contest":"wsis","prev_chain":"' + g + '","root":"'
         + "11" * 32 + '","rules_hash":"' + "22" * 32 + '","sealed_at":"2021-05-18T12:05:00+00:00","seq":1,'
         '"size":300}').encode()).hexdigest()
    assert encoding.chain(head) == expected
    assert encoding.chain({**head, "chain": "ignored", "leaves": ["ignored"]}) == expected
    for field in encoding.HEADER_FIELDS:
        other = {**head, field: 2 if isinstance(head[field], int) else head[field] + "x"}
        assert encoding.chain(other) != expected, field
    assert encoding.genesis("wsis2") != g
    assert encoding.audit_genesis("wsis") == hashlib.sha256(b"voting-audit:wsis").hexdigest()


def test_rules_object_and_its_hash():
    categories = [("c1", "Governance", [(9, "Nine"), (3, "Three")]), ("c2", "Été", [])]
    rules = encoding.rules("wsis", "approval", "irv", 2, 5, categories)
    assert rules == {"contest": "wsis", "method": "approval", "ranked_method": None, "max_choices": 2,
                     "score_max": None,
                     "categories": [{"slug": "c1", "title": "Governance",
                                     "entries": [{"id": 3, "title": "Three"}, {"id": 9, "title": "Nine"}]},
                                    {"slug": "c2", "title": "Été", "entries": []}]}
    assert encoding.rules_hash(rules) == hashlib.sha256(encoding.canonical(rules)).hexdigest()
    assert encoding.rules("wsis", "ranked", "schulze", 2, 5, [])["ranked_method"] == "schulze"
    assert encoding.rules("wsis", "score", "irv", 2, 10, [])["score_max"] == 10


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


@pytest.mark.parametrize("size", list(range(1, 40)) + [64, 65, 100, 1000])
def test_stored_levels_hold_every_node_and_the_offsets_find_each_audit_path(size):
    leaves = [f"leaf {i}".encode() for i in range(size)]
    stored = merkle.levels(leaves)
    sizes = merkle.level_sizes(size)
    assert sizes[0] == size and sizes[-1] == 1
    assert len(stored) == sum(sizes) * merkle.HASH_SIZE
    assert stored[:merkle.HASH_SIZE] == merkle.leaf_hash(leaves[0])
    assert stored[-merkle.HASH_SIZE:] == merkle.root(leaves)
    for index in range(size) if size <= 100 else (0, 1, 511, 512, 998, 999):
        path = [stored[o:o + merkle.HASH_SIZE] for o in merkle.proof_offsets(index, size)]
        assert path == merkle.inclusion_proof(leaves, index)


def test_level_sizes_and_offsets_by_hand():
    assert merkle.level_sizes(1) == [1]
    assert merkle.level_sizes(5) == [5, 3, 2, 1]  # the fifth leaf moves up unchanged twice
    assert merkle.level_sizes(10_000)[:3] == [10_000, 5000, 2500] and len(merkle.level_sizes(10_000)) == 15
    assert merkle.proof_offsets(0, 1) == []
    # Leaf 4 of 5: no sibling on the two lower levels; its sibling on level 2 is node 0 (after 5 + 3 nodes).
    assert merkle.proof_offsets(4, 5) == [(5 + 3 + 0) * 32]
    assert merkle.proof_offsets(0, 5) == [1 * 32, (5 + 1) * 32, (5 + 3 + 1) * 32]
    assert merkle.levels([b"a"]) == merkle.leaf_hash(b"a")
    with pytest.raises(IndexError):
        merkle.proof_offsets(5, 5)
    with pytest.raises(ValueError):
        merkle.level_sizes(0)


def test_merkle_and_encoding_are_pure():
    root = Path(encoding.__file__).parent
    for name in ("merkle.py", "encoding.py", "validity.py"):
        tree = ast.parse((root / name).read_text())
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert modules <= {"__future__", "hashlib", "json", "re", "typing"}, (name, modules)
