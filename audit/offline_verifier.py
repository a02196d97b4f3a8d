#!/usr/bin/env python3
"""Check the DAC portal's transparency log from outside, without its database: decision
receipts, signed tree heads, inclusion proofs and consistency proofs (RFC 9162, section
2.1; the formats are in docs/transparency-log.md).

A single file on purpose: copy it anywhere with Python 3.11 and the `cryptography` package.
The portal itself verifies with these same functions (`audit.merkle` imports them), so the
script and the portal cannot disagree on what a valid proof is.

    python offline_verifier.py receipt     RECEIPT.json --key KEY.pem \
                                           [--later-head HEAD.json --consistency PROOF.json]
    python offline_verifier.py head        HEAD.json --key KEY.pem
    python offline_verifier.py inclusion   HEAD.json PROOF.json --key KEY.pem [--event-hash HEX]
    python offline_verifier.py consistency OLD.json NEW.json PROOF.json --key KEY.pem

RECEIPT.json is a receipt the portal gave (the request page, the decision e-mail), HEAD.json
what /transparency/sth answered, PROOF.json what the proof API answered, and KEY.pem what
/transparency/key.pem answered (keep it from a time you trusted). Exit status 0 when
everything verifies, 1 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RECEIPT_FORMAT = "dac-portal-receipt/1"
# The fields of an audit event its chain hash covers (the portal's audit/chain.py).
HASHED_FIELDS = (
    "action",
    "actor_id",
    "actor_label",
    "client_ip",
    "data",
    "object_id",
    "object_type",
    "occurred_at",
    "prev_hash",
    "request_id",
    "seq",
)

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2: the root that `path` leads to from `leaf` (its leaf hash) at
    `index` of a tree of `size` leaves, or None when the path cannot belong to such a tree."""
    if not 0 <= index < size:
        return None
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return result if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: whether `proof` shows the tree of `first` leaves (root
    `first_root`) to be a prefix of the tree of `second` leaves (root `second_root`)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    nodes = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself a proof node
        nodes.insert(0, first_root)
    if not nodes:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = nodes[0]
    for node in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(node, fr), node_hash(node, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


# -- signed tree heads -------------------------------------------------------------------------


def tree_head_message(*, tree_size: int, root_hash: str, timestamp: str) -> bytes:
    """The bytes a tree head's signature covers: its three fields as canonical JSON."""
    fields = {"root_hash": root_hash, "timestamp": timestamp, "tree_size": tree_size}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


def head_problem(head: dict[str, Any], public_key_pem: bytes) -> str | None:
    """None when `head` (as /transparency/sth gives it) is signed by the key, else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(public_key_pem)
        message = tree_head_message(
            tree_size=int(head["tree_size"]),
            root_hash=str(head["root_hash"]),
            timestamp=str(head["timestamp"]),
        )
        signature = base64.b64decode(str(head["signature"]), validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        return f"not a tree head or not a key: {exc}"
    if not isinstance(key, Ed25519PublicKey):
        return "the key is not an Ed25519 public key"
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return "the tree head's signature does not verify with this key"
    return None


def _hexes(values: Any) -> list[bytes]:
    return [bytes.fromhex(str(v)) for v in values]


def inclusion_problem(
    head: dict[str, Any], proof: dict[str, Any], event_hash: str | None = None
) -> str | None:
    """None when `proof` (the inclusion API's answer) puts its leaf in the tree `head`
    signed (and, with `event_hash`, when that leaf is the event with this chain hash)."""
    try:
        size, index = int(proof["tree_size"]), int(proof["leaf_index"])
        leaf, root = bytes.fromhex(proof["leaf_hash"]), bytes.fromhex(head["root_hash"])
        path = _hexes(proof["audit_path"])
        expected = leaf_hash(bytes.fromhex(event_hash)) if event_hash else leaf
    except (KeyError, TypeError, ValueError) as exc:
        return f"not an inclusion proof: {exc}"
    if size != int(head["tree_size"]):
        return f"the proof is for a tree of {size}, the head for {head['tree_size']}"
    if leaf != expected:
        return "the leaf is not the event with that hash"
    if not verify_inclusion(index, size, leaf, path, root):
        return "the inclusion proof does not lead to the head's root"
    return None


def consistency_problem(
    old: dict[str, Any], new: dict[str, Any], proof: dict[str, Any]
) -> str | None:
    """None when `proof` (the consistency API's answer) shows the tree `old` signed to be a
    prefix of the tree `new` signed."""
    try:
        first, second = int(old["tree_size"]), int(new["tree_size"])
        first_root, second_root = bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"])
        nodes = _hexes(proof["proof"])
        sizes = (int(proof["first_size"]), int(proof["second_size"]))
    except (KeyError, TypeError, ValueError) as exc:
        return f"not a consistency proof: {exc}"
    if sizes != (first, second):
        return f"the proof is for sizes {sizes}, the heads are {first} and {second}"
    if not verify_consistency(first, second, first_root, second_root, nodes):
        return "the consistency proof does not join the two heads: the log was rewritten"
    return None


# -- receipts ----------------------------------------------------------------------------------


def event_hash(event: dict[str, Any]) -> str:
    """An audit event's chain hash: SHA-256 (hex) of the UTF-8 JSON of its hashed fields,
    keys sorted, no whitespace, non-ASCII characters kept as they are."""
    fields = {name: event[name] for name in HASHED_FIELDS}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def receipt_problem(receipt: dict[str, Any], public_key_pem: bytes) -> str | None:
    """None when `receipt` holds an event whose hash is its leaf, and an inclusion proof of
    that leaf (at the event's place in the log) in a tree head the key signed."""
    try:
        if receipt["format"] != RECEIPT_FORMAT:
            return f"not a receipt of the format {RECEIPT_FORMAT}"
        event, head, proof = receipt["event"], receipt["tree_head"], receipt["inclusion"]
        digest = event_hash(event)
        seq = int(event["seq"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"not a receipt: {exc}"
    if digest != receipt.get("event_hash"):
        return "the event does not have the hash the receipt gives: it was changed"
    if proof.get("leaf_index") != seq - 1:
        return f"the proof is for leaf {proof.get('leaf_index')}, the event is leaf {seq - 1}"
    return head_problem(head, public_key_pem) or inclusion_problem(head, proof, digest)


def receipt_summary(receipt: dict[str, Any]) -> str:
    event = receipt["event"]
    data = event.get("data") or {}
    return (
        f"{data.get('kind', event['action'])} on {event['object_id']} at "
        f"{event['occurred_at']}: {json.dumps(data.get('outcome'), sort_keys=True)}; "
        f"event {event['seq']}, in the tree of {receipt['tree_head']['tree_size']} events "
        f"signed at {receipt['tree_head']['timestamp']}"
    )


def receipt_check(
    receipt: dict[str, Any],
    public_key_pem: bytes,
    later: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> list[str]:
    """Every problem with a receipt and, given (a later tree head, the consistency proof
    from the receipt's head to it), with the log's still holding it."""
    problems = [receipt_problem(receipt, public_key_pem)]
    if later is not None and problems[0] is None:
        head, proof = later
        problems.append(head_problem(head, public_key_pem))
        problems.append(consistency_problem(receipt["tree_head"], head, proof))
    return [p for p in problems if p is not None]


# -- the command line --------------------------------------------------------------------------


def _read(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--key", required=True, help="the log's public key (PEM)")
    commands = parser.add_subparsers(dest="command", required=True)
    receipt = commands.add_parser("receipt")
    receipt.add_argument("receipt")
    receipt.add_argument("--later-head", help="a later tree head (JSON)")
    receipt.add_argument("--consistency", help="the consistency proof to it (JSON)")
    commands.add_parser("head").add_argument("head")
    inclusion = commands.add_parser("inclusion")
    inclusion.add_argument("head")
    inclusion.add_argument("proof")
    inclusion.add_argument("--event-hash", help="the event's chain hash (hex)")
    consistency = commands.add_parser("consistency")
    for name in ("old", "new", "proof"):
        consistency.add_argument(name)
    return parser


def _problems(args: argparse.Namespace, key: bytes) -> list[str | None]:
    if args.command == "receipt":
        later = (_read(args.later_head), _read(args.consistency)) if args.later_head else None
        return list(receipt_check(_read(args.receipt), key, later))
    heads = [args.head] if args.command in ("head", "inclusion") else [args.old, args.new]
    problems = [head_problem(_read(h), key) for h in heads]
    if args.command == "inclusion":
        problems.append(inclusion_problem(_read(args.head), _read(args.proof), args.event_hash))
    elif args.command == "consistency":
        problems.append(consistency_problem(_read(args.old), _read(args.new), _read(args.proof)))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "receipt" and bool(args.later_head) != bool(args.consistency):
        parser.error("--later-head and --consistency go together")
    try:
        found = [p for p in _problems(args, Path(args.key).read_bytes()) if p is not None]
    except (OSError, ValueError) as exc:  # a missing file, or one that is not JSON
        found = [f"cannot read the input: {exc}"]
    for problem in found:
        print(f"FAILED: {problem}", file=sys.stderr)
    if not found:
        print(f"OK: {args.command} verifies.")
        if args.command == "receipt":
            print(receipt_summary(_read(args.receipt)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
