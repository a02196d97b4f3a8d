"""The transparency log's published history, checked against the events themselves
(docs/transparency-log.md): what a tree head signs, and whether the events still give the
root every published head signed. Below `audit.services` (whose verification calls it) and
`audit.transparency_log` (which signs the heads)."""

from __future__ import annotations

from typing import Any

from audit import keys, merkle
from audit.chain import ChainProblem, format_time
from audit.models import AuditEvent, TreeHead
from audit.offline_verifier import tree_head_message

TREE_HEAD_MISMATCH = "tree_head_mismatch"


def _signature_problem(head: TreeHead, trusted: dict[str, Any]) -> ChainProblem | None:
    message = tree_head_message(
        tree_size=head.tree_size, root_hash=head.root_hash, timestamp=format_time(head.timestamp)
    )
    wrong = keys.verify(
        message, signature_b64=head.signature, claimed_key_id=head.key_id, keys=trusted
    )
    if wrong is None:
        return None
    return ChainProblem(
        None, TREE_HEAD_MISMATCH, f"the tree head of size {head.tree_size}: {wrong}"
    )


def published_heads_problem() -> ChainProblem | None:
    """Rebuild the tree from the events' chain hashes alone (not from the stored nodes) and
    compare its root, at the size of every published tree head, with the root that head
    signed. An event changed behind the guard, even with the chain rewritten after it,
    changes every later root: the log then disagrees with what it published."""
    heads = list(TreeHead.objects.order_by("tree_size", "timestamp", "pk"))
    if not heads:
        return None
    trusted = keys.trusted_public_keys()
    edge: merkle.Edge = []
    size, at = 0, 0
    events = AuditEvent.objects.filter(seq__lte=heads[-1].tree_size).order_by("seq")
    rows = iter(events.values_list("seq", "hash").iterator(chunk_size=10_000))
    while at < len(heads):
        head = heads[at]
        if size == head.tree_size:
            problem = _signature_problem(head, trusted)
            if problem is None and merkle.edge_root(edge).hex() != head.root_hash:
                problem = ChainProblem(
                    head.tree_size,
                    TREE_HEAD_MISMATCH,
                    f"the events give another root for the tree of {head.tree_size} events than "
                    f"the head published at {format_time(head.timestamp)}",
                )
            if problem is not None:
                return problem
            at += 1
            continue
        seq, digest = next(rows, (None, ""))
        if seq != size + 1:  # a gap: the chain's own verification has named it
            return ChainProblem(
                size + 1, TREE_HEAD_MISMATCH, "an event of a published tree is missing"
            )
        merkle.push_leaf(edge, size, merkle.leaf_hash(bytes.fromhex(digest)))
        size += 1
    return None
