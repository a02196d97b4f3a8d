"""Receipts: what the portal hands an applicant so that they can prove on their own, with
no access to the portal's database, that a decision they received is in the audit log
(docs/transparency-log.md, "Receipts").

A decision's own audit event holds what the applicant must not see (the chair's account
and address, the request id, the other committees' data), so it cannot be handed over
whole; yet a proof is only worth something if its holder can recompute the leaf from what
they hold. So each decision (and grant revocation) records a second event in the same
transaction, right after it: the *receipt event*, written by the system with no client
address and no request id, holding only what the applicant was told (the outcome) and the
decision event's seq and chain hash. The receipt is that event whole, its chain hash, an
inclusion proof and a signed tree head covering it; a later head and a consistency proof
(public, from the API) show the log still holds it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.audit_actions import LogAudit
from audit.chain import event_fields
from audit.models import AuditEvent, TreeHead
from audit.services import audit_record
from audit.transparency_log import inclusion_proof, tree_head_json, tree_head_sign
from dac_portal.errors import NotFound

FORMAT = "dac-portal-receipt/1"
SYSTEM = "receipts"
# Receipts are kept under the request they tell about, whatever the decision was on (a
# grant's revocation too), so that one indexed read finds them all for the request page.
OBJECT_TYPE = "access_request"


class ReceiptKind(models.TextChoices):
    DECISION = "decision", gettext_lazy("Decision")
    APPEAL_DECISION = "appeal_decision", gettext_lazy("Decision on appeal")
    GRANT_REVOCATION = "grant_revocation", gettext_lazy("Access revoked")


def receipt_record(
    *, kind: ReceiptKind, reference: str, outcome: dict[str, Any], decision: AuditEvent
) -> AuditEvent:
    """Record the receipt event of `decision` (an event just recorded in the caller's
    transaction) for the request `reference`. `outcome` must hold only what the applicant
    is told anyway: the whole event is handed to whoever may see the request."""
    return audit_record(
        actor=None,
        system=SYSTEM,
        action=LogAudit.RECEIPT_ISSUED,
        target=(OBJECT_TYPE, reference),
        data={
            "kind": kind.value,
            "outcome": outcome,
            "decision_event": {"seq": decision.seq, "hash": decision.hash},
        },
        request_context_kept=False,
    )


def receipts_of(reference: str) -> list[AuditEvent]:
    """The receipt events of a request, oldest first (the audit log's object index)."""
    return list(
        AuditEvent.objects.filter(
            object_type=OBJECT_TYPE, object_id=reference, action=LogAudit.RECEIPT_ISSUED
        ).order_by("seq")
    )


def receipt_event_get(*, reference: str, seq: int) -> AuditEvent:
    event = AuditEvent.objects.filter(
        seq=seq, object_type=OBJECT_TYPE, object_id=reference, action=LogAudit.RECEIPT_ISSUED
    ).first()
    if event is None:
        raise NotFound(_("This request has no such receipt."))
    return event


def _head_covering(seq: int, now: datetime) -> TreeHead:
    """The latest signed tree head, or a new one when none covers event `seq` yet: the
    hourly job is the least the log publishes, and a receipt must not wait for it."""
    head = TreeHead.objects.order_by("-timestamp", "-pk").first()
    if head is None or head.tree_size < seq:
        head = tree_head_sign(now=now, system=SYSTEM)
    return head


def receipt_document(event: AuditEvent, *, now: datetime) -> dict[str, Any]:
    """The receipt of a committed receipt event, as the JSON the offline verifier reads
    (`audit/offline_verifier.py receipt`, `manage.py verify_receipt`)."""
    head = _head_covering(event.seq, now)
    proof = inclusion_proof(seq=event.seq, size=head.tree_size)
    base = settings.PORTAL_BASE_URL
    return {
        "format": FORMAT,
        "event": event_fields(event),
        "event_hash": event.hash,
        "inclusion": asdict(proof),
        "tree_head": tree_head_json(head),
        # Where to check it later: a newer head, and the proof that it extends this one.
        "log": {
            "tree_head_url": f"{base}/transparency/sth",
            "public_key_url": f"{base}/transparency/key.pem",
            "consistency_proof_url": (
                f"{base}/api/v1/transparency/proof/consistency?from={head.tree_size}&to="
            ),
        },
    }


def receipt_filename(event: AuditEvent) -> str:
    return f"receipt-{event.object_id}-{event.seq}.json"
