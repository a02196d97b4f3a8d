"""Audit actions are registered by the app that records them, each with words for readers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from audit import registry
from audit.models import AuditEvent
from audit.services import audit_record


def test_each_app_registers_the_actions_it_records() -> None:
    owners = {action.app for action in registry.registered().values()}
    assert owners == {
        "accounts",
        "audit",
        "consent",
        "access_requests",
        "agreements",
        "notifications",
        "data_hosts",
    }
    assert registry.registered()["grant.revoked"].app == "agreements"
    assert registry.registered()["access_request.decided"].app == "access_requests"


@pytest.mark.django_db
def test_every_event_of_the_demo_reads_in_words(seeded: None) -> None:
    codes = set(AuditEvent.objects.values_list("action", flat=True).distinct())
    assert codes, "the demo recorded nothing"
    assert codes <= set(registry.registered())
    for event in AuditEvent.objects.all()[:2000]:
        label = registry.label_for(event.action)
        assert label and label != event.action
        registry.describe(event.action, event.data)  # never raises


def test_a_payload_reads_as_a_sentence() -> None:
    decided = {
        "old_status": "under_review",
        "new_status": "approved",
        "decisions": {"DACD000003": {"decision": "approved"}},
    }
    assert registry.describe("access_request.decided", decided) == (
        "DACD000003: approved; from under review to approved"
    )
    assert registry.describe(
        "grant.revoked", {"from": "active", "to": "revoked", "reason": "x"}
    ) == ("from active to revoked; reason: x")


@pytest.mark.parametrize("data", [None, [], "text", {"decisions": "not a dict"}, {"votes": 3}])
def test_an_odd_or_old_payload_never_breaks_the_page(data: Any) -> None:
    assert isinstance(registry.describe("access_request.decided", data), str)
    assert isinstance(registry.describe("access_request.vote_cast", data), str)


def test_an_unknown_code_is_shown_as_stored() -> None:
    assert registry.label_for("retired.action") == "retired.action"
    assert registry.describe("retired.action", {"a": 1}) == ""


def test_labels_follow_the_readers_language() -> None:
    with translation.override("fr"):
        french = registry.label_for("grant.revoked")
    assert french != registry.label_for("grant.revoked")


@pytest.mark.django_db
def test_an_unregistered_code_never_reaches_the_log() -> None:
    with pytest.raises(ValueError, match="not a registered audit action"), transaction.atomic():
        audit_record(actor=None, system="tests", action="grant.revokd")
    assert not AuditEvent.objects.filter(action="grant.revokd").exists()


def test_one_code_belongs_to_one_app() -> None:
    from django.db import models

    class Stolen(models.TextChoices):
        GRANT_REVOKED = "grant.revoked", "Grant revoked"

    with pytest.raises(ValueError, match="already registered by agreements"):
        registry.register(Stolen, app="consent")
