"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1) over the audit
events: hashes, inclusion and consistency proofs, and their verification.

Pure functions over bytes, with no database: the transparency log keeps the hashes of the
tree's *perfect* subtrees (every node whose leaves are a power of two in number, starting
at a multiple of that number: `Node(level, index)` covers leaves index·2^level up to
(index+1)·2^level), and any subtree hash the RFC asks for is composed from those. So a
proof costs O(log n) stored hashes at any size, and the offline verifier
(`audit/offline_verifier.py`) needs nothing but this module's verification functions.

Hashing (RFC 9162 2.1.1), domain separated so that a leaf can never pass for a node:
    leaf:  SHA-256(0x00 || data)
    node:  SHA-256(0x01 || left || right)
    empty: SHA-256("")
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

# Hashing and verification live in the single-file offline verifier, so that the portal
# and anyone checking it from outside run the same code.
from audit.offline_verifier import (
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "Edge",
    "Node",
    "consistency_ranges",
    "edge_root",
    "hashes_of",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "nodes_for",
    "perfect_parts",
    "push_leaf",
    "root_from_inclusion",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass(frozen=True, order=True)
class Node:
    """A perfect subtree: 2**level leaves from index * 2**level."""

    level: int
    index: int

    @property
    def start(self) -> int:
        return self.index << self.level

    @property
    def end(self) -> int:
        return (self.index + 1) << self.level


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size ≥ 2): where the RFC splits."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_parts(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose hashes make up MTH(D[start:end]), left to right, for any
    range the RFC's recursion produces (its left parts are always perfect and aligned)."""
    parts: list[Node] = []
    while end - start > 0:
        size = end - start
        if size & (size - 1) == 0 and start % size == 0:
            parts.append(Node(size.bit_length() - 1, start // size))
            break
        k = _split(size)
        if start % k:
            raise ValueError("Not a range of the RFC's tree: its left part is not aligned.")
        parts.append(Node(k.bit_length() - 1, start // k))
        start += k
    return parts


def subtree_hash(start: int, end: int, stored: Mapping[Node, bytes]) -> bytes:
    """MTH(D[start:end]) from the hashes of its perfect parts (`stored` holds at least
    `perfect_parts(start, end)`), folded from the right as the RFC nests them."""
    return _fold([stored[node] for node in perfect_parts(start, end)])


def _fold(parts: Sequence[bytes]) -> bytes:
    """The hash of perfect subtrees side by side (largest first), nested from the right as
    the RFC splits: H(p0, H(p1, … H(pn-1, pn)))."""
    if not parts:
        return EMPTY_ROOT
    result = parts[-1]
    for left in reversed(parts[:-1]):
        result = node_hash(left, result)
    return result


Edge = list[tuple[Node, bytes]]  # a tree's right edge: its perfect subtrees, largest first


def push_leaf(edge: Edge, index: int, leaf: bytes) -> Edge:
    """Append leaf `index` (its leaf hash) to a tree of `index` leaves whose right edge is
    `edge` (changed in place); return every node this completes, the leaf first: the rows a
    stored tree adds, and at most log n of them."""
    node, value = Node(0, index), leaf
    added = [(node, value)]
    while edge and edge[-1][0].level == node.level:  # two equal subtrees: their parent
        left, left_value = edge.pop()
        node, value = Node(node.level + 1, left.index // 2), node_hash(left_value, value)
        added.append((node, value))
    edge.append((node, value))
    return added


def edge_root(edge: Edge) -> bytes:
    """The root of the tree whose right edge is `edge`."""
    return _fold([value for _node, value in edge])


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes are the audit path of leaf `index` in a tree
    of `size` leaves, in the RFC's order (nearest the leaf first) — PATH(m, D[n])."""
    if not 0 <= index < size:
        raise ValueError("The leaf is not in a tree of that size.")
    path: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes prove that the tree of `first` leaves is a
    prefix of the tree of `second` leaves — PROOF(m, D[n]), RFC 9162 2.1.4.1."""
    if not 0 < first <= second:
        raise ValueError("A consistency proof needs 0 < first ≤ second.")
    proof: list[tuple[int, int]] = []
    start, end, whole = 0, second, True
    m = first
    while True:
        if m == end - start:
            if not whole:
                proof.append((start, end))
            break
        k = _split(end - start)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start, m, whole = start + k, m - k, False
    proof.reverse()
    return proof


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    """Every perfect subtree that the hashes of these ranges are made of (one lookup)."""
    return {node for start, end in ranges for node in perfect_parts(start, end)}


def hashes_of(
    ranges: Sequence[tuple[int, int]], fetch: Callable[[set[Node]], Mapping[Node, bytes]]
) -> list[bytes]:
    """The subtree hashes of `ranges`, reading every perfect subtree they need through one
    call of `fetch`."""
    stored = fetch(nodes_for(ranges))
    return [subtree_hash(start, end, stored) for start, end in ranges]
