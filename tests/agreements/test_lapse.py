"""Unsigned agreements lapse after the committee's signature deadline (agreements.lapse):
reminders 14 and 3 days before, once each, to whoever must act; at the deadline the
pending grants are revoked and audited, the request closes, and signing is refused with a
409; a signed-in-time agreement is left alone; re-runs and catch-up do nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from access_requests.models import AccessRequest
from agreements import services
from agreements.models import AgreementPolicy, Grant
from dac_portal import jobs
from dac_portal.errors import Conflict
from notifications.models import Notification
from tests.agreements.conftest import events

pytestmark = pytest.mark.django_db

JOB = "agreements.lapse_unsigned"


def run(now):  # type: ignore[no-untyped-def]
    with time_machine.travel(now, tick=False):
        return jobs.run(JOB, now=now)


def reminder_keys(reference: str) -> list[str]:
    return sorted(
        Notification.objects.filter(
            dedupe_key__startswith=f"agreement.lapse_reminder:{reference}:"
        ).values_list("dedupe_key", flat=True)
    )


def statuses(access_request: AccessRequest) -> set[str]:
    return set(Grant.objects.filter(access_request=access_request).values_list("status", flat=True))


def test_an_unsigned_agreement_lapses_at_the_deadline_and_not_before(agreement, approved):
    deadline = agreement.created_at + timedelta(days=90)
    run(deadline - timedelta(seconds=1))
    assert statuses(approved) == {"pending"}
    result = run(deadline)
    assert approved.reference in result["lapsed"]
    assert statuses(approved) == {"revoked"}
    grant = Grant.objects.get(access_request=approved)
    assert "not signed in time" in grant.status_reason
    [event] = events("grant.revoked", object_id=grant.reference)
    assert event.actor_id is None and event.actor_label == f"system:{JOB}"
    assert event.data["lapsed"] is True and event.data["old_status"] == "pending"
    approved.refresh_from_db()
    assert approved.status == "closed"
    assert Notification.objects.filter(
        kind="agreement_lapsed", dedupe_key=f"agreement.lapsed:{approved.reference}"
    ).exists()


def test_signing_after_the_lapse_is_refused_with_nothing_changed(agreement, approved, researcher1):
    run(agreement.created_at + timedelta(days=91))
    with pytest.raises(Conflict) as refused:
        services.agreement_sign(
            agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
        )
    assert refused.value.code == "request_not_approved"
    agreement.refresh_from_db()
    assert agreement.signed_at is None
    assert statuses(approved) == {"revoked"}


def test_the_applicant_is_reminded_14_and_3_days_before_once_each(agreement, approved):
    deadline = agreement.created_at + timedelta(days=90)
    run(deadline - timedelta(days=20))
    assert reminder_keys(approved.reference) == []
    run(deadline - timedelta(days=14))
    run(deadline - timedelta(days=13))  # the same reminder again: nothing new
    run(deadline - timedelta(days=3))
    run(deadline - timedelta(days=2))
    applicant = approved.applicant_id
    assert reminder_keys(approved.reference) == [
        f"agreement.lapse_reminder:{approved.reference}:{applicant}:14d",
        f"agreement.lapse_reminder:{approved.reference}:{applicant}:3d",
    ]
    assert set(
        Notification.objects.filter(
            dedupe_key__startswith=f"agreement.lapse_reminder:{approved.reference}:"
        ).values_list("kind", flat=True)
    ) == {"agreement_sign_reminder"}


def test_a_signed_agreement_waiting_for_countersignature_reminds_the_official(
    agreement, approved, researcher1, official1
):
    services.agreement_sign(
        agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
    )
    assert agreement.countersignature_required
    run(agreement.created_at + timedelta(days=87))
    [reminder] = Notification.objects.filter(
        dedupe_key__startswith=f"agreement.lapse_reminder:{approved.reference}:"
    )
    assert (reminder.kind, reminder.recipient_id) == (
        "agreement_countersign_reminder",
        official1.pk,
    )
    run(agreement.created_at + timedelta(days=90))
    grant = Grant.objects.get(access_request=approved)
    assert grant.status == "revoked" and "not countersigned in time" in grant.status_reason


def test_a_fully_signed_agreement_never_lapses(active_grant, agreement):
    run(agreement.created_at + timedelta(days=400))
    active_grant.refresh_from_db()
    assert active_grant.status in {"active", "expired"}  # expiry is another job's business
    assert events("grant.revoked", object_id=active_grant.reference) == []


def test_the_committee_sets_the_deadline(agreement, approved):
    grant = Grant.objects.get(access_request=approved)
    AgreementPolicy.objects.update_or_create(
        committee=grant.committee, defaults={"signature_deadline_days": 30}
    )
    run(agreement.created_at + timedelta(days=29))
    assert statuses(approved) == {"pending"}
    run(agreement.created_at + timedelta(days=30))
    assert statuses(approved) == {"revoked"}


def test_a_late_run_catches_up_and_a_second_run_does_nothing(agreement, approved):
    late = agreement.created_at + timedelta(days=120)
    first = run(late)
    second = run(late + timedelta(hours=1))
    assert approved.reference in first["lapsed"]
    assert approved.reference not in second["lapsed"]
    grant = Grant.objects.get(access_request=approved)
    assert len(events("grant.revoked", object_id=grant.reference)) == 1
    # Past the deadline no reminder is sent any more: the lapse notice says it all.
    assert reminder_keys(approved.reference) == []


def test_the_dry_run_lists_and_changes_nothing(agreement, approved):
    with time_machine.travel(agreement.created_at + timedelta(days=95), tick=False):
        result = jobs.run(JOB, now=agreement.created_at + timedelta(days=95), dry_run=True)
    assert approved.reference in result["lapsing"]
    assert statuses(approved) == {"pending"}


def test_the_chair_may_revoke_a_grant_that_is_still_pending(approved, chair1):
    """A pending grant has no period yet; revoking it (the chair's way of withdrawing an
    offer) must not need one."""
    grant = Grant.objects.get(access_request=approved)
    services.grant_revoke(grant=grant, actor=chair1, reason="Offer withdrawn.")
    grant.refresh_from_db()
    assert (grant.status, grant.starts_at, grant.ends_at) == ("revoked", None, None)
    assert len(events("grant.revoked", object_id=grant.reference)) == 1
