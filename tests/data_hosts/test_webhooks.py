"""Webhooks to data hosts, against a real HTTP receiver in a process of its own
(tests/webhook_receiver): signed deliveries from the outbox, retried while the host is
down or crashes mid-request, each event arriving once by its id; a subscription limited
to one committee hears nothing of another's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from agreements.models import CollaboratorAccess, Grant
from agreements.services.collaborators import collaborator_leave
from agreements.services.oversight import grant_revoke, grant_suspend
from audit.models import AuditEvent
from data_hosts import secrets, services
from data_hosts.models import EntitlementChange, WebhookDelivery, WebhookSubscription
from tests.webhook_receiver.process import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(tmp_path: Path, settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on loopback
    # The demo's own data host (steward1's subscription) is paused: each test counts what
    # its receiver alone is sent.
    WebhookSubscription.objects.update(active=False)
    holders_only()
    host = Receiver(secret=secrets.new_secret(), log=tmp_path / "seen.jsonl").start()
    try:
        yield host
    finally:
        host.stop()


def holders_only() -> None:
    """The demo's collaborators leave first, before any subscription hears it: these tests
    count one event per grant move, the holder's (a move's event for each collaborator is
    tests/data_hosts/test_collaborator_events.py)."""
    for access in CollaboratorAccess.objects.filter(status="signed").select_related("user"):
        collaborator_leave(access=access, actor=access.user)


def subscribe(receiver: Receiver, actor: Any, committees: list[str], events: list[str]) -> Any:
    subscription, _secret = services.subscription_create(
        actor=actor, url=receiver.url, events=events, committees=committees, secret=receiver.secret
    )
    return subscription


def active_grant(committee: str) -> Grant:
    grant = Grant.objects.filter(status="active", committee__slug=committee).first()
    assert grant is not None, f"the demo data has an active grant of {committee}"
    return grant


def flush_later(minutes: int = 90) -> dict[str, Any]:
    return services.deliveries_flush(timezone.now() + timedelta(minutes=minutes), dry_run=False)


def test_a_revocation_reaches_the_host_signed_and_once(
    receiver: Receiver, steward1: Any, chair1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(receiver, steward1, ["genomics-dac"], ["grant.revoked"])
    grant = active_grant("genomics-dac")

    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=grant, actor=chair1, reason="Data used outside the approved purpose.")

    seen = receiver.seen()
    assert seen["distinct"] == 1 and seen["duplicates"] == 0
    [record] = seen["records"]
    assert record["type"] == "grant.revoked"
    assert record["data"]["grant"] == grant.reference
    assert record["data"]["user"] == str(grant.holder.public_id)
    assert record["data"]["entitled"] is False
    delivery = WebhookDelivery.objects.get(message_id=record["id"])
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.tries.get().status_code == 204
    assert flush_later() == {}  # nothing is due any more: no second send


def test_while_the_host_is_down_deliveries_wait_and_arrive_once_it_is_back(
    receiver: Receiver, steward1: Any, chair1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(receiver, steward1, ["genomics-dac"], ["grant.suspended", "grant.revoked"])
    grant = active_grant("genomics-dac")
    receiver.stop()

    with django_capture_on_commit_callbacks(execute=True):
        grant_suspend(grant=grant, actor=chair1, reason="Progress report missing.")
    grant.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=grant, actor=chair1, reason="No report after the grace period.")

    waiting = WebhookDelivery.objects.filter(status="pending")
    assert waiting.count() == 2
    assert all(d.attempts == 1 and d.last_status_code is None for d in waiting)
    assert flush_later(minutes=0) == {}  # not due yet: the backoff holds them

    receiver.start()  # the same port: the subscription's URL is unchanged
    assert flush_later() == {"delivered": 2}
    assert flush_later(minutes=600) == {}

    seen = receiver.seen()
    assert seen["distinct"] == 2 and seen["duplicates"] == 0
    assert [r["type"] for r in seen["records"]] == ["grant.suspended", "grant.revoked"]


def test_a_host_that_crashes_mid_request_gets_the_event_again_not_lost(
    receiver: Receiver, steward1: Any, chair1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mine = subscribe(receiver, steward1, ["genomics-dac"], ["grant.revoked"])
    receiver.die_on_next_delivery()

    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=active_grant("genomics-dac"), actor=chair1, reason="Breach.")

    delivery = mine.deliveries.get()
    assert delivery.status == "pending" and delivery.last_error
    receiver.stop()
    receiver.start()
    assert flush_later() == {"delivered": 1}
    seen = receiver.seen()
    assert seen["distinct"] == 1 and seen["records"][0]["id"] == delivery.message_id


def test_a_subscription_of_one_committee_hears_nothing_of_another(
    receiver: Receiver, steward2: Any, chair1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    theirs = subscribe(receiver, steward2, ["rare-registry-dac"], ["grant.revoked"])

    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=active_grant("genomics-dac"), actor=chair1, reason="Breach.")

    assert not theirs.deliveries.exists()
    assert receiver.seen()["distinct"] == 0


def test_a_host_that_keeps_failing_is_given_up_after_a_day_and_shown_as_failed(
    receiver: Receiver, steward1: Any, chair1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mine = subscribe(receiver, steward1, ["genomics-dac"], ["grant.revoked"])
    receiver.stop()
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=active_grant("genomics-dac"), actor=chair1, reason="Breach.")

    later = timezone.now()
    for hours in (1, 6, 12, 25, 27):
        services.deliveries_flush(later + timedelta(hours=hours), dry_run=False)
        mine.deliveries.update(created_at=timezone.now() - timedelta(hours=hours))

    delivery = mine.deliveries.get()
    assert delivery.status == "failed"
    assert delivery.tries.count() == delivery.attempts >= 3
    assert AuditEvent.objects.filter(action="webhook.failed").exists()


def test_every_grant_move_enters_the_changes_feed_in_order(chair1: Any) -> None:
    holders_only()
    grant = active_grant("genomics-dac")
    before = EntitlementChange.objects.count()

    grant_suspend(grant=grant, actor=chair1, reason="Progress report missing.")
    grant.refresh_from_db()
    grant_revoke(grant=grant, actor=chair1, reason="No report.")

    changes = list(EntitlementChange.objects.order_by("pk")[before:])
    assert [(c.grant_reference, c.status, c.entitled) for c in changes] == [
        (grant.reference, "suspended", False),
        (grant.reference, "revoked", False),
    ]
