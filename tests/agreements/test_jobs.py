"""The periodic jobs of agreements, with time-machine: expiry at the boundary, reminders
once each, catch-up after days without a run, idempotent re-runs, progress reports and
withdrawal reminders; and two workers at once on PostgreSQL sending nothing twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.jobs import grants_expire_sweep
from agreements.models import Grant, WithdrawalNotice
from dac_portal import jobs
from notifications.models import Notification
from tests.agreements.bulk import make_active_grants
from tests.agreements.conftest import events


def run(name: str, now):  # type: ignore[no-untyped-def]
    with time_machine.travel(now, tick=False):
        return jobs.run(name, now=now)


def reminders(grant: Grant) -> list[str]:
    return sorted(
        Notification.objects.filter(
            kind="grant_expiry_reminder", dedupe_key__contains=grant.reference
        ).values_list("dedupe_key", flat=True)
    )


def expired_in(reference: str) -> int:
    return len(events("grant.expired", object_id=reference))


@pytest.mark.django_db
def test_a_grant_expires_exactly_at_its_end(active_grant):
    end = active_grant.ends_at
    run("agreements.expire_grants", end - timedelta(seconds=1))
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    result = run("agreements.expire_grants", end)
    active_grant.refresh_from_db()
    assert active_grant.status == "expired"
    assert active_grant.reference in result["grants"]
    assert expired_in(active_grant.reference) == 1
    # The holder and the collaborator who signed (member3) are each told once.
    told = Notification.objects.filter(
        kind="grant_expired", dedupe_key__startswith=f"grant.expired:{active_grant.reference}:"
    )
    assert sorted(n.recipient.username for n in told) == ["member3", "researcher1"]
    # Its only grant ended: the request is closed, through the request workflow.
    active_grant.access_request.refresh_from_db()
    assert active_grant.access_request.status == "closed"
    assert events("access_request.closed", object_id=active_grant.access_request.reference)


@pytest.mark.django_db
def test_expiry_reminders_go_30_7_and_1_days_ahead_once_each(active_grant):
    end = active_grant.ends_at
    for days_before in (45, 30, 29, 7, 7, 3, 1, 0.5):
        run("agreements.remind_expiry", end - timedelta(days=days_before))
    keys = reminders(active_grant)
    assert [k.rsplit(":", 1)[1] for k in keys] == ["1d", "30d", "7d"]


@pytest.mark.django_db
def test_a_run_after_days_of_downtime_catches_up_with_the_reminder_that_fits(active_grant):
    end = active_grant.ends_at
    run("agreements.remind_expiry", end - timedelta(days=40))
    assert reminders(active_grant) == []
    # Nothing ran for 35 days: the next run sends the 7-day reminder, not the stale 30-day one.
    run("agreements.remind_expiry", end - timedelta(days=5))
    assert [k.rsplit(":", 1)[1] for k in reminders(active_grant)] == ["7d"]
    # And the expiry itself, three days late, still happens once.
    run("agreements.expire_grants", end + timedelta(days=3))
    run("agreements.expire_grants", end + timedelta(days=3, hours=1))
    active_grant.refresh_from_db()
    assert active_grant.status == "expired"
    assert expired_in(active_grant.reference) == 1


@pytest.mark.django_db
def test_run_jobs_twice_sends_nothing_twice(active_grant):
    at = (active_grant.ends_at - timedelta(days=7)).isoformat()
    call_command("run_jobs", "--at", at, stdout=StringIO())
    sent = len(mail.outbox)
    notifications = Notification.objects.count()
    audit = events("notification.sent")
    call_command("run_jobs", "--at", at, stdout=StringIO())
    assert len(mail.outbox) == sent
    assert Notification.objects.count() == notifications
    assert len(events("notification.sent")) == len(audit)
    assert [k.rsplit(":", 1)[1] for k in reminders(active_grant)] == ["7d"]


@pytest.mark.django_db
def test_a_dry_run_changes_nothing(active_grant):
    at = (active_grant.ends_at + timedelta(days=1)).isoformat()
    before = Notification.objects.count()
    call_command("run_jobs", "--at", at, "--dry-run", stdout=StringIO())
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    assert Notification.objects.count() == before


@pytest.mark.django_db
def test_the_sweep_query_count_does_not_depend_on_the_number_of_grants(researcher2):
    from consent.models import Dataset

    dataset = Dataset.objects.get(accession="DACD000001")
    # A first sweep fills the process's lazy caches (content types and the like), so the
    # two measured sweeps differ only in the number of grants.
    grants_expire_sweep(datetime.fromisoformat("2019-01-01T00:00:00Z"))
    counts = []
    for n, start in ((3, "2020-01-01T00:00:00Z"), (60, "2021-01-01T00:00:00Z")):
        starts_at = datetime.fromisoformat(start)
        refs = make_active_grants(n, applicant=researcher2, dataset=dataset, starts_at=starts_at)
        with CaptureQueriesContext(connection) as queries:
            result = grants_expire_sweep(starts_at + timedelta(days=2))
        assert result["expired"] == n
        assert Grant.objects.filter(reference__in=refs, status="expired").count() == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_progress_reports_remind_then_suspend_after_grace_and_filing_reinstates(
    active_grant, researcher1
):
    from agreements import services

    due_on = (active_grant.starts_at + timedelta(days=365)).date()
    Grant.objects.filter(pk=active_grant.pk).update(
        ends_at=active_grant.starts_at + timedelta(days=800), next_report_due_on=due_on
    )
    due = active_grant.starts_at + timedelta(days=365)
    run("agreements.progress_reports", due - timedelta(days=20))
    run("agreements.progress_reports", due - timedelta(days=10))
    run("agreements.progress_reports", due + timedelta(days=1))
    run("agreements.progress_reports", due + timedelta(days=31))
    run("agreements.progress_reports", due + timedelta(days=32))
    kinds = list(
        Notification.objects.filter(dedupe_key__contains=active_grant.reference)
        .filter(kind__startswith="progress_report")
        .values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["progress_report_due", "progress_report_overdue"]
    active_grant.refresh_from_db()
    assert active_grant.status == "suspended"
    assert active_grant.suspension_kind == "progress_report"
    assert len(events("grant.suspended", object_id=active_grant.reference)) == 1
    services.progress_report_submit(grant=active_grant, actor=researcher1, summary="Late.")
    active_grant.refresh_from_db()
    assert active_grant.status == "active"


@pytest.mark.django_db
def test_withdrawals_propagate_remind_and_escalate_once(active_grant, steward1, chair1):
    from consent.models import ConsentWithdrawal

    t0 = active_grant.starts_at + timedelta(days=10)
    with time_machine.travel(t0, tick=False):
        withdrawal = ConsentWithdrawal.objects.create(
            dataset=active_grant.dataset,
            participant_count=1,
            pseudonymous_ids=["P-9"],
            recorded_by=steward1,
        )
    run("agreements.consent_withdrawals", t0 + timedelta(hours=1))
    notice = WithdrawalNotice.objects.get(withdrawal=withdrawal, grant=active_grant)
    for offset in (timedelta(days=24), timedelta(days=25), timedelta(days=31), timedelta(days=40)):
        run("agreements.consent_withdrawals", t0 + offset)
    keys = set(
        Notification.objects.filter(dedupe_key__contains=str(notice.public_id)).values_list(
            "kind", flat=True
        )
    )
    assert keys == {
        "consent_withdrawal_notice",
        "consent_withdrawal_reminder",
        "consent_withdrawal_escalation",
    }
    assert (
        Notification.objects.filter(
            kind="consent_withdrawal_escalation",
            recipient=chair1,
            dedupe_key__contains=str(notice.public_id),
        ).count()
        == 1
    )
    assert len(events("consent.withdrawal_escalated", object_id=str(notice.public_id))) == 1


@pytest.mark.django_db
def test_a_sanction_that_runs_out_gives_the_grants_back_once(active_grant, admin):
    from agreements import services

    with time_machine.travel(active_grant.starts_at + timedelta(days=1), tick=False):
        services.sanction_impose(
            actor=admin,
            user=active_grant.holder,
            reason="Late report.",
            ends_at=active_grant.starts_at + timedelta(days=10),
        )
    active_grant.refresh_from_db()
    assert active_grant.status == "suspended"
    run("agreements.sanctions_ended", active_grant.starts_at + timedelta(days=9))
    active_grant.refresh_from_db()
    assert active_grant.status == "suspended"
    run("agreements.sanctions_ended", active_grant.starts_at + timedelta(days=11))
    run("agreements.sanctions_ended", active_grant.starts_at + timedelta(days=12))
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    assert len(events("grant.reinstated", object_id=active_grant.reference)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_on_postgresql_expire_and_remind_once(require_postgres, seeded):
    from accounts.models import User
    from agreements.demo import approve_for_demo, sign_all

    users = {u.username: u for u in User.objects.all()}
    request = approve_for_demo(
        applicant=users["researcher1"],
        title="Concurrency",
        datasets=["DACD000007"],
        chair=users["chair1"],
        official=users["official1"],
    )
    sign_all(request, users["official1"])
    grant = Grant.objects.get(access_request=request)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str, now) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            jobs.run(name, now=now)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    for name, now in (
        ("agreements.remind_expiry", grant.ends_at - timedelta(days=7)),
        ("agreements.expire_grants", grant.ends_at + timedelta(seconds=1)),
    ):
        threads = [threading.Thread(target=worker, args=(name, now)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    assert [k.rsplit(":", 1)[1] for k in reminders(grant)] == ["7d"]
    assert expired_in(grant.reference) == 1
    assert (
        Notification.objects.filter(
            kind="grant_expired", dedupe_key__contains=grant.reference
        ).count()
        == 1
    )
