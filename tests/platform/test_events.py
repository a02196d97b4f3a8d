"""Domain events reach their subscribers in the publisher's transaction or after its commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from dac_portal import events


@dataclass(frozen=True)
class SomethingHappened(events.DomainEvent):
    what: str


@dataclass(frozen=True)
class SomethingMoreHappened(SomethingHappened):
    pass


@pytest.fixture
def isolated_subscriptions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The test's own subscriptions, beside the apps' (discovered first, so none leak)."""
    events.discover()
    monkeypatch.setattr(events, "_subscriptions", list(events._subscriptions))
    yield []


def test_an_in_transaction_subscriber_runs_at_once(isolated_subscriptions: list[str]) -> None:
    @events.subscribe(SomethingHappened)
    def note(event: SomethingHappened) -> None:
        isolated_subscriptions.append(event.what)

    events.publish(SomethingHappened("approved"))
    assert isolated_subscriptions == ["approved"]


def test_a_subscriber_hears_the_subclasses_of_its_event(isolated_subscriptions: list[str]) -> None:
    @events.subscribe(SomethingHappened)
    def note(event: SomethingHappened) -> None:
        isolated_subscriptions.append(type(event).__name__)

    events.publish(SomethingMoreHappened("x"))
    assert isolated_subscriptions == ["SomethingMoreHappened"]


@pytest.mark.django_db(transaction=True)
def test_an_error_in_an_in_transaction_subscriber_rolls_back_the_publisher(
    isolated_subscriptions: list[str],
) -> None:
    @events.subscribe(SomethingHappened)
    def refuse(event: SomethingHappened) -> None:
        raise RuntimeError("the subscriber refuses")

    with pytest.raises(RuntimeError), transaction.atomic():
        Group.objects.create(name="written by the publisher")
        events.publish(SomethingHappened("x"))
    assert not Group.objects.filter(name="written by the publisher").exists()


@pytest.mark.django_db(transaction=True)
def test_an_on_commit_subscriber_waits_for_the_commit(isolated_subscriptions: list[str]) -> None:
    @events.subscribe(SomethingHappened, delivery=events.Delivery.ON_COMMIT)
    def note(event: SomethingHappened) -> None:
        isolated_subscriptions.append(event.what)

    with transaction.atomic():
        events.publish(SomethingHappened("withdrawn"))
        assert isolated_subscriptions == []
    assert isolated_subscriptions == ["withdrawn"]


@pytest.mark.django_db(transaction=True)
def test_an_on_commit_subscriber_is_not_called_when_the_publisher_rolls_back(
    isolated_subscriptions: list[str],
) -> None:
    @events.subscribe(SomethingHappened, delivery=events.Delivery.ON_COMMIT)
    def note(event: SomethingHappened) -> None:
        isolated_subscriptions.append(event.what)

    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(SomethingHappened("withdrawn"))
        raise RuntimeError("the publisher fails after publishing")
    assert isolated_subscriptions == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_on_commit_subscriber_leaves_the_publisher_committed_and_the_others_running(
    isolated_subscriptions: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    @events.subscribe(SomethingHappened, delivery=events.Delivery.ON_COMMIT)
    def fail(event: SomethingHappened) -> None:
        raise RuntimeError("mail server down")

    @events.subscribe(SomethingHappened, delivery=events.Delivery.ON_COMMIT)
    def note(event: SomethingHappened) -> None:
        isolated_subscriptions.append(event.what)

    with transaction.atomic():
        events.publish(SomethingHappened("withdrawn"))
    assert isolated_subscriptions == ["withdrawn"]
    assert "mail server down" in caplog.text


def test_one_handler_subscribes_once(isolated_subscriptions: list[str]) -> None:
    def note(event: SomethingHappened) -> None:
        pass

    events.subscribe(SomethingHappened)(note)
    with pytest.raises(ValueError, match="already subscribes"):
        events.subscribe(SomethingHappened)(note)
