"""Services of agreements and grants: each change is audited in its transaction, refusals
change nothing (400/403/404/409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access_requests.models import AccessRequest
from agreements import rendering, services
from agreements.models import Agreement, Grant, Sanction, WithdrawalNotice
from agreements.selectors import submission_blocked_reason
from dac_portal.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
)
from notifications.models import Notification
from tests.agreements.conftest import events

pytestmark = pytest.mark.django_db


def test_approval_creates_one_pending_grant_per_approved_dataset_and_the_agreement(
    approved, researcher1
):
    grants = list(Grant.objects.filter(access_request=approved))
    assert [g.status for g in grants] == ["pending"]
    grant = grants[0]
    assert grant.holder == researcher1
    assert grant.access_days == approved.committee.default_access_days
    assert grant.reference.startswith("GRT-")
    agreement = Agreement.objects.get(access_request=approved)
    assert agreement.text_sha256 == rendering.sha256_hex(agreement.text)
    assert approved.reference in agreement.text and "DACD000007" in agreement.text
    assert "PUB: publish the results" in agreement.text
    assert agreement.countersignature_required is True
    assert events("grant.created", object_id=grant.reference)
    assert events("agreement.created", object_id=approved.reference)
    assert Notification.objects.filter(
        kind="agreement_ready", dedupe_key=f"agreement.ready:{approved.reference}"
    ).exists()


def test_preparing_again_changes_nothing(approved, chair1):
    before = list(Grant.objects.filter(access_request=approved).values_list("reference", flat=True))
    again = services.grants_prepare_for_approval(access_request=approved, actor=chair1)
    assert [g.reference for g in again] == before
    assert Agreement.objects.filter(access_request=approved).count() == 1
    assert len(events("grant.created", object_id=before[0])) == 1


def test_a_committee_without_a_template_gets_the_default_as_version_one():
    from accounts.services import committee_create

    committee = committee_create(actor=None, slug="other-dac", name="Other DAC")
    template = services._template_for(committee)
    assert (template.version, template.title) == (1, services.DEFAULT_TEMPLATE_TITLE)
    assert services._template_for(committee) == template
    assert events("agreement_template.created", object_id="other-dac/v1")


def test_signing_with_another_text_hash_is_refused_and_changes_nothing(agreement, researcher1):
    with pytest.raises(Conflict) as exc:
        services.agreement_sign(
            agreement=agreement, actor=researcher1, text_sha256="0" * 64, accept=True
        )
    assert exc.value.status_code == 409
    agreement.refresh_from_db()
    assert agreement.signed_at is None
    assert not events("agreement.signed", object_id=agreement.access_request.reference)


def test_signing_without_accepting_is_refused(agreement, researcher1):
    with pytest.raises(ValidationError):
        services.agreement_sign(
            agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=False
        )


def test_only_the_applicant_signs(agreement, researcher2, official1):
    for other in (researcher2, official1):
        with pytest.raises(PermissionDenied):
            services.agreement_sign(
                agreement=agreement, actor=other, text_sha256=agreement.text_sha256, accept=True
            )


def test_signing_records_the_hash_and_countersigning_activates_the_grants(
    agreement, researcher1, official1
):
    services.agreement_sign(
        agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
    )
    agreement.refresh_from_db()
    assert agreement.signed_by == researcher1
    assert agreement.signed_text_sha256 == agreement.text_sha256
    grant = Grant.objects.get(access_request=agreement.access_request)
    assert grant.status == "pending"  # the committee asks for a countersignature
    signed = events("agreement.signed", object_id=agreement.access_request.reference)
    assert signed[0].data["text_sha256"] == agreement.text_sha256
    assert Notification.objects.filter(kind="agreement_countersign_needed").exists()

    services.agreement_countersign(agreement=agreement, actor=official1)
    grant.refresh_from_db()
    assert grant.status == "active"
    assert grant.ends_at - grant.starts_at == timedelta(days=grant.access_days)
    assert events("agreement.countersigned", object_id=agreement.access_request.reference)
    assert events("grant.activated", object_id=grant.reference)[0].actor == official1


def test_signing_twice_or_countersigning_first_is_a_conflict(agreement, researcher1, official1):
    with pytest.raises(Conflict):
        services.agreement_countersign(agreement=agreement, actor=official1)
    services.agreement_sign(
        agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
    )
    with pytest.raises(Conflict):
        services.agreement_sign(
            agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
        )


def test_only_the_institutions_signing_official_countersigns(agreement, researcher1, chair1):
    services.agreement_sign(
        agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
    )
    with pytest.raises(PermissionDenied):
        services.agreement_countersign(agreement=agreement, actor=chair1)


def test_without_countersignature_policy_signing_activates_at_once(researcher1, chair1, official1):
    from agreements.demo import approve_for_demo

    services.agreement_policy_set(
        committee=chair1.committee_memberships.first().committee,
        actor=chair1,
        countersignature_required=False,
    )
    assert events("agreement_policy.updated")
    request = approve_for_demo(
        applicant=researcher1,
        title="No countersign",
        datasets=["DACD000007"],
        chair=chair1,
        official=official1,
    )
    agreement = Agreement.objects.get(access_request=request)
    services.agreement_sign(
        agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
    )
    assert Grant.objects.get(access_request=request).status == "active"


def test_the_signed_copy_holds_the_text_and_the_signatures(active_grant):
    agreement = Agreement.objects.get(access_request=active_grant.access_request)
    copy = services.signed_copy(agreement)
    assert copy.startswith(agreement.text.rstrip("\n"))
    assert agreement.text_sha256 in copy
    assert "Signed by" in copy and "Countersigned by" in copy


@pytest.mark.parametrize("service", ["grant_suspend", "grant_revoke"])
def test_oversight_needs_a_reason(active_grant, chair1, service):
    with pytest.raises(ValidationError):
        getattr(services, service)(grant=active_grant, actor=chair1, reason="  ")
    active_grant.refresh_from_db()
    assert active_grant.status == "active"


def test_the_chair_suspends_and_reinstates_and_the_steward_revokes(active_grant, chair1, steward1):
    services.grant_suspend(grant=active_grant, actor=chair1, reason="Breach reported.")
    active_grant.refresh_from_db()
    assert active_grant.status == "suspended" and active_grant.suspension_kind == "committee"
    assert events("grant.suspended", object_id=active_grant.reference)[0].data["reason"] == (
        "Breach reported."
    )
    services.grant_reinstate(grant=active_grant, actor=chair1, reason="Resolved.")
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    assert events("grant.reinstated", object_id=active_grant.reference)
    services.grant_revoke(grant=active_grant, actor=steward1, reason="Serious breach.")
    active_grant.refresh_from_db()
    assert active_grant.status == "revoked"
    assert events("grant.revoked", object_id=active_grant.reference)
    # Its only grant ended, so the request closed, through the request workflow.
    request = AccessRequest.objects.get(pk=active_grant.access_request_id)
    assert request.status == "closed"
    assert events("access_request.closed", object_id=request.reference)


def test_researchers_may_not_suspend_and_reinstating_an_active_grant_is_a_conflict(
    active_grant, researcher1, chair1
):
    with pytest.raises(PermissionDenied):
        services.grant_suspend(grant=active_grant, actor=researcher1, reason="x")
    with pytest.raises(InvalidTransition) as exc:
        services.grant_reinstate(grant=active_grant, actor=chair1, reason="x")
    assert exc.value.details["status"] == "active"
    assert "suspend" in exc.value.details["allowed_actions"]


def test_renewal_extends_the_grant_by_the_committee_period(
    chair_decides_renewals, active_grant, researcher1, chair1
):
    old_end = active_grant.ends_at
    services.grant_renewal_request(
        grant=active_grant, actor=researcher1, justification="More time."
    )
    assert events("grant.renewal_requested", object_id=active_grant.reference)
    with pytest.raises(Conflict):
        services.grant_renewal_request(
            grant=active_grant, actor=researcher1, justification="Again."
        )
    renewal = services.grant_renewal_decide(grant=active_grant, actor=chair1, decision="approved")
    active_grant.refresh_from_db()
    assert active_grant.ends_at == old_end + timedelta(
        days=active_grant.committee.default_access_days
    )
    assert renewal.extended_to == active_grant.ends_at
    assert events("grant.renewed", object_id=active_grant.reference)


def test_a_rejected_renewal_needs_a_reason(
    chair_decides_renewals, active_grant, researcher1, chair1
):
    services.grant_renewal_request(grant=active_grant, actor=researcher1, justification="More.")
    with pytest.raises(ValidationError):
        services.grant_renewal_decide(grant=active_grant, actor=chair1, decision="rejected")
    services.grant_renewal_decide(
        grant=active_grant, actor=chair1, decision="rejected", reason="Not justified."
    )
    assert events("grant.renewal_rejected", object_id=active_grant.reference)


def test_close_out_needs_both_attestations_then_closes_grant_and_request(
    active_grant, researcher1, official1
):
    services.grant_attest_destruction(grant=active_grant, actor=researcher1, statement="Wiped.")
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    with pytest.raises(Conflict):
        services.grant_attest_destruction(grant=active_grant, actor=researcher1, statement="Again")
    services.grant_attest_destruction(grant=active_grant, actor=official1, statement="Confirmed.")
    active_grant.refresh_from_db()
    assert active_grant.status == "closed"
    assert len(events("grant.closeout_attested", object_id=active_grant.reference)) == 2
    assert events("grant.closed", object_id=active_grant.reference)
    assert AccessRequest.objects.get(pk=active_grant.access_request_id).status == "closed"


def test_a_progress_report_advances_the_due_date_and_lifts_a_report_suspension(
    active_grant, researcher1, chair1
):
    from agreements.models import SuspensionKind

    Grant.objects.filter(pk=active_grant.pk).update(
        ends_at=active_grant.starts_at + timedelta(days=800),
        next_report_due_on=(active_grant.starts_at + timedelta(days=365)).date(),
        status="suspended",
        suspension_kind=SuspensionKind.PROGRESS_REPORT,
    )
    active_grant.refresh_from_db()
    services.progress_report_submit(
        grant=active_grant, actor=researcher1, summary="Done a lot.", publications="Paper 1"
    )
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    assert active_grant.next_report_due_on == (active_grant.starts_at + timedelta(days=730)).date()
    assert events("grant.progress_reported", object_id=active_grant.reference)
    assert events("grant.reinstated", object_id=active_grant.reference)


def test_a_sanction_blocks_submissions_and_suspends_the_grants(active_grant, admin, researcher1):
    assert submission_blocked_reason(user=researcher1) is None
    sanction = services.sanction_impose(actor=admin, user=researcher1, reason="Data leaked.")
    active_grant.refresh_from_db()
    assert active_grant.status == "suspended" and active_grant.suspension_kind == "sanction"
    reason = submission_blocked_reason(user=researcher1)
    assert reason and "Data leaked." in reason
    imposed = events("sanction.imposed", object_id=str(sanction.public_id))
    assert active_grant.reference in imposed[0].data["grants_suspended"]

    services.sanction_lift(sanction=sanction, actor=admin, reason="Resolved.")
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
    assert submission_blocked_reason(user=researcher1) is None
    assert events("sanction.lifted", object_id=str(sanction.public_id))


def test_an_institution_sanction_blocks_its_researchers(admin, researcher1, researcher2):
    services.sanction_impose(actor=admin, institution=researcher1.institution, reason="Audit.")
    assert "institution" in submission_blocked_reason(user=researcher1)
    assert submission_blocked_reason(user=researcher2) is None


def test_only_admins_and_chairs_impose_sanctions(researcher2, steward1, researcher1):
    for user in (researcher2, steward1):
        with pytest.raises(PermissionDenied):
            services.sanction_impose(actor=user, user=researcher1, reason="x")
    assert not Sanction.objects.exists()


def test_a_consent_withdrawal_reaches_each_holder_once_and_is_acknowledged(
    active_grant, researcher1, steward1
):
    from consent.models import ConsentWithdrawal

    withdrawal = ConsentWithdrawal.objects.create(
        dataset=active_grant.dataset,
        participant_count=2,
        pseudonymous_ids=["P-1", "P-2"],
        recorded_by=steward1,
    )
    notices = services.consent_withdrawal_propagate(withdrawal=withdrawal)
    # The demo's own active grant of the dataset is told too.
    assert active_grant in [n.grant for n in notices]
    assert services.consent_withdrawal_propagate(withdrawal=withdrawal) == []
    withdrawal.refresh_from_db()
    assert withdrawal.propagated_at is not None
    assert len(events("consent.withdrawal_propagated")) == 1
    notice = next(n for n in notices if n.grant == active_grant)
    assert notice.due_at - notice.notified_at == timedelta(days=30)
    assert Notification.objects.filter(dedupe_key=f"withdrawal.notice:{notice.public_id}").exists()

    with pytest.raises(ValidationError):
        services.withdrawal_acknowledge(notice=notice, actor=researcher1, confirm_deletion=False)
    services.withdrawal_acknowledge(notice=notice, actor=researcher1, confirm_deletion=True)
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    assert events("consent.withdrawal_acknowledged", object_id=str(notice.public_id))
    with pytest.raises(Conflict):
        services.withdrawal_acknowledge(notice=notice, actor=researcher1, confirm_deletion=True)


def test_a_failed_service_leaves_neither_change_nor_event(agreement, researcher1, monkeypatch):
    """The audit event and the change commit together or not at all."""
    import agreements.services.signing as module

    def boom(*args, **kwargs):
        raise RuntimeError("mail template broke")

    monkeypatch.setattr(module, "_activate_grants", boom)
    services.agreement_policy_set(
        committee=agreement.access_request.committee, actor=None, countersignature_required=False
    )
    Agreement.objects.filter(pk=agreement.pk).update(countersignature_required=False)
    agreement.refresh_from_db()
    with pytest.raises(RuntimeError):
        services.agreement_sign(
            agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
        )
    agreement.refresh_from_db()
    assert agreement.signed_at is None
    assert not events("agreement.signed", object_id=agreement.access_request.reference)
    _ = timezone, WithdrawalNotice
