"""The transparency log (docs/transparency-log.md, issue 20), on whatever events the bench
database holds (figures_20 leaves BENCH_AUDIT_EVENTS of them, 1M by default):

1. extending the tree over every event it does not hold yet (the first run: all of them),
   events per second;
2. tree maintenance per appended event ÷ the append itself: APPENDS events appended one by
   one through audit_record (each in its own transaction, one writer), then the tree
   extended over them; target ≤ 0.2;
3. p95 of an inclusion proof of a random event in the whole tree, and of a consistency
   proof between two random sizes, as the API computes them (target for inclusion at 10M
   events: < 20 ms), with the queries each costs (one, whatever the size);
4. p95 of GET /api/v1/transparency/proof/inclusion through the whole stack, anonymous;
5. the check verify_audit_log adds: the tree rebuilt from the events' chain hashes and its
   root compared with every published tree head's, events/s.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, queries_of, repeated_ms, section, timed

APPENDS = int(os.environ.get("BENCH_LOG_APPENDS", "2000"))
ROUNDS = int(os.environ.get("BENCH_LOG_ROUNDS", "200"))


def _append(count: int) -> None:
    from django.db import transaction

    from audit.services import audit_record

    for i in range(count):
        with transaction.atomic():
            audit_record(actor=None, system="bench", action="audit.verified", data={"i": i})


def run(bench: Bench) -> Iterator[Figure]:
    from django.test import Client

    from audit import transparency_log
    from audit.models import AuditEvent

    events = AuditEvent.objects.count()
    before = transparency_log.tree_size()
    with section("transparency log: extend over the events it lacks"):
        size, seconds = timed(transparency_log.log_extend_all)
    if size - before >= 10_000:
        yield Figure(
            "transparency log extension, events/s (the tree built over events it lacked)",
            (size - before) / seconds,
            "events/s",
            extra={"events_added": size - before, "tree_size": size},
        )
    with section("transparency log: maintenance per append"):
        _, append_seconds = timed(_append, APPENDS)
        grown, extend_seconds = timed(transparency_log.log_extend_all)
    yield Figure(
        "transparency log maintenance per appended event ÷ the append (one writer)",
        extend_seconds / APPENDS * 1e6,
        "µs/event",
        floor=append_seconds / APPENDS * 1e6,
        target="≤ 0.2",
        higher_is_better=False,
        extra={"appends": APPENDS, "tree_size": grown},
    )
    rng = random.Random(20)
    size = grown

    def inclusion() -> None:
        transparency_log.inclusion_proof(seq=rng.randint(1, size), size=size)

    def consistency() -> None:
        first = rng.randint(1, size)
        transparency_log.consistency_proof(first=first, second=rng.randint(first, size))

    with section("transparency log: proofs"):
        inclusion_ms = repeated_ms(inclusion, ROUNDS)
        consistency_ms = repeated_ms(consistency, ROUNDS)
    common: dict[str, Any] = {"tree_size": size, "events": events + APPENDS}
    yield Figure(
        "inclusion proof of a random event, p95",
        p95(inclusion_ms),
        "ms",
        target="< 20 at 10M events",
        higher_is_better=False,
        extra={**common, "queries": queries_of(inclusion)},
    )
    yield Figure(
        "consistency proof between random sizes, p95",
        p95(consistency_ms),
        "ms",
        higher_is_better=False,
        extra={**common, "queries": queries_of(consistency)},
    )
    client = Client()
    path = f"/api/v1/transparency/proof/inclusion?event={size // 3}&size={size}"
    assert client.get(path).status_code == 200, path
    api_ms = repeated_ms(lambda: client.get(path), ROUNDS)
    yield Figure(
        "GET /api/v1/transparency/proof/inclusion p95 (anonymous, whole stack)",
        p95(api_ms),
        "ms",
        target="< 200",
        higher_is_better=False,
        extra=common,
    )

    yield from _history_check(size)


def _history_check(size: int) -> Iterator[Figure]:
    from django.utils import timezone

    from audit.transparency_log import tree_head_sign
    from audit.tree_heads import published_heads_problem

    tree_head_sign(now=timezone.now(), system="bench")
    with section("transparency log: published heads against the events"):
        problem, seconds = timed(published_heads_problem)
    if problem is not None:
        raise RuntimeError(f"the bench log disagrees with its tree heads: {problem}")
    yield Figure(
        "published tree heads checked against the events (verify_audit_log's extra pass)",
        size / seconds,
        "events/s",
        extra={"tree_size": size, "seconds": round(seconds, 2)},
    )
