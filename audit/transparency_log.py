"""The transparency log: an RFC 9162 Merkle tree over the audit events, its signed tree heads,
and the proofs anyone may ask for (docs/transparency-log.md).

Leaf i of the tree is event seq i + 1, and its data is the event's chain hash (the 32 bytes
of `AuditEvent.hash`): that hash already commits to every byte of the event's canonical
form, so whoever holds the event can recompute the leaf (`audit.chain`, then
`merkle.leaf_hash`). The tree is kept as the hashes of its perfect subtrees
(`MerkleNode`), added as events are appended: `log_extend` reads the events the tree does
not hold yet, in seq order, and adds each leaf and every subtree it completes (two rows
per event, amortised). It runs before each tree head is signed, on the job's schedule, so
appending an event costs nothing more; a proof reads O(log n) nodes in one query.

Only hashes leave through here: the proofs and tree heads are public; the events stay as
private as the audit log keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit import keys, merkle
from audit.audit_actions import LogAudit
from audit.chain import format_time
from audit.models import AuditEvent, MerkleNode, TreeHead
from audit.services import audit_record
from audit.tree_heads import tree_head_message
from dac_portal.errors import NotFound, ValidationError

BATCH = 50_000
# Two extenders must not add the same nodes: they take this lock (PostgreSQL; SQLite
# serialises writers anyway) for their transaction.
EXTEND_LOCK = 0x7472_6565  # "tree"


def tree_size() -> int:
    last = (
        MerkleNode.objects.filter(level=0).order_by("-index").values_list("index", flat=True)
    ).first()
    return 0 if last is None else last + 1


def _fetch(nodes: set[merkle.Node]) -> dict[merkle.Node, bytes]:
    """The stored hashes of `nodes`, in one query."""
    if not nodes:
        return {}
    wanted = Q()
    for level in {node.level for node in nodes}:
        wanted |= Q(level=level, index__in=[n.index for n in nodes if n.level == level])
    found = {
        merkle.Node(level, index): bytes(value)
        for level, index, value in MerkleNode.objects.filter(wanted).values_list(
            "level", "index", "hash"
        )
    }
    missing = nodes - found.keys()
    if missing:  # the tree lost a node it had: never silently answer with another root
        raise RuntimeError(f"The transparency log is missing nodes {sorted(missing)[:3]}.")
    return found


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EXTEND_LOCK])


def log_extend(*, batch: int = BATCH) -> int:
    """Add up to `batch` events after the tree's last leaf, in one transaction; returns the
    tree's size. Stops before a gap in seq (the chain's verification names it)."""
    with transaction.atomic():
        _lock()
        size = tree_size()
        frontier = _fetch(set(merkle.perfect_parts(0, size)))
        edge = [(node, frontier[node]) for node in merkle.perfect_parts(0, size)]
        added: list[MerkleNode] = []
        events = AuditEvent.objects.filter(seq__gt=size).order_by("seq")
        for seq, digest in events.values_list("seq", "hash")[:batch]:
            if seq != size + 1:
                break
            leaf = merkle.leaf_hash(bytes.fromhex(digest))
            added += [
                MerkleNode(level=node.level, index=node.index, hash=value)
                for node, value in merkle.push_leaf(edge, size, leaf)
            ]
            size += 1
        MerkleNode.objects.bulk_create(added, batch_size=5000)
    return size


def log_extend_all() -> int:
    """Extend the tree to the last event, batch by batch."""
    size = tree_size()
    while True:
        grown = log_extend()
        if grown == size:
            return size
        size = grown


def root_hash(size: int) -> bytes:
    return merkle.hashes_of([(0, size)], _fetch)[0]


def tree_head_json(head: TreeHead) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": format_time(head.timestamp),
        "signature": head.signature,
        "key_id": head.key_id,
    }


def tree_head_sign(*, now: datetime, system: str = "audit.sign_tree_head") -> TreeHead:
    """Extend the tree to the last event, sign its head, keep it, and record the signing in
    the audit log (that event becomes a leaf of the next head)."""
    size = log_extend_all()
    with transaction.atomic():
        root = root_hash(size).hex()
        stamp = format_time(now)
        key_id, signature = keys.sign(
            tree_head_message(tree_size=size, root_hash=root, timestamp=stamp)
        )
        head = TreeHead.objects.create(
            tree_size=size, root_hash=root, timestamp=now, key_id=key_id, signature=signature
        )
        audit_record(
            actor=None,
            system=system,
            action=LogAudit.TREE_HEAD_SIGNED,
            target=("transparency_log", str(size)),
            data={"tree_size": size, "root_hash": root, "key_id": key_id},
        )
    return head


def latest_tree_head() -> TreeHead:
    head = TreeHead.objects.order_by("-timestamp", "-pk").first()
    if head is None:
        raise NotFound(_("The log has not published a tree head yet."))
    return head


# -- proofs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str


@dataclass(frozen=True)
class ConsistencyProof:
    first_size: int
    second_size: int
    first_root: str
    second_root: str
    proof: list[str]


def _within_tree(size: int, name: str) -> None:
    if size > tree_size():
        raise NotFound(
            _("The log has no tree of %(name)s=%(size)s yet.") % {"name": name, "size": size}
        )


def inclusion_proof(*, seq: int, size: int) -> InclusionProof:
    """That event `seq` is leaf seq − 1 of the tree of `size` leaves."""
    if not 1 <= seq <= size:
        raise ValidationError(
            _("The event must be in the tree: 1 ≤ event ≤ size."),
            details={"event": [_("Must be between 1 and size.")]},
        )
    _within_tree(size, "size")
    index = seq - 1
    path = merkle.inclusion_ranges(index, size)
    *audit_path, root, leaf = merkle.hashes_of([*path, (0, size), (index, seq)], _fetch)
    return InclusionProof(
        leaf_index=index,
        tree_size=size,
        leaf_hash=leaf.hex(),
        audit_path=[node.hex() for node in audit_path],
        root_hash=root.hex(),
    )


def consistency_proof(*, first: int, second: int) -> ConsistencyProof:
    """That the tree of `first` leaves is a prefix of the tree of `second` leaves."""
    if not 1 <= first <= second:
        raise ValidationError(
            _("A consistency proof needs 1 ≤ from ≤ to."),
            details={"from": [_("Must be between 1 and to.")]},
        )
    _within_tree(second, "to")
    ranges = merkle.consistency_ranges(first, second)
    *proof, first_root, second_root = merkle.hashes_of([*ranges, (0, first), (0, second)], _fetch)
    return ConsistencyProof(
        first_size=first,
        second_size=second,
        first_root=first_root.hex(),
        second_root=second_root.hex(),
        proof=[node.hex() for node in proof],
    )
