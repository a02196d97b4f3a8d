"""Ethics approvals that are checked (issue 18): where a dataset's consent carries DUO's
ethics-approval modifier (IRB), the request cannot be submitted without an approval on file
(document, approving body, number, expiry); the applicant is reminded 30 and 7 days before
it lapses; a grant whose approval lapsed is suspended once, and reinstated when a new one is
filed. All audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from access_requests import ethics_services, services
from access_requests.models import AccessRequest, Document, EthicsApproval
from agreements.demo import approve_for_demo, sign_all
from agreements.models import Grant
from audit.models import AuditEvent
from dac_portal import jobs
from dac_portal.errors import PermissionDenied, ValidationError
from notifications.models import Notification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% an ethics approval letter\n%%EOF\n"


@pytest.fixture
def irb_dataset(make_dataset) -> Any:
    return make_dataset(permission="HMB", modifiers=[{"code": "IRB"}])


@pytest.fixture
def draft(researcher2, complete_data, irb_dataset, no_endorsement) -> AccessRequest:
    """researcher2's complete draft for a dataset whose consent asks for ethics approval."""
    return services.access_request_create(
        applicant=researcher2,
        data=complete_data(datasets=[irb_dataset.accession]),
        actor=researcher2,
    )


def file(request: AccessRequest, actor: Any, *, days: int = 365, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "filename": "approval.pdf",
        "content": PDF,
        "approving_body": "INMEGEN Research Ethics Committee",
        "approval_number": "CEI 2026/14",
        "expires_on": timezone.localdate() + timedelta(days=days),
        **overrides,
    }
    return ethics_services.ethics_approval_file(access_request=request, actor=actor, **fields)


def test_a_request_needing_ethics_approval_cannot_be_submitted_without_one(draft, researcher2):
    with pytest.raises(ValidationError) as refused:
        services.access_request_submit(access_request=draft, actor=researcher2)
    assert refused.value.code == "ethics_approval_required"
    assert "ethics_approval" in refused.value.details
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not AuditEvent.objects.filter(
        action="access_request.submitted", object_id=draft.reference
    ).exists()

    approval = file(draft, researcher2)
    assert approval.document.kind == Document.Kind.ETHICS_APPROVAL
    filed = AuditEvent.objects.get(
        action="access_request.ethics_approval_filed", object_id=draft.reference
    )
    assert filed.data["approval_number"] == "CEI 2026/14" and filed.actor == researcher2
    services.access_request_submit(access_request=draft, actor=researcher2)
    draft.refresh_from_db()
    assert draft.status == "under_review"
    assert draft.requested_datasets.get().ethics_approval_required


def test_a_request_without_the_modifier_needs_no_approval(
    researcher2, complete_data, no_endorsement
):
    request = services.access_request_create(
        applicant=researcher2, data=complete_data(), actor=researcher2
    )
    services.access_request_submit(access_request=request, actor=researcher2)
    assert not request.requested_datasets.get().ethics_approval_required


@pytest.mark.parametrize(
    "bad",
    [
        {"expires_on": timezone.localdate() - timedelta(days=1)},
        {"expires_on": "2030-01-01"},
        {"approving_body": ""},
        {"approval_number": "x" * 101},
        {"content": b"not a document"},
        {"content": b""},
    ],
)
def test_a_bad_approval_is_refused_and_nothing_is_written(draft, researcher2, bad):
    with pytest.raises(ValidationError):
        file(draft, researcher2, **bad)
    assert not EthicsApproval.objects.filter(access_request=draft).exists()
    assert not Document.objects.filter(access_request=draft).exists()


def test_only_the_applicant_files_an_approval(draft, researcher1, member1):
    for stranger in (researcher1, member1):
        with pytest.raises(PermissionDenied):
            file(draft, stranger)


def test_reminders_go_30_and_7_days_before_the_lapse_once_each(draft, researcher2):
    file(draft, researcher2, days=40)
    services.access_request_submit(access_request=draft, actor=researcher2)
    now = timezone.now()

    def reminders() -> list[str]:
        return sorted(
            Notification.objects.filter(
                recipient=researcher2, kind="ethics_approval_expiring"
            ).values_list("dedupe_key", flat=True)
        )

    def mine(summary: dict[str, Any]) -> list[str]:
        return [sent for sent in summary["sent"] if sent.startswith(draft.reference)]

    assert mine(jobs.run("access_requests.remind_ethics_expiry", now=now)) == []
    jobs.run("access_requests.remind_ethics_expiry", now=now + timedelta(days=11))
    jobs.run("access_requests.remind_ethics_expiry", now=now + timedelta(days=12))
    assert [key.rsplit(":", 1)[1] for key in reminders()] == ["30"]
    jobs.run("access_requests.remind_ethics_expiry", now=now + timedelta(days=34))
    jobs.run("access_requests.remind_ethics_expiry", now=now + timedelta(days=35))
    assert [key.rsplit(":", 1)[1] for key in reminders()] == ["30", "7"]

    # A renewed approval supersedes the old one: no reminder about the old one any more.
    file(draft, researcher2, days=400)
    assert (
        jobs.run("access_requests.remind_ethics_expiry", now=now + timedelta(days=36))["sent"] == []
    )


@pytest.fixture
def active_irb_grant(researcher1, chair1, official1, irb_dataset) -> Grant:
    approved = approve_for_demo(
        applicant=researcher1,
        title="Ethics-bound analysis",
        datasets=[irb_dataset.accession],
        chair=chair1,
        official=official1,
        purpose={"hmb": True},
    )
    sign_all(approved, official1)
    grant = Grant.objects.get(access_request=approved)
    assert grant.status == "active"
    return grant


def test_a_lapsed_approval_suspends_the_grant_once_and_a_new_one_reinstates_it(
    active_irb_grant, researcher1
):
    grant = active_irb_grant
    past_expiry = timezone.now() + timedelta(days=366)  # the demo files a one-year approval
    dry = jobs.run("agreements.ethics_approvals", now=past_expiry, dry_run=True)
    assert grant.reference in dry["grants"]
    assert jobs.run("agreements.ethics_approvals", now=past_expiry)["suspended"] == [
        grant.reference
    ]
    assert jobs.run("agreements.ethics_approvals", now=past_expiry)["suspended"] == []
    grant.refresh_from_db()
    assert (grant.status, grant.suspension_kind) == ("suspended", "ethics_approval")
    assert (
        AuditEvent.objects.filter(
            action="grant.suspended",
            object_id=grant.reference,
            actor_label="system:agreements.ethics_approvals",
        ).count()
        == 1
    )

    file(grant.access_request, researcher1, days=500)
    grant.refresh_from_db()
    assert grant.status == "active"
    assert AuditEvent.objects.filter(action="grant.reinstated", object_id=grant.reference).exists()


def test_a_grant_suspended_by_the_committee_stays_suspended_when_an_approval_is_filed(
    active_irb_grant, researcher1, chair1
):
    from agreements.services import grant_suspend

    grant_suspend(grant=active_irb_grant, actor=chair1, reason="Audit finding.")
    file(active_irb_grant.access_request, researcher1, days=500)
    active_irb_grant.refresh_from_db()
    assert active_irb_grant.status == "suspended"


# -- the page and REST ----------------------------------------------------------------------


def test_the_ethics_page_says_what_is_needed_and_files_an_approval(client, draft, researcher2):
    client.force_login(researcher2)
    url = f"/requests/{draft.reference}/ethics-approval/"
    page = client.get(url)
    assert page.status_code == 200 and 'id="ethics-needed"' in page.content.decode()
    bad = client.post(
        url, {"approving_body": "X", "approval_number": "1", "expires_on": "2001-01-01"}
    )
    assert bad.status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    done = client.post(
        url,
        {
            "file": SimpleUploadedFile("approval.pdf", PDF, content_type="application/pdf"),
            "approving_body": "INMEGEN Research Ethics Committee",
            "approval_number": "CEI 2026/14",
            "expires_on": (timezone.localdate() + timedelta(days=200)).isoformat(),
        },
    )
    assert done.status_code == 302
    assert "CEI 2026/14" in client.get(url).content.decode()
    tasks = client.get(f"/requests/{draft.reference}/tasks/").content.decode()
    assert 'data-section="ethics" data-state="completed"' in tasks


def test_rest_lists_and_files_approvals(api_client_for, draft, researcher2, researcher1):
    url = f"/api/v1/requests/{draft.reference}/ethics-approvals/"
    assert api_client_for(researcher1).get(url).status_code == 404
    api = api_client_for(researcher2)
    listed = api.get(url).json()
    assert listed == {"ethics_approval_required": True, "approvals": []}
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(**fields: Any) -> Any:
        return api.post(
            url,
            {
                "file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                "approving_body": "INMEGEN Research Ethics Committee",
                "approval_number": "CEI 2026/14",
                "expires_on": (timezone.localdate() + timedelta(days=200)).isoformat(),
                **fields,
            },
            format="multipart",
        )

    assert post(expires_on="2026-02-30").status_code == 400
    assert post(expires_on="soon").status_code == 400
    created = post()
    assert created.status_code == 201 and created.json()["valid"] is True
    assert len(api.get(url).json()["approvals"]) == 1
