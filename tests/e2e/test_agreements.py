"""Browser journey of issue 9: after approval researcher1 signs the agreement, official1
countersigns, the grant is active and listed; then `run_jobs --at` a week before its end
sends one reminder and `run_jobs --at` a date past its end expires it, once.

The approved request is made through the services (agreements.demo.approve_for_demo:
submission, endorsement, the committee's votes and the chair's decision); the browser
takes over from the agreement."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_countersign_grant_listed_then_reminded_and_expired_once(page):
    from accounts.models import User
    from agreements.demo import approve_for_demo
    from agreements.models import Grant
    from audit.models import AuditEvent
    from notifications.models import Notification

    users = {u.username: u for u in User.objects.all()}
    request = approve_for_demo(
        applicant=users["researcher1"],
        title="Browser journey request",
        datasets=["DACD000007"],
        chair=users["chair1"],
        official=users["official1"],
        conditions=["PUB: publish the results"],
    )
    url = f"/requests/{request.reference}/agreement/"

    sign_in(page, "researcher1")
    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Data use agreement")
    assert check_accessibility(page, "agreement-to-sign") == []
    page.get_by_label("I have read this agreement", exact=False).check()
    click_and_wait(page, page.get_by_role("button", name="Sign", exact=True))
    assert "Signed by" in page.locator("#signature-status").inner_text()

    page.context.clear_cookies()
    sign_in(page, "official1")
    page.goto("/grants/")
    assert check_accessibility(page, "grants-official-to-countersign") == []
    page.get_by_role("link", name=f"Countersign the agreement for {request.reference}").click()
    page.wait_for_url(f"**{url}")
    assert check_accessibility(page, "agreement-to-countersign") == []
    page.get_by_label("I countersign this agreement", exact=False).check()
    click_and_wait(page, page.get_by_role("button", name="Countersign", exact=True))
    assert "Countersigned by" in page.locator("#countersignature-status").inner_text()

    grant = Grant.objects.get(access_request=request)
    assert grant.status == "active"
    page.context.clear_cookies()
    sign_in(page, "researcher1")
    page.goto("/grants/")
    row = page.locator("#grants-table tr", has_text=grant.reference)
    assert "Active" in row.inner_text()
    assert check_accessibility(page, "grants-list") == []
    click_and_wait(page, page.get_by_role("link", name=grant.reference))
    assert check_accessibility(page, "grant-detail") == []

    out = StringIO()
    call_command("run_jobs", "--at", (grant.ends_at - timedelta(days=7)).isoformat(), stdout=out)
    call_command("run_jobs", "--at", (grant.ends_at + timedelta(days=1)).isoformat(), stdout=out)
    call_command("run_jobs", "--at", (grant.ends_at + timedelta(days=2)).isoformat(), stdout=out)
    grant.refresh_from_db()
    assert grant.status == "expired"
    reminders = Notification.objects.filter(
        kind="grant_expiry_reminder", dedupe_key__contains=grant.reference
    )
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in reminders] == ["7d"]
    assert reminders.get().status == "sent"
    expiries = AuditEvent.objects.filter(action="grant.expired", object_id=grant.reference)
    assert expiries.count() == 1

    page.goto("/grants/?status=expired")
    assert "Expired" in page.locator("#grants-table tr", has_text=grant.reference).inner_text()


def test_the_chair_suspends_and_the_holder_confirms_a_withdrawal_deletion(page):
    from accounts.models import User
    from agreements.demo import approve_for_demo, sign_all
    from agreements.models import Grant, WithdrawalNotice
    from consent.models import ConsentWithdrawal

    users = {u.username: u for u in User.objects.all()}
    request = approve_for_demo(
        applicant=users["researcher1"],
        title="Browser oversight request",
        datasets=["DACD000007"],
        chair=users["chair1"],
        official=users["official1"],
    )
    sign_all(request, users["official1"])
    grant = Grant.objects.get(access_request=request)
    ConsentWithdrawal.objects.create(
        dataset=grant.dataset,
        participant_count=3,
        pseudonymous_ids=["P-1", "P-2", "P-3"],
        recorded_by=users["steward1"],
    )
    call_command("run_jobs", "--job", "agreements.consent_withdrawals", stdout=StringIO())

    sign_in(page, "researcher1")
    page.goto("/grants/")
    assert (
        "withdrew" in page.get_by_role("region", name="Consent withdrawals to act on").inner_text()
    )
    page.goto(f"/grants/{grant.reference}/")
    assert check_accessibility(page, "grant-withdrawal-notice") == []
    page.get_by_label("I confirm that the withdrawn participants", exact=False).check()
    click_and_wait(page, page.get_by_role("button", name="Confirm deletion"))
    notice = WithdrawalNotice.objects.get(grant=grant)
    assert notice.acknowledged_at is not None

    page.context.clear_cookies()
    sign_in(page, "chair1")
    page.goto(f"/grants/{grant.reference}/")
    assert check_accessibility(page, "grant-detail-chair") == []
    section = page.get_by_role("region", name="Suspend the grant")
    click_and_wait(page, section.get_by_role("button", name="Send"))
    assert check_accessibility(page, "grant-detail-chair-error") == []
    grant.refresh_from_db()
    assert grant.status == "active"  # no reason given: refused, nothing changed
    section = page.get_by_role("region", name="Suspend the grant")
    section.get_by_label("Reason").fill("The site's storage audit is overdue.")
    click_and_wait(page, section.get_by_role("button", name="Send"))
    grant.refresh_from_db()
    assert grant.status == "suspended"
    assert "Suspended" in page.locator("dd", has_text="Suspended").first.inner_text()


def test_the_sanctions_page_is_accessible_and_imposes_a_sanction(page):
    from agreements.models import Sanction

    sign_in(page, "chair1")
    page.goto("/sanctions/")
    assert check_accessibility(page, "sanctions") == []
    page.get_by_label("Researcher's user name").fill("researcher2")
    page.get_by_label("Reason").fill("Data shared outside the project.")
    click_and_wait(page, page.get_by_role("button", name="Impose"))
    assert Sanction.objects.filter(user__username="researcher2", lifted_at__isnull=True).exists()
    assert "In force" in page.locator("#sanctions-table").inner_text()
    assert check_accessibility(page, "sanctions-with-one") == []
