"""What agreements does when a lower app announces something (agreements/subscribers.py)."""

from __future__ import annotations

from typing import Any

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
