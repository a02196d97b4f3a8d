"""Data host figures (issue 16):

1. webhook deliveries per second through the outbox (rows queued by `services.queue`,
   sent by the flush job: claim, sign, POST, record, audit) divided by a plain
   `requests.post` loop of the same signed bodies to the same receiver process
   (tests/webhook_receiver, a separate process on loopback). Target >= 0.5.
2. the changes feed: SQL queries of one page of `GET /api/v1/entitlements/changes/` at 10k
   and at 1M changes (target: equal), with each page's p95. The rows are loaded with COPY
   on PostgreSQL (bulk_create on SQLite, where the 1M step is skipped).
3. collaborators as people: `GET /api/v1/entitlements/` (every active grant with the users
   it covers) before and after each active grant's request gains 50 signed collaborators:
   queries per page (target: equal, the collaborators come in one prefetch) and the p95
   with them over the p95 without.
"""

from __future__ import annotations

import io
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench.harness import Bench, Figure, p95, queries_of, section

DELIVERIES = 300
FEED_SIZES = (10_000, 1_000_000)
PAGE_ROUNDS = 40


def _delivery_rates(bench: Bench) -> Figure:
    import requests
    from django.test.utils import override_settings
    from django.utils import timezone

    from accounts.models import User
    from data_hosts import secrets, sending, services
    from data_hosts.models import WebhookDelivery
    from tests.webhook_receiver.process import Receiver

    with tempfile.TemporaryDirectory() as folder:
        receiver = Receiver(secret=secrets.new_secret(), log=Path(folder) / "seen.jsonl").start()
        with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True):
            admin = User.objects.get(username="admin")
            subscription, _ = services.subscription_create(
                actor=admin, url=receiver.url, events=["grant.revoked"], secret=receiver.secret
            )
            now = timezone.now()
            events = [
                services.Event("grant.revoked", None, {"grant": f"bench-{i}", "entitled": False})
                for i in range(DELIVERIES)
            ]
            ids = services.queue(events, now)
            start = time.perf_counter()
            outcome = services.deliveries_flush(timezone.now(), dry_run=False)
            outbox_seconds = time.perf_counter() - start
            if outcome.get("delivered") != DELIVERIES:
                raise RuntimeError(f"the outbox delivered {outcome}")
            bodies = list(
                WebhookDelivery.objects.filter(pk__in=ids).values_list("message_id", "payload")
            )
            start = time.perf_counter()
            for message_id, payload in bodies:
                body = sending.body_of(payload)
                requests.post(
                    receiver.url,
                    data=body.encode(),
                    headers=sending.signed_headers(
                        receiver.secret, f"{message_id}-plain", timezone.now(), body
                    ),
                    timeout=10,
                )
            plain_seconds = time.perf_counter() - start
            services.subscription_delete(subscription=subscription, actor=admin)
        receiver.stop()
    outbox_rate = DELIVERIES / outbox_seconds
    plain_rate = DELIVERIES / plain_seconds
    return Figure(
        "webhook deliveries/s through the outbox (lease, sign, POST, record; in order per host)",
        outbox_rate,
        "deliveries/s",
        floor=plain_rate,
        target=0.5,
        extra={"deliveries": DELIVERIES, "floor_is": "a plain requests.post loop, same receiver"},
    )


def _load_changes(total: int) -> None:
    """Fill the feed up to `total` rows (COPY on PostgreSQL)."""
    from django.db import connection

    from data_hosts.models import EntitlementChange

    have = EntitlementChange.objects.count()
    missing = total - have
    if missing <= 0:
        return
    user = uuid.uuid4()
    if connection.vendor != "postgresql":
        EntitlementChange.objects.bulk_create(
            [
                EntitlementChange(
                    grant_reference=f"GR{i:012d}"[:14],
                    user_public_id=user,
                    dataset_accession="DACD000001",
                    committee_id=1,
                    status="active",
                    entitled=True,
                )
                for i in range(missing)
            ],
            batch_size=5000,
        )
        return
    table = EntitlementChange._meta.db_table
    columns = (
        "grant_reference, user_public_id, dataset_accession, committee_id, status, entitled, "
        "occurred_at"
    )
    batch = 100_000
    with connection.cursor() as cursor:
        for offset in range(0, missing, batch):
            rows = io.StringIO()
            for i in range(offset, min(offset + batch, missing)):
                rows.write(
                    f"GR{i % 10**12:012d}\t{user}\tDACD000001\t1\tactive\tt\t2026-01-01T00:00:00Z\n"
                )
            rows.seek(0)
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", rows)


def _feed_page(client: Any, token: str) -> tuple[int, float]:
    from data_hosts.models import EntitlementChange

    last = EntitlementChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    path = f"/api/v1/entitlements/changes/?after={max(last - 150, 0)}"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.get(path, **auth)
    answers: list[Any] = []
    queries = queries_of(lambda: answers.append(client.get(path, **auth)))
    response = answers[0]
    if response.status_code != 200 or len(response.json()["results"]) != 100:
        raise RuntimeError(f"the feed answered {response.status_code}")
    timings = []
    for _ in range(PAGE_ROUNDS):
        start = time.perf_counter()
        client.get(path, **auth)
        timings.append((time.perf_counter() - start) * 1000)
    return queries, p95(timings)


def _data_host_token() -> str:
    """A data host's service account reads the feed (no second factor: not privileged)."""
    from accounts.models import User
    from accounts.services import api_token_create, user_create

    host = User.objects.filter(username="bench-data-host").first() or user_create(
        username="bench-data-host",
        email="host@example.org",
        password=None,
        is_service_account=True,
        actor=None,
    )
    _token, raw = api_token_create(user=host, name="bench", days=1, actor=host, read_only=True)
    return raw


COLLABORATORS_PER_REQUEST = 50


def _entitlements_page(client: Any, token: str) -> tuple[int, float, int]:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.get("/api/v1/entitlements/", **auth)
    answers: list[Any] = []
    queries = queries_of(lambda: answers.append(client.get("/api/v1/entitlements/", **auth)))
    if answers[0].status_code != 200:
        raise RuntimeError(f"the entitlements answered {answers[0].status_code}")
    people = sum(len(row["users"]) for row in answers[0].json()["results"])
    timings = []
    for _ in range(PAGE_ROUNDS):
        start = time.perf_counter()
        client.get("/api/v1/entitlements/", **auth)
        timings.append((time.perf_counter() - start) * 1000)
    return queries, p95(timings), people


def _add_signed_collaborators() -> None:
    """Bench data, loaded in bulk: each active grant's request gains signed collaborators
    with accounts of their own (the services would take minutes for thousands)."""
    from django.utils import timezone

    from access_requests.models import Collaborator
    from accounts.models import User
    from agreements.models import Agreement, CollaboratorAccess, Grant

    requests = sorted(
        set(Grant.objects.filter(status="active").values_list("access_request_id", flat=True))
    )
    now = timezone.now()
    for request_id in requests:
        digest = Agreement.objects.get(access_request_id=request_id).text_sha256
        tag = uuid.uuid4().hex[:8]
        users = User.objects.bulk_create(
            User(username=f"bench-collab-{tag}-{i}", email=f"c{i}-{tag}@example.org")
            for i in range(COLLABORATORS_PER_REQUEST)
        )
        listed = Collaborator.objects.bulk_create(
            Collaborator(
                access_request_id=request_id, user=u, username=u.username, position=100 + i
            )
            for i, u in enumerate(users)
        )
        CollaboratorAccess.objects.bulk_create(
            CollaboratorAccess(
                access_request_id=request_id,
                collaborator=c,
                user=c.user,
                status="signed",
                signed_at=now,
                signed_text_sha256=digest,
            )
            for c in listed
        )


def _collaborator_entitlements(client: Any, token: str) -> Figure:
    before = _entitlements_page(client, token)
    _add_signed_collaborators()
    after = _entitlements_page(client, token)
    return Figure(
        "GET /api/v1/entitlements/ p95 with 50 signed collaborators per request "
        "(queries equal with and without)",
        after[1],
        "ms",
        floor=before[1],
        higher_is_better=False,
        extra={
            "queries_without": before[0],
            "queries_with": after[0],
            "people_without": before[2],
            "people_with": after[2],
            "floor_is": "the same page's p95 before the collaborators",
        },
    )


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection
    from django.test import Client

    with section("webhook deliveries"):
        yield _delivery_rates(bench)
    client = Client()
    token = _data_host_token()
    measured: dict[int, tuple[int, float]] = {}
    for size in FEED_SIZES:
        if size > 10_000 and connection.vendor != "postgresql":
            break
        with section(f"changes feed: load {size}"):
            _load_changes(size)
        measured[size] = _feed_page(client, token)
    small, large = measured[FEED_SIZES[0]], measured.get(FEED_SIZES[-1])
    yield Figure(
        "GET /api/v1/entitlements/changes/ page p95 at 1M changes (queries equal at 10k and 1M)",
        (large or small)[1],
        "ms",
        floor=small[1],
        higher_is_better=False,
        extra={
            "queries_at_10k": small[0],
            "queries_at_1m": large[0] if large else None,
            "floor_is": "the same page's p95 at 10k changes",
        },
    )
    with section("entitlements with collaborators"):
        yield _collaborator_entitlements(client, token)
