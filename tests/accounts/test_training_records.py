"""Training records (issue 18): a committee may require a data-protection or research-ethics
training no older than N months; the applicant's submission is refused with the reason
until one is on file, and a collaborator signs only with theirs; reminders before it stops
counting. The records are the person's own, audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import training
from accounts.models import Committee, TrainingRecord
from audit.models import AuditEvent
from dac_portal.errors import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def record(user: Any, days_ago: int = 30, **overrides: Any) -> TrainingRecord:
    fields: dict[str, Any] = {
        "kind": "data_protection",
        "course": "Data protection for health researchers",
        "provider": "CITI Program",
        "completed_on": timezone.localdate() - timedelta(days=days_ago),
        "certificate": "CITI-123456",
        **overrides,
    }
    return training.training_record_add(actor=user, **fields)


@pytest.fixture
def strict(chair1) -> Committee:
    """The demo committee, asking for training no older than 12 months."""
    committee = Committee.objects.get(slug="genomics-dac")
    return training.committee_training_policy_set(committee=committee, months=12, actor=chair1)


def test_months_before_keeps_the_day_or_the_months_last():
    assert training.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert training.months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)
    assert training.months_before(date(2024, 3, 30), 1) == date(2024, 2, 29)


def test_a_record_is_the_persons_own_and_audited(researcher2):
    made = record(researcher2)
    event = AuditEvent.objects.get(action="training_record.added", object_id=str(made.public_id))
    assert event.actor == researcher2 and event.data["course"] == made.course


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "karate"},
        {"course": ""},
        {"certificate": "x" * 301},
        {"completed_on": timezone.localdate() + timedelta(days=1)},
        {"completed_on": "2026-01-01"},
    ],
)
def test_a_bad_record_is_refused_and_nothing_is_written(researcher2, bad):
    before = TrainingRecord.objects.count()
    with pytest.raises(ValidationError):
        record(researcher2, **bad)
    assert TrainingRecord.objects.count() == before


def test_only_a_chair_sets_the_committees_requirement(member1, chair1):
    committee = Committee.objects.get(slug="genomics-dac")
    updates = AuditEvent.objects.filter(action="committee.updated", object_id="genomics-dac")
    before = updates.count()  # the demo's own settings
    with pytest.raises(PermissionDenied):
        training.committee_training_policy_set(committee=committee, months=12, actor=member1)
    with pytest.raises(ValidationError):
        training.committee_training_policy_set(committee=committee, months=0, actor=chair1)
    assert updates.count() == before
    assert Committee.objects.get(slug="genomics-dac").training_required_months is None


# -- the page and REST ----------------------------------------------------------------------


def test_the_training_page_lists_and_adds_records(client, researcher2):
    client.force_login(researcher2)
    page = client.get("/accounts/training/")
    assert page.status_code == 200 and "Biomedical research ethics" in page.content.decode()
    assert client.post("/accounts/training/", {"kind": "data_protection"}).status_code == 400
    done = client.post(
        "/accounts/training/",
        {
            "kind": "data_protection",
            "course": "GDPR essentials",
            "provider": "ELIXIR",
            "completed_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
            "certificate": "https://training.example.org/c/42",
        },
    )
    assert done.status_code == 302
    assert "GDPR essentials" in client.get("/accounts/training/").content.decode()


def test_the_chair_sets_the_requirement_on_the_members_page(client, chair1):
    client.force_login(chair1)
    url = "/committees/genomics-dac/members/training/"
    assert client.post(url, {"training_required_months": "0"}).status_code == 400
    assert client.post(url, {"training_required_months": "18"}).status_code == 302
    assert Committee.objects.get(slug="genomics-dac").training_required_months == 18
    assert "no older than 18 months" in client.get("/committees/genomics-dac/").content.decode()


def test_rest_lists_and_adds_records(api_client_for, researcher2):
    api = api_client_for(researcher2)
    url = "/api/v1/me/training-records/"
    assert [r["course"] for r in api.get(url).json()] == ["Biomedical research ethics"]
    bad = api.post(url, {"kind": "data_protection", "completed_on": "2026-02-30"}, format="json")
    assert bad.status_code == 400
    made = api.post(
        url,
        {
            "kind": "research_ethics",
            "course": "Research ethics",
            "provider": "TRREE",
            "completed_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "certificate": "TRREE-9",
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["provider"] == "TRREE"
