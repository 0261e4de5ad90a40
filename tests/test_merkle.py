"""Tests for stalkproof.vault.merkle (RFC 6962 / RFC 9162 Merkle trees)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stalkproof.vault.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------
# Naive reference definitions, written straight from RFC 6962 section 2.1.
# ---------------------------------------------------------------------------


def _sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def naive_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _sha(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [naive_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], b), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def path_shape(m: int, n: int) -> list[bool]:
    """Bottom-up list of 'sibling is on the left' flags for leaf m of an n-leaf tree."""
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path_shape(m, k), False]
    return [*path_shape(m - k, n - k), True]


def flip_bit(b: bytes, bit: int) -> bytes:
    if not b:
        return b"\x00"
    bit %= len(b) * 8
    out = bytearray(b)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def make_leaves(n: int) -> list[bytes]:
    return [f"entry-{i}".encode() for i in range(n)]


# Unique leaves: with duplicates, a proof for one copy legitimately proves the
# other copy's position too, which would make the "wrong index" checks flaky.
# The size is drawn first because plain st.lists() rarely goes past ~30 items,
# and the interesting unbalanced shapes need bigger trees.
leaf_lists = st.integers(1, 200).flatmap(
    lambda n: st.lists(st.binary(max_size=40), min_size=n, max_size=n, unique=True)
)
FAST = settings(max_examples=40, deadline=None)

# ---------------------------------------------------------------------------
# Known answers
# ---------------------------------------------------------------------------


def test_empty_root() -> None:
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]).hex() == expected
    assert EMPTY_ROOT.hex() == expected
    assert Frontier().root().hex() == expected
    assert Frontier().size == 0


def test_hash_prefixes() -> None:
    assert leaf_hash(b"abc") == _sha(b"\x00abc")
    assert node_hash(b"L" * 32, b"R" * 32) == _sha(b"\x01" + b"L" * 32 + b"R" * 32)
    # RFC 6962 leaf hash of the empty string, a widely published constant.
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def test_one_leaf_root_is_leaf_hash() -> None:
    assert root([b"hello"]) == leaf_hash(b"hello")


def test_two_and_three_leaf_roots() -> None:
    a, b, c = leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")
    assert root([b"a", b"b"]) == node_hash(a, b)
    assert root([b"a", b"b", b"c"]) == node_hash(node_hash(a, b), c)


def test_domain_separation_blocks_interior_node_as_leaf() -> None:
    leaves = make_leaves(2)
    forged = leaf_hash(leaves[0]) + leaf_hash(leaves[1])
    assert root([forged]) != root(leaves)


def test_root_matches_naive_definition() -> None:
    leaves = make_leaves(70)
    for n in range(1, 71):
        assert root(leaves[:n]) == naive_mth(leaves[:n]), n


def test_frontier_root_at_every_size() -> None:
    leaves = make_leaves(130)
    f = Frontier()
    for n, data in enumerate(leaves, start=1):
        f.append(data)
        assert f.size == n
        assert f.root() == naive_mth(leaves[:n]), n


def test_frontier_memory_is_logarithmic() -> None:
    f = Frontier()
    for i in range(1023):
        f.append(i.to_bytes(2, "big"))
    # 1023 = 0b1111111111: one stored subtree root per set bit.
    assert len(f._stack) == 10
    f.append(b"x")
    assert len(f._stack) == 1


def test_proofs_match_naive_definitions() -> None:
    leaves = make_leaves(40)
    for n in range(1, 41):
        for m in range(n):
            assert inclusion_proof(leaves, m, n) == naive_path(m, leaves[:n])
        for m in range(1, n):
            assert consistency_proof(leaves, m, n) == naive_subproof(m, leaves[:n], True)


def test_exhaustive_small_trees() -> None:
    leaves = make_leaves(33)
    for n in range(1, 34):
        r = root(leaves[:n])
        for m in range(n):
            assert verify_inclusion(leaves[m], m, n, inclusion_proof(leaves, m, n), r)
        for m in range(n + 1):
            proof = consistency_proof(leaves, m, n)
            assert verify_consistency(m, n, root(leaves[:m]), r, proof), (m, n)


# ---------------------------------------------------------------------------
# Argument validation and edge cases
# ---------------------------------------------------------------------------


def test_generators_reject_bad_arguments() -> None:
    leaves = make_leaves(5)
    for index, size in [(5, None), (-1, None), (3, 3), (0, 0), (0, 6), (0, -1)]:
        with pytest.raises(ValueError):
            inclusion_proof(leaves, index, size)
    for old, new in [(6, None), (-1, None), (4, 3), (0, 6), (0, -1)]:
        with pytest.raises(ValueError):
            consistency_proof(leaves, old, new)


def test_default_sizes_use_all_leaves() -> None:
    leaves = make_leaves(11)
    assert inclusion_proof(leaves, 4) == inclusion_proof(leaves, 4, 11)
    assert consistency_proof(leaves, 6) == consistency_proof(leaves, 6, 11)


def test_single_leaf_inclusion() -> None:
    assert inclusion_proof([b"x"], 0) == []
    assert verify_inclusion(b"x", 0, 1, [], leaf_hash(b"x"))
    assert not verify_inclusion(b"y", 0, 1, [], leaf_hash(b"x"))
    assert not verify_inclusion(b"x", 0, 1, [EMPTY_ROOT], leaf_hash(b"x"))


def test_verify_inclusion_never_raises_on_junk() -> None:
    leaves = make_leaves(8)
    r = root(leaves)
    proof = inclusion_proof(leaves, 3)
    assert not verify_inclusion(leaves[3], 8, 8, proof, r)
    assert not verify_inclusion(leaves[3], -1, 8, proof, r)
    assert not verify_inclusion(leaves[3], 3, 0, proof, r)
    assert not verify_inclusion(leaves[3], 3, -5, proof, r)
    assert not verify_inclusion(leaves[3], 3, 8, [*proof[:-1], b"short"], r)
    assert not verify_inclusion(leaves[3], 3, 8, proof, b"")
    assert not verify_inclusion(leaves[3], 3, 8, proof, r[:-1])


def test_consistency_edge_cases() -> None:
    leaves = make_leaves(9)
    r9, r4 = root(leaves), root(leaves[:4])
    assert consistency_proof(leaves, 9) == []
    assert consistency_proof(leaves, 0) == []
    # Equal sizes: empty proof and identical roots.
    assert verify_consistency(9, 9, r9, r9, [])
    assert not verify_consistency(9, 9, r9, r4, [])
    assert not verify_consistency(9, 9, r9, r9, [r9])
    # The empty tree is a prefix of everything, but only with its real root.
    assert verify_consistency(0, 9, EMPTY_ROOT, r9, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 9, r4, r9, [])
    assert not verify_consistency(0, 9, EMPTY_ROOT, r9, [r4])
    # Shrinking, negative sizes, empty proof for a real extension, junk hashes.
    assert not verify_consistency(9, 4, r9, r4, consistency_proof(leaves, 4))
    assert not verify_consistency(-1, 9, r4, r9, [])
    assert not verify_consistency(4, 9, r4, r9, [])
    assert not verify_consistency(4, 9, r4, r9, [b"", *consistency_proof(leaves, 4)])
    assert not verify_consistency(4, 9, b"", r9, consistency_proof(leaves, 4))
    assert verify_consistency(4, 9, r4, r9, consistency_proof(leaves, 4))


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------


@FAST
@given(leaves=leaf_lists)
def test_every_inclusion_proof_verifies(leaves: list[bytes]) -> None:
    n = len(leaves)
    r = root(leaves)
    for m in range(n):
        assert verify_inclusion(leaves[m], m, n, inclusion_proof(leaves, m), r)


@FAST
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_proof_at_smaller_size(leaves: list[bytes], data: st.DataObject) -> None:
    n = data.draw(st.integers(1, len(leaves)), label="size")
    m = data.draw(st.integers(0, n - 1), label="index")
    proof = inclusion_proof(leaves, m, n)
    assert verify_inclusion(leaves[m], m, n, proof, root(leaves[:n]))


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_tampering_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    m = data.draw(st.integers(0, n - 1), label="index")
    bit = data.draw(st.integers(0, 255), label="bit")
    d, r = leaves[m], root(leaves)
    proof = inclusion_proof(leaves, m)
    assert verify_inclusion(d, m, n, proof, r)

    assert not verify_inclusion(flip_bit(d, bit), m, n, proof, r)
    assert not verify_inclusion(d, m, n, proof, flip_bit(r, bit))
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip_bit(bad[i], bit)
        assert not verify_inclusion(d, m, n, bad, r), i
        assert not verify_inclusion(d, m, n, proof[:i] + proof[i + 1 :], r), i
    for i in range(len(proof) + 1):
        for extra in (r, leaf_hash(d), bytes(32)):
            assert not verify_inclusion(d, m, n, [*proof[:i], extra, *proof[i:]], r), i

    other = data.draw(st.integers(-2, n + 2).filter(lambda j: j != m), label="other index")
    assert not verify_inclusion(d, other, n, proof, r)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_wrong_size(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    m = data.draw(st.integers(0, n - 1), label="index")
    other = data.draw(st.integers(0, 2 * n + 2).filter(lambda s: s != n), label="other size")
    proof, r = inclusion_proof(leaves, m), root(leaves)
    # The size only tells the verifier the tree's shape; the root is what binds
    # the proof (checkpoints sign size and root together).  So a wrong size is
    # rejected exactly when it changes the leaf's path shape.
    same_shape = m < other and path_shape(m, other) == path_shape(m, n)
    assert verify_inclusion(leaves[m], m, other, proof, r) == same_shape


def test_inclusion_wrong_size_is_rejected_when_shape_changes() -> None:
    leaves = make_leaves(7)
    r = root(leaves)
    proof = inclusion_proof(leaves, 6)
    for other in (1, 5, 6, 8, 9, 14, 100):
        assert not verify_inclusion(leaves[6], 6, other, proof, r), other


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_consistency_proofs_verify_and_resist_tampering(leaves: list[bytes], data: st.DataObject) -> None:
    new = data.draw(st.integers(1, len(leaves)), label="new size")
    old = data.draw(st.integers(1, new), label="old size")
    bit = data.draw(st.integers(0, 255), label="bit")
    old_root, new_root = root(leaves[:old]), root(leaves[:new])
    proof = consistency_proof(leaves, old, new)
    assert proof == naive_subproof(old, leaves[:new], True)
    assert verify_consistency(old, new, old_root, new_root, proof)

    assert not verify_consistency(old, new, flip_bit(old_root, bit), new_root, proof)
    assert not verify_consistency(old, new, old_root, flip_bit(new_root, bit), proof)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip_bit(bad[i], bit)
        assert not verify_consistency(old, new, old_root, new_root, bad), i
        assert not verify_consistency(old, new, old_root, new_root, proof[:i] + proof[i + 1 :]), i
    for i in range(len(proof) + 1):
        extra = [*proof[:i], bytes(32), *proof[i:]]
        assert not verify_consistency(old, new, old_root, new_root, extra), i


@FAST
@given(leaves=leaf_lists, data=st.data())
def test_consistency_wrong_sizes_fail(leaves: list[bytes], data: st.DataObject) -> None:
    new = data.draw(st.integers(2, max(2, len(leaves))), label="new size")
    assume(new <= len(leaves))
    old = data.draw(st.integers(1, new - 1), label="old size")
    old_root, new_root = root(leaves[:old]), root(leaves[:new])
    proof = consistency_proof(leaves, old, new)
    assert not verify_consistency(new, old, new_root, old_root, proof)
    # A proof for one old size must not vouch for a different old tree.
    other = data.draw(st.integers(1, new).filter(lambda s: s != old), label="other old size")
    assert not verify_consistency(other, new, root(leaves[:other]), new_root, proof)


@FAST
@given(leaves=leaf_lists, data=st.data())
def test_frontier_matches_root_property(leaves: list[bytes], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(leaves)), label="checkpoint")
    f = Frontier()
    for d in leaves[:cut]:
        f.append(d)
    assert f.root() == root(leaves[:cut])
    for d in leaves[cut:]:
        f.append(d)
    assert f.size == len(leaves)
    assert f.root() == root(leaves)
