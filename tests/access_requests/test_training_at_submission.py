"""Training records at submission (issue 18): where a committee asks for a recent
training record, the applicant's submission is refused with the reason until one is on
file; reminders go once before it stops counting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from access_requests import services
from accounts import training
from accounts.models import Committee, TrainingRecord
from dac_portal import jobs
from dac_portal.errors import ValidationError
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def record(user: Any, days_ago: int = 30) -> TrainingRecord:
    return training.training_record_add(
        actor=user,
        kind="data_protection",
        course="Data protection for health researchers",
        provider="CITI Program",
        completed_on=timezone.localdate() - timedelta(days=days_ago),
        certificate="CITI-123456",
    )


@pytest.fixture
def strict(chair1) -> Committee:
    """The demo committee, asking for training no older than 12 months."""
    committee = Committee.objects.get(slug="genomics-dac")
    return training.committee_training_policy_set(committee=committee, months=12, actor=chair1)


def test_submission_is_refused_until_the_applicant_has_a_recent_record(
    strict, researcher2, complete_data, no_endorsement
):
    request = services.access_request_create(
        applicant=researcher2, data=complete_data(), actor=researcher2
    )
    # The demo gives researcher2 a record three years old: too old for 12 months.
    with pytest.raises(ValidationError) as refused:
        services.access_request_submit(access_request=request, actor=researcher2)
    assert refused.value.code == "training_required" and "12 months" in refused.value.message
    request.refresh_from_db()
    assert request.status == "draft"
    record(researcher2, days_ago=40)
    services.access_request_submit(access_request=request, actor=researcher2)
    request.refresh_from_db()
    assert request.status == "under_review"


def test_reminders_go_once_before_the_record_stops_counting(
    strict, researcher2, complete_data, no_endorsement
):
    record(researcher2, days_ago=340)  # counts for 12 months: about 25 days more
    request = services.access_request_create(
        applicant=researcher2, data=complete_data(), actor=researcher2
    )
    services.access_request_submit(access_request=request, actor=researcher2)
    now = timezone.now()
    jobs.run("access_requests.remind_training_expiry", now=now)
    jobs.run("access_requests.remind_training_expiry", now=now + timedelta(hours=6))
    assert Notification.objects.filter(recipient=researcher2, kind="training_expiring").count() == 1
