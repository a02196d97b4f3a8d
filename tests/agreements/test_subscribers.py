"""What agreements does when a lower app announces something (agreements/subscribers.py)."""

from __future__ import annotations

from typing import Any

from access_requests import standing
from agreements import services
from agreements.models import Grant, WithdrawalNotice
from consent.services import consent_withdrawal_record
from tests.agreements.conftest import events


def test_holders_hear_of_a_consent_withdrawal_once_it_is_committed_without_waiting_for_the_job(
    active_grant: Grant, steward1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = consent_withdrawal_record(
            dataset=active_grant.dataset, participant_count=1, actor=steward1
        )
        assert not WithdrawalNotice.objects.filter(withdrawal=withdrawal).exists()
    withdrawal.refresh_from_db()
    assert withdrawal.propagated_at is not None
    assert WithdrawalNotice.objects.filter(withdrawal=withdrawal, grant=active_grant).exists()
    assert len(events("consent.withdrawal_propagated")) == 1


def test_an_active_sanction_is_a_restriction_on_the_applicant_that_access_requests_can_read(
    researcher1: Any, chair1: Any
) -> None:
    assert standing.restriction_for(researcher1) is None
    services.sanction_impose(actor=chair1, user=researcher1, reason="Late reports")
    restriction = standing.restriction_for(researcher1)
    assert restriction is not None
    assert restriction.reason == "Late reports"
    assert restriction.message.startswith("You are under a sanction")
