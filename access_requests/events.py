"""The facts access_requests announces to the apps above it, and the ones it wants to hear
from them (dac_portal/events.py). Events are published inside the publisher's
transaction; the model instances they carry are valid there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from access_requests.models import AccessRequest, EthicsApproval
from dac_portal.events import DomainEvent


@dataclass(frozen=True)
class DatasetsApproved(DomainEvent):
    """A committee approved at least one dataset of the request (it may now be `approved`,
    or still waiting for another committee). Published by the decision service in its
    transaction, after the per-dataset decisions are recorded; whoever keeps grants
    prepares them (agreements), and a failure there undoes the decision."""

    access_request: AccessRequest
    # The deciding chair (None for setup code).
    actor: Any


@dataclass(frozen=True)
class AllGrantsEnded(DomainEvent):
    """Every grant made on an approved request has ended (expired, revoked or closed).
    access_requests cannot read grants (they live above it), so the app that keeps them
    publishes this, in its transaction; access_requests closes the request."""

    access_request: AccessRequest
    # The grant statuses that ended it, for the audit event.
    grant_statuses: tuple[str, ...]
    actor: Any
    # The system actor's name when `actor` is None (the job or service that noticed).
    system: str


@dataclass(frozen=True)
class RequestDecided(DomainEvent):
    """A committee recorded its decision on its datasets of the request (the request may
    still wait for another committee). Published in the decision's transaction, after its
    audit event; data hosts' subscriptions are queued from it (data_hosts)."""

    access_request: AccessRequest
    committee_ids: tuple[int, ...]
    # accession → "approved" / "rejected", for this committee's datasets.
    decisions: dict[str, str]


@dataclass(frozen=True)
class RequestWithdrawn(DomainEvent):
    """The applicant withdrew the request. Published by the withdrawal service in its
    transaction; the review ends what hung on the request's review (its outside
    reviewers' access), and a failure there undoes the withdrawal."""

    access_request: AccessRequest
    actor: Any


@dataclass(frozen=True)
class EthicsApprovalFiled(DomainEvent):
    """The applicant filed an ethics approval on the request. Published in the filing's
    transaction; whoever keeps grants reinstates those suspended because the last approval
    had lapsed (agreements)."""

    access_request: AccessRequest
    approval: EthicsApproval
    actor: Any
