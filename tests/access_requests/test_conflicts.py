"""Conflicts of interest the portal finds by itself (issue 17): member3, at researcher1's
university, takes no part in the review of researcher1's request (no vote: 403 with the
reason; not counted in the quorum) until a chair records a waiver with a reason; a member
named as a collaborator likewise. Waivers and the votes after them are in the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from access_requests import conflicts, services
from access_requests.models import AccessRequest, ConflictWaiver
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.rules import allowed_actions_for
from audit.models import AuditEvent
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from tests.access_requests.conftest import vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_university(researcher1, complete_data, no_endorsement) -> Any:
    """researcher1's request under review; member3 works at the same university."""

    def make(**data: Any) -> AccessRequest:
        request = services.access_request_create(
            applicant=researcher1, data=complete_data(**data), actor=researcher1
        )
        services.access_request_submit(access_request=request, actor=researcher1)
        request.refresh_from_db()
        assert request.status == "under_review"
        return request

    return make


def waive(
    request: AccessRequest, member: Any, chair: Any, reason: str = "Different faculty."
) -> Any:
    return review_services.access_request_conflict_waive(
        access_request=request, member=member, reason=reason, actor=chair
    )


def test_a_member_at_the_applicants_institution_cannot_vote_until_a_waiver(
    own_university, member3, chair1
):
    request = own_university()
    assert conflicts.unwaived_conflicts(member3, request) == [conflicts.SAME_INSTITUTION]
    with pytest.raises(PermissionDenied) as refused:
        vote(request, member3, "approve")
    assert refused.value.code == "conflict_of_interest"
    assert "applicant's institution" in refused.value.message
    assert "vote" not in allowed_actions_for(member3, request)
    # Not counted among the eligible voters either: the quorum does not wait for them.
    [tally] = review_selectors.tallies(request).values()
    assert tally.recused >= 1

    waiver = waive(request, member3, chair1)
    assert waiver.conflicts == [conflicts.SAME_INSTITUTION]
    vote(request, member3, "approve")
    waived = AuditEvent.objects.get(
        action="access_request.conflict_waived", object_id=request.reference
    )
    assert waived.data["reason"] == "Different faculty."
    assert waived.data["member"] == str(member3.public_id)
    assert AuditEvent.objects.filter(
        action="access_request.vote_cast", object_id=request.reference, actor=member3
    ).exists()


def test_a_member_named_as_a_collaborator_is_kept_out_too(
    reviewing, complete_data, researcher2, member1, chair1
):
    request = services.access_request_create(
        applicant=researcher2,
        data=complete_data(collaborators=[{"username": "member1"}]),
        actor=researcher2,
    )
    services.access_request_submit(access_request=request, actor=researcher2)
    request.refresh_from_db()
    assert conflicts.unwaived_conflicts(member1, request) == [conflicts.COLLABORATOR]
    with pytest.raises(PermissionDenied):
        vote(request, member1, "approve")


def test_only_a_chair_waives_and_never_their_own_or_twice(own_university, member1, member3, chair1):
    request = own_university()
    with pytest.raises(PermissionDenied):
        waive(request, member3, member1)
    with pytest.raises(Conflict) as nothing:
        waive(request, member1, chair1)
    assert nothing.value.code == "no_conflict"
    with pytest.raises(ValidationError):
        waive(request, None, chair1)
    with pytest.raises(ValidationError):
        review_services.access_request_conflict_waive(
            access_request=request, member=member3, reason="  ", actor=chair1
        )
    assert not ConflictWaiver.objects.filter(access_request=request).exists()
    waive(request, member3, chair1)
    with pytest.raises(Conflict) as again:
        waive(request, member3, chair1)
    assert again.value.code == "already_waived"


def test_the_review_page_says_why_and_offers_the_chair_a_waiver(
    own_university, member3, chair1, client
):
    request = own_university()
    client.force_login(member3)
    page = client.get(f"/review/{request.reference}/")
    assert b'id="my-conflict"' in page.content and b"Cast vote" not in page.content
    refused = client.post(
        f"/review/{request.reference}/vote/", {"vote": "approve", "rationale": "Fine."}
    )
    assert refused.status_code == 403
    client.force_login(chair1)
    page = client.get(f"/review/{request.reference}/")
    assert b'id="member-conflicts"' in page.content
    bad = client.post(f"/review/{request.reference}/waive-conflict/", {"member": "member3"})
    assert bad.status_code == 400
    done = client.post(
        f"/review/{request.reference}/waive-conflict/",
        {"member": "member3", "reason": "Different faculty, no joint work."},
    )
    assert done.status_code == 302
    assert ConflictWaiver.objects.filter(access_request=request, member=member3).exists()


def test_the_api_records_a_waiver_and_refuses_bad_input_without_change(
    own_university, member3, chair1, api_client_for
):
    request = own_university()
    api = api_client_for(chair1)
    url = f"/api/v1/requests/{request.reference}/conflict-waivers/"
    assert api.post(url, {"member": "member3"}, format="json").status_code == 400
    assert api.post(url, {"member": "nobody", "reason": "x"}, format="json").status_code == 400
    assert (
        api.post(url, {"member": "member3", "reason": "x", "extra": 1}, format="json").status_code
        == 400
    )
    assert not ConflictWaiver.objects.filter(access_request=request).exists()
    done = api.post(url, {"member": "member3", "reason": "Other faculty."}, format="json")
    assert done.status_code == 201
    assert done.json()["conflicts"] == ["same_institution"]
    assert api.post(url, {"member": "member3", "reason": "again"}, format="json").status_code == 409
    refused = api_client_for(member3).post(
        f"/api/v1/requests/{request.reference}/votes/",
        {"vote": "approve", "rationale": "ok"},
        format="json",
    )
    assert refused.status_code == 200  # waived: member3 votes now


def test_a_committee_person_keeps_a_register_the_chair_reads_beside_a_request(
    own_university, member1, chair1, researcher1, client
):
    from accounts import services as account_services
    from accounts.models import DeclaredInterest

    with pytest.raises(PermissionDenied):
        account_services.declared_interest_add(actor=researcher1, description="Anything.")
    with pytest.raises(ValidationError):
        account_services.declared_interest_add(actor=member1, description="   ")
    interest = account_services.declared_interest_add(
        actor=member1, description="Shares a grant with the Nairobi genomics group."
    )
    request = own_university()
    client.force_login(chair1)
    page = client.get(f"/review/{request.reference}/")
    assert b"Shares a grant with the Nairobi genomics group." in page.content
    with pytest.raises(PermissionDenied):
        account_services.declared_interest_end(interest=interest, actor=chair1)
    account_services.declared_interest_end(interest=interest, actor=member1)
    with pytest.raises(Conflict):
        account_services.declared_interest_end(interest=interest, actor=member1)
    page = client.get(f"/review/{request.reference}/")
    assert b"Shares a grant with the Nairobi genomics group." not in page.content
    assert DeclaredInterest.objects.get(pk=interest.pk).ended_at is not None
    assert AuditEvent.objects.filter(action="declared_interest.ended").exists()

    client.force_login(member1)
    assert client.get("/accounts/interests/").status_code == 200
    assert client.post("/accounts/interests/", {"description": ""}).status_code == 400
    assert client.post("/accounts/interests/", {"description": "Board seat."}).status_code == 302
    client.force_login(researcher1)
    assert client.get("/accounts/interests/").status_code == 403


def test_the_assign_reviewers_list_leaves_out_members_kept_out_of_the_request(
    own_university, client, chair1, member3
):
    request = own_university()
    client.force_login(chair1)
    page = client.get(f"/review/{request.reference}/")
    offered = {m.username for m in page.context["members"]}
    assert "member3" not in offered and "member1" in offered
    assert "lay1" in offered  # a lay representative who votes may review too
