"""Domain events: how an app tells the apps above it that something happened, without
importing them (docs/architecture.md, "Layers" and "Events between apps").

An event is a small frozen dataclass deriving from `DomainEvent`, defined by the app that
owns the fact, or, when an upper app must tell a lower one, by the lower app that listens
(the lower app cannot import the upper one, so it publishes the contract it wants to hear;
the upper app publishes it). An app subscribes in its `subscribers.py`; that module is
imported, for every installed app, before the first event is published, the way Django's
admin finds `admin.py`.

Each subscription says when it runs:
- IN_TRANSACTION: now, inside the publisher's transaction. Use it when the subscriber's
  change must stand or fall with the publisher's (grants prepared with an approval): an
  error rolls back both, and the caller sees it.
- ON_COMMIT: after the publisher's transaction commits, each in its own transaction, and
  an error there is logged and does not undo the publisher's change (`robust`). Use it for
  effects a periodic job also catches up with (propagating a consent withdrawal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from django.db import transaction

from dac_portal.discovery import discover_once


class DomainEvent:
    """Base of every domain event (subclasses are frozen dataclasses)."""


class Delivery(StrEnum):
    IN_TRANSACTION = "in_transaction"
    ON_COMMIT = "on_commit"


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Subscription:
    event_type: type[DomainEvent]
    handler: Handler
    delivery: Delivery

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_subscriptions: list[Subscription] = []


def subscribe(
    event_type: type[E], *, delivery: Delivery = Delivery.IN_TRANSACTION
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Decorator: call the function with every published `event_type` (or subclass)."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        subscription = Subscription(event_type, handler, Delivery(delivery))
        if any(s.name == subscription.name and s.event_type is event_type for s in _subscriptions):
            raise ValueError(f"{subscription.name} already subscribes to {event_type.__name__}.")
        _subscriptions.append(subscription)
        return handler

    return register


def discover() -> None:
    """Import every installed app's subscribers.py once (idempotent, thread-safe)."""
    discover_once("subscribers")


def subscriptions_to(event_type: type[DomainEvent]) -> list[Subscription]:
    discover()
    return [s for s in _subscriptions if issubclass(event_type, s.event_type)]


def publish(event: DomainEvent) -> None:
    """Hand `event` to its subscribers, in subscription order. In-transaction handlers run
    now and their errors propagate; on-commit handlers run once the current transaction
    commits (at once when there is none)."""
    for subscription in subscriptions_to(type(event)):
        if subscription.delivery is Delivery.IN_TRANSACTION:
            subscription.handler(event)
        else:
            transaction.on_commit(_after_commit(subscription, event), robust=True)


def _after_commit(subscription: Subscription, event: DomainEvent) -> Callable[[], None]:
    # `robust` on_commit logs an error here and goes on: the publisher's change stands and
    # the subscriber's periodic job catches up.
    def run() -> None:
        with transaction.atomic():
            subscription.handler(event)

    return run
