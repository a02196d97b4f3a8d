"""The RFC 9162 Merkle tree: every proof the module makes equals the one the RFC's own
recursive definitions give (written out here, independently, over the list of leaves),
verifies, and stops verifying when any byte or number in it changes."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle


def leaves(n: int) -> list[bytes]:
    return [f"event {i}".encode() for i in range(n)]


def split(n: int) -> int:
    """The largest power of two smaller than n, counted up the way the RFC words it."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference(data: list[bytes]):
    """RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1, as written: MTH, PATH and PROOF by recursion
    over slices (cached by range, so trees of hundreds of leaves stay quick)."""

    def h(b: bytes) -> bytes:
        return hashlib.sha256(b).digest()

    @cache
    def mth(start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return h(b"")
        if n == 1:
            return h(b"\x00" + data[start])
        k = split(n)
        return h(b"\x01" + mth(start, start + k) + mth(start + k, end))

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return [*path(m, start, start + k), mth(start + k, end)]
        return [*path(m - k, start + k, end), mth(start, start + k)]

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [mth(start, end)]
        k = split(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), mth(start + k, end)]
        return [*subproof(m - k, start + k, end, False), mth(start, start + k)]

    return mth, path, subproof


def stored_nodes(data: list[bytes]) -> dict[merkle.Node, bytes]:
    """Every perfect subtree's hash, built bottom-up as the log keeps them."""
    nodes = {merkle.Node(0, i): merkle.leaf_hash(d) for i, d in enumerate(data)}
    level, width = 0, len(data)
    while width > 1:
        for i in range(width // 2):
            nodes[merkle.Node(level + 1, i)] = merkle.node_hash(
                nodes[merkle.Node(level, 2 * i)], nodes[merkle.Node(level, 2 * i + 1)]
            )
        level, width = level + 1, width // 2
    return nodes


def test_the_hashes_are_domain_separated_as_rfc_9162_says():
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.subtree_hash(0, 0, {}) == hashlib.sha256(b"").digest()


def test_every_inclusion_proof_of_every_leaf_of_trees_up_to_300_leaves_verifies():
    data = leaves(300)
    nodes = stored_nodes(data)
    mth, path, _ = reference(data)
    for size in range(1, 301):
        root = merkle.subtree_hash(0, size, nodes)
        assert root == mth(0, size)
        for index in range(size):
            proof = merkle.hashes_of(merkle.inclusion_ranges(index, size), lambda wanted: nodes)
            assert proof == path(index, 0, size)
            assert merkle.verify_inclusion(index, size, nodes[merkle.Node(0, index)], proof, root)


def test_every_consistency_proof_between_sizes_up_to_100_verifies():
    data = leaves(100)
    nodes = stored_nodes(data)
    mth, _, subproof = reference(data)
    for second in range(1, 101):
        second_root = mth(0, second)
        for first in range(1, second + 1):
            proof = merkle.hashes_of(merkle.consistency_ranges(first, second), lambda wanted: nodes)
            assert proof == subproof(first, 0, second, True)
            assert merkle.verify_consistency(first, second, mth(0, first), second_root, proof)


def test_a_proof_reads_only_the_perfect_subtrees_it_needs():
    wanted = merkle.nodes_for(merkle.inclusion_ranges(5, 1_000_000))
    assert len(wanted) <= 2 * 20
    assert all(node.end <= 1_000_000 for node in wanted)


def flip(value: bytes, at: int) -> bytes:
    at %= len(value)
    return value[:at] + bytes([value[at] ^ 1]) + value[at + 1 :]


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 120), data=st.data())
def test_any_changed_byte_or_number_in_an_inclusion_proof_fails(size, data):
    nodes = stored_nodes(leaves(120))
    index = data.draw(st.integers(0, size - 1))
    leaf = nodes[merkle.Node(0, index)]
    root = merkle.subtree_hash(0, size, nodes)
    proof = merkle.hashes_of(merkle.inclusion_ranges(index, size), lambda wanted: nodes)
    at = data.draw(st.integers(0, 10_000))
    assert not merkle.verify_inclusion(index, size, flip(leaf, at), proof, root)
    assert not merkle.verify_inclusion(index, size, leaf, proof, flip(root, at))
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        changed = [*proof[:i], flip(proof[i], at), *proof[i + 1 :]]
        assert not merkle.verify_inclusion(index, size, leaf, changed, root)
        assert not merkle.verify_inclusion(index, size, leaf, proof[:-1], root)
    other = data.draw(st.integers(0, 130).filter(lambda v: v != index))
    assert not merkle.verify_inclusion(other, size, leaf, proof, root)


@settings(max_examples=200, deadline=None)
@given(second=st.integers(2, 100), data=st.data())
def test_any_changed_byte_or_size_in_a_consistency_proof_fails(second, data):
    nodes = stored_nodes(leaves(100))
    first = data.draw(st.integers(1, second - 1))
    first_root = merkle.subtree_hash(0, first, nodes)
    second_root = merkle.subtree_hash(0, second, nodes)
    proof = merkle.hashes_of(merkle.consistency_ranges(first, second), lambda wanted: nodes)
    at = data.draw(st.integers(0, 10_000))
    assert not merkle.verify_consistency(first, second, flip(first_root, at), second_root, proof)
    assert not merkle.verify_consistency(first, second, first_root, flip(second_root, at), proof)
    i = data.draw(st.integers(0, len(proof) - 1))
    changed = [*proof[:i], flip(proof[i], at), *proof[i + 1 :]]
    assert not merkle.verify_consistency(first, second, first_root, second_root, changed)
    assert not merkle.verify_consistency(first + 1, second, first_root, second_root, proof) or (
        first + 1 == second
    )
    assert not merkle.verify_consistency(first, second, first_root, second_root, [])


def test_sizes_outside_the_tree_are_refused():
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(0, 3)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(4, 3)
    assert not merkle.verify_consistency(3, 2, b"", b"", [b""])
