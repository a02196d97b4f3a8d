"""Training records (issue 18): a person records the data-protection or research-ethics
training they completed; a committee may require one no older than N months
(Committee.training_required_months) of the applicant before a submission
(access_requests) and of each collaborator before they sign the agreement (agreements).
The writing service, the reads, and the committee's setting."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.audit_actions import AccountAudit
from accounts.membership import committee_settings_save, require_chair
from accounts.models import Committee, TrainingKind, TrainingRecord, User
from audit.services import audit_record
from dac_portal.errors import ValidationError
from dac_portal.text import one_line_fields

OLDEST_RECORD_YEARS = 30


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it has fewer)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # not reached: every month has a 28th


def _checked(
    kind: Any, course: Any, provider: Any, completed_on: Any, certificate: Any
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = one_line_fields(
        (("course", course, 200), ("provider", provider, 200), ("certificate", certificate, 300)),
        errors,
    )
    if kind not in TrainingKind.values:
        errors["kind"] = ["Choose the kind of training."]
    else:
        fields["kind"] = kind
    today = timezone.localdate()
    if not isinstance(completed_on, date):
        errors["completed_on"] = ["A date."]
    elif completed_on > today or completed_on.year < today.year - OLDEST_RECORD_YEARS:
        errors["completed_on"] = ["The day you completed it: not in the future."]
    else:
        fields["completed_on"] = completed_on
    if errors:
        raise ValidationError("Check the training record.", details=errors)
    return fields


def training_record_add(
    *,
    actor: User,
    kind: Any,
    course: Any,
    provider: Any,
    completed_on: Any,
    certificate: Any,
) -> TrainingRecord:
    """A person records a training they completed (for themselves only)."""
    fields = _checked(kind, course, provider, completed_on, certificate)
    with transaction.atomic():
        record = TrainingRecord.objects.create(user=actor, **fields)
        audit_record(
            actor=actor,
            action=AccountAudit.TRAINING_RECORDED,
            target=record,
            data={**fields, "completed_on": record.completed_on.isoformat()},
        )
    return record


def committee_training_policy_set(*, committee: Committee, months: Any, actor: User) -> Committee:
    """A chair sets how recent a training record the committee requires (None: none)."""
    require_chair(actor, committee, "set its training requirement")
    if months is not None and (not isinstance(months, int) or not 1 <= months <= 120):
        raise ValidationError(
            "Between 1 and 120 months, or none.",
            details={"training_required_months": ["1 to 120, or empty."]},
        )
    return committee_settings_save(
        committee=committee, values={"training_required_months": months}, actor=actor
    )


def training_records_of(user: User) -> QuerySet[TrainingRecord]:
    """A person's records, the most recent first."""
    return TrainingRecord.objects.filter(user=user).order_by("-completed_on", "-id")


def strictest_months(committees: Any) -> int | None:
    """The shortest training validity among `committees` (None when none requires one)."""
    months = [c.training_required_months for c in committees if c.training_required_months]
    return min(months) if months else None


def trained_since(user_ids: Any, since: date) -> set[int]:
    """Who among `user_ids` holds a record completed on or after `since`. One query."""
    return set(
        TrainingRecord.objects.filter(user_id__in=list(user_ids), completed_on__gte=since)
        .values_list("user_id", flat=True)
        .distinct()
    )


def require_training(user: Any, committees: Any, then: str) -> None:
    """Refuse (400 `training_required`) someone without the training `committees` ask
    for; `then` says what they do once it is on file ("submit again", "sign")."""
    months = training_missing(user, committees, timezone.localdate())
    if months is not None:
        raise ValidationError(
            f"The committee asks for a data-protection or research-ethics training record no "
            f"older than {months} months: add yours on /accounts/training/, then {then}.",
            details={"training": [f"A training record no older than {months} months."]},
            code="training_required",
        )


def training_missing(user: Any, committees: Any, today: date) -> int | None:
    """The months of the requirement `user` does not meet for `committees` (None: met, or
    nothing required)."""
    months = strictest_months(committees)
    if months is None or user.pk in trained_since([user.pk], months_before(today, months)):
        return None
    return months
