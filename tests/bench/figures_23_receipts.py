"""Decision receipts (audit/receipts.py, issue 20), on the bench database's log (figures_20
leaves BENCH_AUDIT_EVENTS events, 1M by default) and the seeded demo:

1. what a receipt adds to a decision: recording the receipt event, ÷ recording the decision's
   own audit event (both one append, so about 1; the decision itself does much more);
2. p95 of building a receipt (the event, its inclusion proof in the whole tree and the
   latest signed head) ÷ the inclusion proof alone;
3. p95 of GET /requests/<ref>/receipts/<seq>/ through the whole stack, signed in as the
   applicant, ÷ /healthz in the same loop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from tests.bench.harness import (
    Bench,
    Figure,
    p95,
    page_and_floor_ms,
    queries_of,
    repeated_ms,
    section,
    timed,
)

APPENDS = int(os.environ.get("BENCH_RECEIPT_APPENDS", "1000"))
ROUNDS = int(os.environ.get("BENCH_RECEIPT_ROUNDS", "200"))
DEMO_REQUEST = "Ancestry-aware polygenic scores"


def _decision_like_events(count: int) -> list[object]:
    from django.db import transaction

    from audit.services import audit_record

    events = []
    for i in range(count):
        with transaction.atomic():
            events.append(
                audit_record(actor=None, system="bench", action="audit.verified", data={"i": i})
            )
    return events


def _receipts_for(events: list[object], reference: str) -> list[object]:
    from django.db import transaction

    from audit.receipts import ReceiptKind, receipt_record

    receipts = []
    for event in events:
        with transaction.atomic():
            receipts.append(
                receipt_record(
                    kind=ReceiptKind.DECISION,
                    reference=reference,
                    outcome={"status": "approved", "datasets": {"DACD000001": "approved"}},
                    decision=event,  # type: ignore[arg-type]
                )
            )
    return receipts


def run(bench: Bench) -> Iterator[Figure]:
    from django.test import Client
    from django.utils import timezone

    from access_requests.models import AccessRequest
    from audit import transparency_log
    from audit.receipts import receipt_document, receipts_of

    access_request = AccessRequest.objects.select_related("applicant").get(title=DEMO_REQUEST)
    reference = access_request.reference
    with section("receipts: the append a receipt adds"):
        events, event_seconds = timed(_decision_like_events, APPENDS)
        _receipts, receipt_seconds = timed(_receipts_for, events, reference)
    yield Figure(
        "receipt event per decision ÷ the decision's own audit event",
        receipt_seconds / APPENDS * 1e3,
        "ms",
        floor=event_seconds / APPENDS * 1e3,
        higher_is_better=False,
        extra={"appends": APPENDS},
    )
    transparency_log.tree_head_sign(now=timezone.now(), system="bench")
    receipt = receipts_of(reference)[-1]
    size = transparency_log.tree_size()

    def build() -> None:
        receipt_document(receipt, now=timezone.now())  # type: ignore[arg-type]

    def proof() -> None:
        transparency_log.inclusion_proof(seq=receipt.seq, size=size)

    with section("receipts: building one"):
        build_ms = repeated_ms(build, ROUNDS)
        proof_ms = repeated_ms(proof, ROUNDS)
    yield Figure(
        "receipt built (event, inclusion proof, signed head) p95 ÷ the inclusion proof alone",
        p95(build_ms),
        "ms",
        floor=p95(proof_ms),
        higher_is_better=False,
        extra={"tree_size": size, "queries": queries_of(build)},
    )
    client = Client()
    client.force_login(access_request.applicant)
    path = f"/requests/{reference}/receipts/{receipt.seq}/"
    page_ms, floor_ms = page_and_floor_ms(client, path, ROUNDS)
    yield Figure(
        "GET a receipt download p95 (signed in, whole stack)",
        p95(page_ms),
        "ms",
        floor=p95(floor_ms),
        target="< 200",
        higher_is_better=False,
        extra={"tree_size": size},
    )
