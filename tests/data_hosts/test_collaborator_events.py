"""What a data host hears of collaborators, through the real receiver: each one's own
lifecycle (`collaborator.*`), and their own `grant.revoked` when they are removed, while
the holder's grant stays as it is; a grant's move reaches every person it covered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agreements import services as agreement_services
from agreements.demo import approve_for_demo, sign_all
from agreements.models import CollaboratorAccess, Grant
from dac_portal.errors import ValidationError
from data_hosts import secrets, services
from data_hosts.models import WebhookSubscription
from tests.webhook_receiver.process import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(tmp_path: Path, settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    WebhookSubscription.objects.update(active=False)
    host = Receiver(secret=secrets.new_secret(), log=tmp_path / "seen.jsonl").start()
    try:
        yield host
    finally:
        host.stop()


def test_a_removed_collaborator_is_revoked_alone_and_a_revoked_grant_reaches_everyone(
    receiver: Receiver,
    steward1: Any,
    researcher1: Any,
    member3: Any,
    chair1: Any,
    official1: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.subscription_create(
        actor=steward1,
        url=receiver.url,
        events=["grant.activated", "grant.revoked", "collaborator.*"],
        committees=["genomics-dac"],
        secret=receiver.secret,
    )
    with django_capture_on_commit_callbacks(execute=True):
        team = approve_for_demo(
            applicant=researcher1,
            title="Team request for hosts",
            datasets=["DACD000007"],
            chair=chair1,
            official=official1,
            collaborators=[{"username": "member3"}],
        )
        sign_all(team, official1)
    grant = Grant.objects.get(access_request=team)
    kinds = [
        (r["type"], r["data"].get("role"), r["data"]["user"]) for r in receiver.seen()["records"]
    ]
    holder, collaborator = str(researcher1.public_id), str(member3.public_id)
    assert ("collaborator.invited", None, collaborator) in kinds
    assert ("collaborator.signed", None, collaborator) in kinds
    # The collaborator signed before the grant became active: the activation names both.
    assert ("grant.activated", "holder", holder) in kinds
    assert ("grant.activated", "collaborator", collaborator) in kinds

    before = receiver.seen()["distinct"]
    access = CollaboratorAccess.objects.get(access_request=team, user=member3)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.collaborator_remove(access=access, actor=researcher1, reason="Left.")
    new = receiver.seen()["records"][before:]
    assert sorted((r["type"], r["data"]["user"]) for r in new) == [
        ("collaborator.removed", collaborator),
        ("grant.revoked", collaborator),
    ]
    revoked = next(r for r in new if r["type"] == "grant.revoked")
    assert revoked["data"]["grant"] == grant.reference
    assert revoked["data"]["role"] == "collaborator" and revoked["data"]["entitled"] is False
    grant.refresh_from_db()
    assert grant.status == "active"  # the holder keeps theirs

    before = receiver.seen()["distinct"]
    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.grant_revoke(grant=grant, actor=chair1, reason="Breach.")
    new = receiver.seen()["records"][before:]
    # Only the holder is left on the grant: member3 is not told twice.
    assert [(r["type"], r["data"]["user"]) for r in new] == [("grant.revoked", holder)]
    assert receiver.seen()["duplicates"] == 0


def test_collaborator_events_may_be_named_one_by_one_or_all_at_once(steward1: Any) -> None:
    subscription, _secret = services.subscription_create(
        actor=steward1,
        url="https://8.8.8.8/hooks",
        events=["collaborator.*"],
        committees=["genomics-dac"],
    )
    assert subscription.events == [
        "collaborator.invited",
        "collaborator.joined",
        "collaborator.left",
        "collaborator.removed",
        "collaborator.signed",
    ]
    with pytest.raises(ValidationError):
        services.subscription_create(
            actor=steward1,
            url="https://8.8.8.8/hooks",
            events=["collaborator.maybe"],
            committees=["genomics-dac"],
        )
