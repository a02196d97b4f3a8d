"""Collaborators as people: invited at approval (to their account, or by e-mail with a
single-use link), each signs the agreement text, is covered by the grants only then, and
removing one (or their leaving) ends only theirs."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from agreements import selectors, services, visas
from agreements.demo import approve_for_demo, sign_all
from agreements.models import Agreement, CollaboratorAccess, Grant
from audit.models import AuditEvent
from dac_portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from data_hosts.models import EntitlementChange
from notifications.models import Notification

pytestmark = pytest.mark.django_db

INVITED_ADDRESS = "ngozi.adeyemi@example.org"


@pytest.fixture
def team(researcher1: Any, chair1: Any, official1: Any) -> Any:
    """researcher1's approved request with member3 (picked by username) and Ngozi Adeyemi
    (invited by e-mail, no account yet)."""
    return approve_for_demo(
        applicant=researcher1,
        title="Team request",
        datasets=["DACD000007"],
        chair=chair1,
        official=official1,
        collaborators=[
            {"username": "member3"},
            {"name": "Ngozi Adeyemi", "institution": "Lagos University", "email": INVITED_ADDRESS},
        ],
    )


@pytest.fixture
def ngozi(db: Any) -> User:
    return User.objects.create_user(
        username="nadeyemi",
        email="Ngozi.Adeyemi@example.org",
        first_name="Ngozi",
        last_name="Adeyemi",
    )


def access_of(team: Any, **filters: Any) -> CollaboratorAccess:
    return CollaboratorAccess.objects.get(access_request=team, **filters)


def invitation_token(team: Any) -> str:
    """The token of the link in the invitation e-mail, as the invited person reads it."""
    message = Notification.objects.filter(
        kind="collaborator_invited", address=INVITED_ADDRESS
    ).latest("id")
    found = re.search(r"/collaborations/invitations/([A-Za-z0-9_-]+)/", message.body_text)
    assert found, message.body_text
    return found.group(1)


def covered(user: Any) -> list[str]:
    return [g.reference for g in selectors.grants_covering(user=user, now=timezone.now())]


def text_of(team: Any) -> str:
    return Agreement.objects.get(access_request=team).text_sha256


def test_approval_invites_each_reachable_collaborator_and_covers_nobody_yet(team, member3):
    member = access_of(team, user=member3)
    emailed = access_of(team, email=INVITED_ADDRESS)
    assert (member.status, emailed.status) == ("invited", "invited")
    assert emailed.user is None
    # The account is told in the portal; the address gets an e-mail with a one-time link.
    assert Notification.objects.filter(kind="collaborator_invited", recipient=member3).exists()
    mail = Notification.objects.get(kind="collaborator_invited", address=INVITED_ADDRESS)
    assert mail.recipient is None and "Ngozi Adeyemi" in mail.body_text
    # Only the digest of the token is kept on the row.
    assert len(emailed.invitation_token_sha256) == 64
    assert emailed.invitation_token_sha256 not in mail.body_text
    # The audit log never holds the address.
    ours = [str(a.public_id) for a in CollaboratorAccess.objects.filter(access_request=team)]
    invited = AuditEvent.objects.filter(action="collaborator.invited", object_id__in=ours)
    assert invited.count() == 2
    assert all(INVITED_ADDRESS not in str(e.data) for e in invited)


def test_a_collaborator_is_covered_only_after_signing_the_agreement_text(
    team, member3, official1, researcher1
):
    services.agreement_sign(
        agreement=Agreement.objects.get(access_request=team),
        actor=researcher1,
        text_sha256=text_of(team),
        accept=True,
    )
    services.agreement_countersign(
        agreement=Agreement.objects.get(access_request=team), actor=official1
    )
    assert covered(researcher1) and covered(member3) == []
    access = access_of(team, user=member3)
    with pytest.raises(Conflict) as mismatch:
        services.collaborator_sign(access=access, actor=member3, text_sha256="0" * 64, accept=True)
    assert mismatch.value.code == "text_mismatch"
    with pytest.raises(ValidationError):
        services.collaborator_sign(
            access=access, actor=member3, text_sha256=text_of(team), accept="yes"
        )
    access.refresh_from_db()
    assert access.status == "invited" and access.signed_at is None
    services.collaborator_sign(access=access, actor=member3, text_sha256=text_of(team), accept=True)
    access.refresh_from_db()
    assert access.status == "signed" and access.signed_text_sha256 == text_of(team)
    assert covered(member3) == [Grant.objects.get(access_request=team).reference]
    assert Notification.objects.filter(kind="collaborator_signed", recipient=researcher1).exists()


def test_only_the_collaborator_signs_for_themselves(team, member3, researcher1, chair1):
    access = access_of(team, user=member3)
    for someone in (researcher1, chair1):
        with pytest.raises(PermissionDenied):
            services.collaborator_sign(
                access=access, actor=someone, text_sha256=text_of(team), accept=True
            )


def test_an_emailed_invitation_is_accepted_only_by_the_account_of_that_address(
    team, ngozi, researcher2
):
    token = invitation_token(team)
    with pytest.raises(PermissionDenied) as other:
        services.collaborator_invitation_accept(token=token, actor=researcher2)
    assert other.value.code == "invitation_other_address"
    access = services.collaborator_invitation_accept(token=token, actor=ngozi)
    assert access.user == ngozi and access.joined_at is not None
    assert access.invitation_token_sha256 == ""
    # The link works once.
    with pytest.raises(NotFound):
        services.collaborator_invitation_accept(token=token, actor=ngozi)
    services.collaborator_sign(access=access, actor=ngozi, text_sha256=text_of(team), accept=True)
    assert access_of(team, user=ngozi).status == "signed"


def test_an_expired_invitation_is_refused_and_a_resent_one_replaces_it(team, ngozi, researcher1):
    token = invitation_token(team)
    later = timezone.now() + timedelta(days=31)
    with time_machine.travel(later), pytest.raises(Conflict) as expired:
        services.collaborator_invitation_accept(token=token, actor=ngozi)
    assert expired.value.code == "invitation_expired"
    access = access_of(team, email=INVITED_ADDRESS)
    services.collaborator_invitation_resend(access=access, actor=researcher1)
    with pytest.raises(NotFound):
        services.collaborator_invitation_accept(token=token, actor=ngozi)
    fresh = invitation_token(team)
    assert fresh != token
    assert services.collaborator_invitation_accept(token=fresh, actor=ngozi).user == ngozi


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-token", None, 17])
def test_a_bad_invitation_token_is_not_found(team, ngozi, token):
    with pytest.raises(NotFound):
        services.collaborator_invitation_accept(token=token, actor=ngozi)


def test_removing_a_collaborator_ends_only_their_entitlement_and_visas(
    team, member3, ngozi, researcher1, official1, chair1
):
    services.collaborator_invitation_accept(token=invitation_token(team), actor=ngozi)
    sign_all(team, official1)  # the applicant, the official, member3 and Ada
    grant = Grant.objects.get(access_request=team)
    users = {str(u.public_id) for u in (researcher1, member3, ngozi)}
    entitled = selectors.entitlements(now=timezone.now()).get(pk=grant.pk)
    assert set(_users_of(entitled)) == users
    with pytest.raises(PermissionDenied):
        services.collaborator_remove(access=access_of(team, user=member3), actor=chair1)
    services.collaborator_remove(
        access=access_of(team, user=member3), actor=researcher1, reason="Left the lab."
    )
    reference = grant.reference
    assert covered(member3) == [] and covered(ngozi) == [reference]
    assert reference in covered(researcher1)
    entitled = selectors.entitlements(now=timezone.now()).get(pk=grant.pk)
    assert str(member3.public_id) not in _users_of(entitled)
    assert visas.passport(
        grants=list(selectors.grants_covering(user=member3, now=timezone.now())),
        user=member3,
        now=timezone.now(),
    ) == {"ga4gh_passport_v1": []}
    removed = AuditEvent.objects.get(
        action="collaborator.removed", object_id=str(access_of(team, user=member3).public_id)
    )
    assert removed.data["reason"] == "Left the lab." and removed.data["new_status"] == "removed"
    assert Notification.objects.filter(kind="collaborator_removed", recipient=member3).exists()
    # The feed tells hosts that this person, and only this person, lost the grant.
    last = EntitlementChange.objects.latest("id")
    assert (last.user_public_id, last.status, last.entitled) == (
        member3.public_id,
        "revoked",
        False,
    )


def _users_of(grant: Any) -> list[str]:
    from agreements.serializers import EntitlementSerializer

    return list(EntitlementSerializer(grant).data["users"])


def test_a_collaborator_who_leaves_is_no_longer_covered_and_the_applicant_is_told(
    team, member3, official1, researcher1
):
    sign_all(team, official1)
    access = access_of(team, user=member3)
    services.collaborator_leave(access=access, actor=member3, reason="Moving on.")
    assert covered(member3) == []
    assert Notification.objects.filter(kind="collaborator_left", recipient=researcher1).exists()
    # Leaving is final: nobody signs or leaves again.
    with pytest.raises(Conflict):
        services.collaborator_leave(access=access, actor=member3)
    with pytest.raises(Conflict):
        services.collaborator_sign(
            access=access, actor=member3, text_sha256=text_of(team), accept=True
        )


def test_close_out_and_withdrawal_notices_reach_signed_collaborators(
    team, member3, official1, chair1
):
    sign_all(team, official1)
    grant = Grant.objects.get(access_request=team)
    services.grant_suspend(grant=grant, actor=chair1, reason="Audit.")
    told = Notification.objects.filter(
        kind="grant_status_changed", dedupe_key__contains=grant.reference
    )
    assert {n.recipient.username for n in told} == {"researcher1", "member3"}


def test_the_collaborator_pages(team, member3, ngozi, client, researcher1, official1):
    token = invitation_token(team)
    client.force_login(ngozi)
    page = client.get(f"/collaborations/invitations/{token}/")
    assert page.status_code == 200 and b"Accept the invitation" in page.content
    accepted = client.post(f"/collaborations/invitations/{token}/")
    access = access_of(team, user=ngozi)
    assert accepted.status_code == 302
    assert accepted["Location"] == f"/collaborations/{access.public_id}/"
    assert client.get(f"/collaborations/invitations/{token}/").status_code == 404
    page = client.get(f"/collaborations/{access.public_id}/")
    assert page.status_code == 200 and b"Sign the agreement" in page.content
    bad = client.post(f"/collaborations/{access.public_id}/sign/", {"text_sha256": "x"})
    assert bad.status_code == 400
    access.refresh_from_db()
    assert access.status == "invited"
    signed = client.post(
        f"/collaborations/{access.public_id}/sign/",
        {"text_sha256": text_of(team), "accept": "on"},
    )
    assert signed.status_code == 302
    assert access_of(team, user=ngozi).status == "signed"
    # Strangers see nothing; the applicant sees the list with each one's status.
    client.force_login(User.objects.get(username="researcher2"))
    assert client.get(f"/collaborations/{access.public_id}/").status_code == 404
    assert client.get("/collaborations/not-a-uuid/").status_code == 404
    client.force_login(researcher1)
    agreement_page = client.get(f"/requests/{team.reference}/agreement/")
    assert agreement_page.status_code == 200
    assert b'data-status="signed"' in agreement_page.content
    assert b'data-status="invited"' in agreement_page.content
    removed = client.post(f"/collaborations/{access.public_id}/remove/", {"remove-reason": ""})
    assert removed.status_code == 302
    assert access_of(team, user=ngozi).status == "removed"
    again = client.post(f"/collaborations/{access.public_id}/remove/")
    assert again.status_code == 409


def test_the_agreement_api_lists_each_collaborator_with_status_and_no_address(
    team, api_client_for, researcher1
):
    body = api_client_for(researcher1).get(f"/api/v1/requests/{team.reference}/agreement/").json()
    people = {c["name"]: c for c in body["collaborators"]}
    assert people["Tomás Ferreira"]["status"] == "invited"
    assert people["Ngozi Adeyemi"]["user"] is None
    assert INVITED_ADDRESS not in str(body["collaborators"])


def test_a_sanctioned_collaborator_is_not_covered_while_the_sanction_is_in_force(
    team, member3, official1, researcher1, chair1
):
    sign_all(team, official1)
    reference = Grant.objects.get(access_request=team).reference
    assert covered(member3) == [reference]
    sanction = services.sanction_impose(
        actor=chair1, reason="Shared data outside the agreement.", user=member3
    )
    assert covered(member3) == [] and reference in covered(researcher1)
    grant = selectors.entitlements(now=timezone.now()).get(reference=reference)
    assert str(member3.public_id) not in _users_of(grant)
    services.sanction_lift(sanction=sanction, actor=chair1, reason="Resolved.")
    assert covered(member3) == [reference]


def test_a_collaborator_signs_only_with_the_training_the_committee_requires(team, member3, chair1):
    from accounts import training
    from accounts.models import Committee

    committee = Committee.objects.get(slug="genomics-dac")
    training.committee_training_policy_set(committee=committee, months=12, actor=chair1)
    access = access_of(team, user=member3)
    with pytest.raises(ValidationError) as refused:
        services.collaborator_sign(
            access=access, actor=member3, text_sha256=text_of(team), accept=True
        )
    assert refused.value.code == "training_required"
    access.refresh_from_db()
    assert access.status == "invited"
    training.training_record_add(
        actor=member3,
        kind="research_ethics",
        course="Research ethics",
        provider="TRREE",
        completed_on=timezone.localdate(),
        certificate="TRREE-1",
    )
    services.collaborator_sign(access=access, actor=member3, text_sha256=text_of(team), accept=True)
    access.refresh_from_db()
    assert access.status == "signed"
