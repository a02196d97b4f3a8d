"""The transparency log's proofs at ten million events (issue 20: "inclusion proof
generation p95 at 10M events < 20 ms"), PostgreSQL only.

Appending 10M real audit events would take hours, but a proof reads only the tree's stored
subtree hashes (`audit.MerkleNode`), never the events. So the tree of BENCH_LOG_LEAVES leaves
(10M by default) is built by PostgreSQL itself, level by level with `sha256()`, exactly as
`log_extend` would build it over events whose chain hashes are SHA-256(i as 8 bytes), in a
schema of its own (`merkle10m`): the bench database's real tree is never touched, and the
build is kept and reused by later runs (about 20M rows, a few GB). The figures are then the
portal's own `inclusion_proof` and `consistency_proof`, run with that schema first on the
search path, and a sample of the proofs is verified against the tree's root.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, queries_of, repeated_ms, section, stderr, timed

LEAVES = int(os.environ.get("BENCH_LOG_LEAVES", "10000000"))
ROUNDS = int(os.environ.get("BENCH_LOG_ROUNDS", "200"))
SCHEMA = "merkle10m"


def _built_size(cursor: Any) -> int:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.built"])
    if not cursor.fetchone()[0]:
        return 0
    cursor.execute(f"SELECT size FROM {SCHEMA}.built")
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _build(cursor: Any, leaves: int) -> None:
    """Leaves, then each level from the one below: a node for every pair of siblings."""
    run = cursor.execute
    run(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    run(f"CREATE SCHEMA {SCHEMA}")
    run(
        f"CREATE TABLE {SCHEMA}.audit_merklenode "
        "(LIKE public.audit_merklenode INCLUDING DEFAULTS INCLUDING IDENTITY)"
    )
    run(
        f"INSERT INTO {SCHEMA}.audit_merklenode (level, index, hash) "
        "SELECT 0, i, sha256('\\x00'::bytea || sha256(int8send(i))) "
        "FROM generate_series(0, %s - 1) AS i",
        [leaves],
    )
    level, count = 0, leaves
    while count > 1:
        level, count = level + 1, count // 2
        run(
            f"INSERT INTO {SCHEMA}.audit_merklenode (level, index, hash) "
            "SELECT %s, index / 2, sha256('\\x01'::bytea || string_agg(hash, ''::bytea "
            "ORDER BY index)) "
            f"FROM {SCHEMA}.audit_merklenode WHERE level = %s AND index < %s "
            "GROUP BY index / 2",
            [level, level - 1, count * 2],
        )
    run(f"CREATE UNIQUE INDEX ON {SCHEMA}.audit_merklenode (level, index)")
    run(f"ANALYZE {SCHEMA}.audit_merklenode")
    run(f"CREATE TABLE {SCHEMA}.built (size bigint)")
    run(f"INSERT INTO {SCHEMA}.built VALUES (%s)", [leaves])


def _leaf(index: int) -> bytes:
    return hashlib.sha256(b"\x00" + hashlib.sha256(index.to_bytes(8, "big")).digest()).digest()


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection

    from audit import merkle, transparency_log

    if connection.vendor != "postgresql":
        stderr("[bench] the 10M-event tree is built by PostgreSQL: skipped on SQLite")
        return
    with connection.cursor() as cursor:
        if _built_size(cursor) != LEAVES:
            with section(f"transparency log: build a tree of {LEAVES:,} leaves in SQL"):
                _, build_seconds = timed(_build, cursor, LEAVES)
            stderr(f"[bench] built in {build_seconds:.0f} s")
        cursor.execute(f"SET search_path TO {SCHEMA}, public")
    try:
        yield from _figures(merkle, transparency_log)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET search_path")


def _figures(merkle: Any, transparency_log: Any) -> Iterator[Figure]:
    from audit.models import MerkleNode

    log, tree = transparency_log, merkle
    size = log.tree_size()
    if size != LEAVES:
        raise RuntimeError(f"the synthetic tree has {size} leaves, not {LEAVES}")
    root = log.root_hash(size)
    rng = random.Random(24)
    for index in rng.sample(range(size), 20):  # the proofs timed below are correct ones
        proof = log.inclusion_proof(seq=index + 1, size=size)
        path = [bytes.fromhex(h) for h in proof.audit_path]
        if bytes.fromhex(proof.leaf_hash) != _leaf(index) or not tree.verify_inclusion(
            index, size, _leaf(index), path, root
        ):
            raise RuntimeError(f"the proof of leaf {index} does not verify")

    def inclusion() -> None:
        log.inclusion_proof(seq=rng.randint(1, size), size=size)

    def consistency() -> None:
        first = rng.randint(1, size)
        log.consistency_proof(first=first, second=rng.randint(first, size))

    def one_node() -> None:  # the floor: one stored hash read by its position
        node = MerkleNode.objects.filter(level=0, index=rng.randrange(size))
        node.values_list("hash", flat=True).first()

    with section(f"transparency log at {size:,} leaves: proofs"):
        inclusion_ms = repeated_ms(inclusion, ROUNDS)
        consistency_ms = repeated_ms(consistency, ROUNDS)
        floor_ms = repeated_ms(one_node, ROUNDS)
    extra = {"tree_size": size, "verified_proofs": 20}
    yield Figure(
        f"inclusion proof of a random event at {size:,} events, p95 ÷ one node read",
        p95(inclusion_ms),
        "ms",
        floor=p95(floor_ms),
        target="< 20",
        higher_is_better=False,
        extra={**extra, "queries": queries_of(inclusion)},
    )
    yield Figure(
        f"consistency proof between random sizes at {size:,} events, p95 ÷ one node read",
        p95(consistency_ms),
        "ms",
        floor=p95(floor_ms),
        higher_is_better=False,
        extra={**extra, "queries": queries_of(consistency)},
    )
