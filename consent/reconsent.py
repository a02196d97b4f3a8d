"""Re-consent flags: a dataset whose participants must be asked for consent again (for
example, those recruited as minors who have reached adulthood) takes no new approvals
until its stewards record that re-consent is done (WHO principle 3.1; docs/domain.md).

The two state changes, each audited in its own transaction, and the read the rest of
the portal asks ("which of these datasets are blocked, and why?"). The committee's
decision service refuses to approve a blocked dataset with 409 `reconsent_pending`;
pages show the open flag next to the dataset.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require
from audit.services import audit_record
from consent.audit_actions import ConsentAudit
from consent.models import Dataset, ReconsentFlag
from dac_portal.errors import Conflict, NotFound, ValidationError
from dac_portal.text import clean_text

MAX_TEXT = 2000


def _text(value: Any, field: str, message: str) -> str:
    return clean_text(value, field=field, limit=MAX_TEXT, missing=message)


def reconsent_flag_raise(
    *, dataset: Dataset, reason: Any, participant_count: Any = None, actor: User
) -> ReconsentFlag:
    """Open a re-consent flag on a dataset (its stewards): new approvals stop at once."""
    require(actor, "dataset.manage", dataset)
    reason = _text(reason, "reason", "Say why participants must re-consent.")
    if participant_count in ("", None):
        participant_count = None
    elif (
        isinstance(participant_count, bool)
        or not isinstance(participant_count, int)
        or not 1 <= participant_count <= 10_000_000
    ):
        raise ValidationError(
            "The number of participants concerned is a whole number from 1.",
            details={"participant_count": ["A whole number from 1."]},
        )
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        flag = ReconsentFlag.objects.create(
            dataset=locked, reason=reason, participant_count=participant_count, raised_by=actor
        )
        audit_record(
            actor=actor,
            action=ConsentAudit.CONSENT_RECONSENT_FLAGGED,
            target=flag,
            data={
                "dataset": locked.accession,
                "reason": reason,
                "participant_count": participant_count,
            },
        )
    return flag


def reconsent_flag_clear(*, flag: ReconsentFlag, note: Any, actor: User) -> ReconsentFlag:
    """Record that re-consent is complete (its stewards): the dataset may be approved again
    once no other flag is open. Clearing a cleared flag is a 409."""
    require(actor, "dataset.manage", flag.dataset)
    note = _text(note, "note", "Say how re-consent was completed.")
    with transaction.atomic():
        locked = ReconsentFlag.objects.select_for_update().select_related("dataset").get(pk=flag.pk)
        if locked.cleared_at is not None:
            raise Conflict(
                "This re-consent flag was already cleared.",
                code="already_cleared",
                details={"cleared_at": locked.cleared_at.isoformat()},
            )
        locked.cleared_at = timezone.now()
        locked.cleared_by = actor
        locked.clear_note = note
        locked.save(update_fields=["cleared_at", "cleared_by", "clear_note"])
        audit_record(
            actor=actor,
            action=ConsentAudit.CONSENT_RECONSENT_CLEARED,
            target=locked,
            data={"dataset": locked.dataset.accession, "note": note},
        )
    return locked


# -- reads -----------------------------------------------------------------------------------


def open_flags_by_dataset(dataset_ids: Iterable[int]) -> dict[int, list[ReconsentFlag]]:
    """Open flags of the given datasets, in one query: dataset id -> flags, newest first."""
    found: dict[int, list[ReconsentFlag]] = {}
    for flag in ReconsentFlag.objects.filter(
        dataset_id__in=list(dataset_ids), cleared_at__isnull=True
    ).order_by("-raised_at", "-id"):
        found.setdefault(flag.dataset_id, []).append(flag)
    return found


def flags_of(dataset: Dataset) -> list[ReconsentFlag]:
    return list(
        ReconsentFlag.objects.filter(dataset=dataset).select_related("raised_by", "cleared_by")
    )


def flag_get_for_steward(*, dataset: Dataset, flag_id: Any) -> ReconsentFlag:
    try:
        pk = int(flag_id)
    except (TypeError, ValueError):
        raise NotFound("No such re-consent flag.") from None
    flag = ReconsentFlag.objects.select_related("dataset").filter(pk=pk, dataset=dataset).first()
    if flag is None:
        raise NotFound("No such re-consent flag.")
    return flag


def refuse_if_reconsent_pending(datasets: Iterable[Dataset]) -> None:
    """For the decision service: approving a dataset with an open flag is a 409 that names
    each blocked dataset and why."""
    datasets = list(datasets)
    blocked = open_flags_by_dataset(d.pk for d in datasets)
    if not blocked:
        return
    details = {
        d.accession: [flag.reason for flag in blocked[d.pk]] for d in datasets if d.pk in blocked
    }
    raise Conflict(
        "Participants of "
        + ", ".join(sorted(details))
        + " must re-consent before new access is approved.",
        code="reconsent_pending",
        details={"datasets": details},
    )
