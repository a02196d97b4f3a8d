"""A broker that hangs (accepts connections, never answers) must not take the web down.

Each test starts a redis-server of its own and pauses it with SIGSTOP, which is what a
wedged Redis looks like from outside: TCP connections are accepted (by the kernel), and no
reply ever comes. A submission still answers at once as saved, with its messages kept in
the outbox; /readyz answers 503 naming the broker; once Redis resumes, the flush sends every
message exactly once, even when a publish that timed out landed in the queue after all.

These tests commit (the publish happens after the commit), so they are transactional, and
they run on SQLite and on PostgreSQL alike: no worker subprocess is involved.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Committee, User
from audit.models import AuditEvent
from consent.models import ConsentScope, Dataset, Study
from dac_portal import jobs
from notifications.models import Notification
from tests.faults import RedisServer, run_queued_tasks
from tests.notifications.celery_harness import celery_conf
from tests.notifications.support import sent_events, use_test_templates

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

# What a person may wait for an answer, whatever the broker does.
BUDGET_SECONDS = 3.0

_counter = itertools.count(1)


@pytest.fixture
def seeded_quiet(seeded: None) -> None:
    """The demo data, without the e-mails its seeding sent (demo requests notify)."""
    mail.outbox.clear()


@pytest.fixture
def hung_broker(redis_server: RedisServer) -> Any:
    """The Celery app publishes to the test's own Redis, which is then paused."""
    with celery_conf(task_always_eager=False, broker_url=redis_server.url):
        redis_server.pause()
        yield redis_server


def _ready_draft(researcher: User) -> Any:
    """A complete draft of `researcher` for a fresh dataset of the demo committee."""
    from access_requests import services

    n = next(_counter)
    committee = Committee.objects.get(slug="genomics-dac")
    study = Study.objects.create(accession=f"HANGS{n:05d}", title="Hang", committee=committee)
    dataset = Dataset.objects.create(
        accession=f"HANGD{n:05d}",
        study=study,
        committee=committee,
        title=f"Hang dataset {n}",
        participant_count=10,
    )
    ConsentScope.objects.create(dataset=dataset, version=1, permission="HMB")
    return services.access_request_create(
        applicant=researcher,
        data={
            "title": "Variants in hypertension",
            "lay_summary": "We look for genetic variants linked to high blood pressure.",
            "research_use_statement": "Association analysis of genotype data with phenotypes.",
            "purpose": {"hmb": True},
            "datasets": [dataset.accession],
            "attestations": {
                "no_reidentification": True,
                "no_stigmatisation": True,
                "security_measures": True,
                "publication_and_benefit_sharing": True,
            },
        },
        actor=researcher,
    )


def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_submission_while_the_broker_hangs_answers_saved_and_keeps_its_mail_in_the_outbox(
    seeded_quiet: None,
    hung_broker: RedisServer,
    api_client_for: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    researcher = User.objects.get(username="researcher1")
    draft = _ready_draft(researcher)
    client = api_client_for(researcher)

    with caplog.at_level(logging.WARNING, logger="notifications.dispatch"):
        response, elapsed = _timed(
            lambda: client.post(f"/api/v1/requests/{draft.reference}/submit/", format="json")
        )

    assert response.status_code == 200, response.content
    assert elapsed < BUDGET_SECONDS, f"the submission took {elapsed:.1f}s"
    assert response.json()["status"] == "submitted"
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert AuditEvent.objects.filter(
        action="access_request.submitted", object_id=draft.reference
    ).exists()
    # The applicant and the signing official of the institution are told, later.
    queued = Notification.objects.filter(dedupe_key__contains=draft.reference)
    assert queued.count() == 2
    assert set(queued.values_list("status", flat=True)) == {"pending"}
    assert "the broker is unreachable" in caplog.text
    assert "stays in the outbox" in caplog.text
    assert mail.outbox == []

    # Redis comes back: the next flush (beat runs it every minute) sends each message once;
    # a publish that timed out may have reached the queue after all, and is then harmless.
    hung_broker.resume()
    flushed = jobs.run("notifications.flush_outbox")
    strays = run_queued_tasks(hung_broker.url)
    assert flushed["sent"] >= 2
    assert set(strays) <= {"skipped"}
    assert set(queued.values_list("status", flat=True)) == {"sent"}
    for notification in queued:
        assert sent_events(notification.dedupe_key).count() == 1
        assert [m.subject for m in mail.outbox].count(notification.subject) == 1
    assert len(mail.outbox) == 2


def test_readyz_names_a_hung_broker_within_the_budget(
    seeded_quiet: None, hung_broker: RedisServer, client: Any
) -> None:
    response, elapsed = _timed(lambda: client.get("/readyz"))
    assert response.status_code == 503
    assert elapsed < BUDGET_SECONDS, f"/readyz took {elapsed:.1f}s"
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down: ")

    hung_broker.resume()
    assert client.get("/readyz").status_code == 200


def test_a_transaction_queueing_many_messages_waits_for_a_hung_broker_once(
    seeded_quiet: None, hung_broker: RedisServer, settings: Any
) -> None:
    use_test_templates(settings)
    from notifications.services import notification_enqueue

    users = list(User.objects.exclude(email="").order_by("username")[:6])

    def queue_all() -> None:
        with transaction.atomic():
            for user in users:
                notification_enqueue(
                    kind="test.ping",
                    recipient=user,
                    dedupe_key=f"hang:many:{user.username}",
                    context={"topic": "many"},
                )

    # The first publish meets the socket timeout; the others are left to the flush at once.
    _none, elapsed = _timed(queue_all)
    assert elapsed < 2 * settings.CELERY_BROKER_SOCKET_TIMEOUT + 0.5, f"took {elapsed:.1f}s"
    keys = [f"hang:many:{user.username}" for user in users]
    assert Notification.objects.filter(dedupe_key__in=keys, status="pending").count() == len(keys)

    hung_broker.resume()
    jobs.run("notifications.flush_outbox")
    run_queued_tasks(hung_broker.url)
    assert Notification.objects.filter(dedupe_key__in=keys, status="sent").count() == len(keys)
    assert sent_events().filter(data__dedupe_key__in=keys).count() == len(keys)
    assert len([m for m in mail.outbox if m.subject == "Ping about many"]) == len(keys)
