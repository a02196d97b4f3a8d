"""Committee membership in the portal (issue 17): a chair invites people by e-mail, sets
each one's role (chair, member, lay or community representative, steward) and term of
office, and ends memberships, all audited; lay representatives vote or advise as the
committee sets; terms run out by themselves; the public pages show the composition and
the share of lay representatives over time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import membership, selectors
from accounts.models import (
    Committee,
    CommitteeInvitation,
    CommitteeMembership,
    MembershipPeriod,
)
from accounts.permissions import can
from accounts.services import user_create
from audit.models import AuditEvent
from dac_portal import jobs
from dac_portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from notifications.models import Notification

pytestmark = pytest.mark.django_db

NEW_ADDRESS = "zanele.dube@example.org"


@pytest.fixture
def genomics() -> Committee:
    return Committee.objects.get(slug="genomics-dac")


def invite(committee: Committee, chair: Any, **overrides: Any) -> CommitteeInvitation:
    fields: dict[str, Any] = {
        "name": "Zanele Dube",
        "email": NEW_ADDRESS,
        "role": "lay",
        "term_ends": timezone.localdate() + timedelta(days=365),
        **overrides,
    }
    return membership.committee_invitation_send(committee=committee, actor=chair, **fields)


def link_token(invitation: CommitteeInvitation) -> str:
    """The token of the link in the invitation e-mail (the database keeps only its hash)."""
    sent = Notification.objects.get(dedupe_key=f"committee_invitation.sent:{invitation.public_id}")
    assert sent.address == invitation.email and sent.recipient_id is None
    match = re.search(r"/committee-invitations/([^/]+)/", sent.body_text)
    assert match, sent.body_text
    return match.group(1)


def person(username: str, email: str) -> Any:
    return user_create(username=username, email=email, password="x-Pass-123456", actor=None)


# -- Invitations ----------------------------------------------------------------------------


def test_a_chair_invites_by_email_and_the_invited_account_takes_up_the_role(genomics, chair1):
    invitation = invite(genomics, chair1)
    token = link_token(invitation)
    assert invitation.token_sha256 and token not in invitation.token_sha256
    sent = AuditEvent.objects.get(
        action="committee_invitation.sent", object_id=str(invitation.public_id)
    )
    assert NEW_ADDRESS not in str(sent.data) and sent.data["role"] == "lay"

    zanele = person("zanele", "Zanele.Dube@example.org")
    seat = membership.committee_invitation_accept(token=token, actor=zanele)

    assert (seat.role, seat.term_ends) == ("lay", invitation.term_ends)
    assert can(zanele, "committee.review", genomics)
    assert MembershipPeriod.objects.filter(user=zanele, role="lay", ended_at__isnull=True).exists()
    assert AuditEvent.objects.filter(
        action="committee_invitation.accepted", object_id=str(invitation.public_id), actor=zanele
    ).exists()
    with pytest.raises(NotFound):  # the link works once
        membership.committee_invitation_accept(token=token, actor=zanele)


def test_an_invitation_is_accepted_only_by_the_account_of_the_invited_address(genomics, chair1):
    token = link_token(invite(genomics, chair1))
    stranger = person("stranger", "someone.else@example.org")
    with pytest.raises(PermissionDenied) as refused:
        membership.committee_invitation_accept(token=token, actor=stranger)
    assert refused.value.code == "wrong_account"
    assert not CommitteeMembership.objects.filter(user=stranger).exists()


def test_an_expired_invitation_is_refused_and_a_cancelled_one_is_gone(genomics, chair1):
    invitation = invite(genomics, chair1)
    token = link_token(invitation)
    zanele = person("zanele", NEW_ADDRESS)
    CommitteeInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(Conflict) as refused:
        membership.committee_invitation_accept(token=token, actor=zanele)
    assert refused.value.code == "expired"

    membership.committee_invitation_cancel(invitation=invitation, actor=chair1)
    with pytest.raises(NotFound):
        membership.committee_invitation_accept(token=token, actor=zanele)
    with pytest.raises(Conflict):
        membership.committee_invitation_cancel(invitation=invitation, actor=chair1)


def test_only_a_chair_invites_and_bad_input_changes_nothing(genomics, chair1, member1):
    with pytest.raises(PermissionDenied):
        invite(genomics, member1)
    before = CommitteeInvitation.objects.count()
    for bad in (
        {"email": "not an address"},
        {"role": "king"},
        {"name": ""},
        {"term_ends": date(2001, 1, 1)},
        {"term_ends": timezone.localdate() + timedelta(days=20 * 365)},
    ):
        with pytest.raises(ValidationError):
            invite(genomics, chair1, **bad)
    assert CommitteeInvitation.objects.count() == before


def test_a_second_invitation_to_the_same_address_waits_for_the_first(genomics, chair1):
    invite(genomics, chair1)
    with pytest.raises(Conflict) as refused:
        invite(genomics, chair1, role="member")
    assert refused.value.code == "invitation_pending"
    with pytest.raises(Conflict) as held:
        invite(genomics, chair1, email="member1@example.org", role="member")
    assert held.value.code == "role_held"


# -- Roles, terms and ends ------------------------------------------------------------------


def seat_of(user: Any, committee: Committee) -> CommitteeMembership:
    return CommitteeMembership.objects.get(user=user, committee=committee)


def test_a_chair_changes_a_role_and_term_and_the_history_keeps_both(genomics, chair1, member2):
    seat = seat_of(member2, genomics)
    term = timezone.localdate() + timedelta(days=100)
    membership.committee_membership_change(
        membership=seat, role="lay", term_ends=term, actor=chair1
    )
    seat.refresh_from_db()
    assert (seat.role, seat.term_ends) == ("lay", term)
    assert can(member2, "committee.review", genomics)
    periods = MembershipPeriod.objects.filter(user=member2, committee=genomics).order_by("id")
    assert [(p.role, p.end_reason) for p in periods] == [("member", "role_changed"), ("lay", "")]
    changed = AuditEvent.objects.filter(action="committee_membership.changed", actor=chair1).last()
    assert changed.data["role_before"] == "member" and changed.data["role"] == "lay"


def test_ending_a_membership_takes_the_permissions_and_tells_the_person(genomics, chair1, member2):
    membership.committee_membership_end(membership=seat_of(member2, genomics), actor=chair1)
    assert not can(member2, "committee.review", genomics)
    period = MembershipPeriod.objects.get(user=member2, committee=genomics)
    assert period.ended_at and period.end_reason == "ended_by_chair"
    assert Notification.objects.filter(
        recipient=member2, kind="committee_membership_ended"
    ).exists()
    assert AuditEvent.objects.filter(
        action="committee_membership.removed", actor=chair1, data__username="member2"
    ).exists()


def test_the_only_chair_cannot_be_ended_or_demoted(genomics, chair1, admin):
    seat = seat_of(chair1, genomics)
    with pytest.raises(Conflict) as refused:
        membership.committee_membership_end(membership=seat, actor=admin)
    assert refused.value.code == "last_chair"
    with pytest.raises(Conflict):
        membership.committee_membership_change(
            membership=seat, role="member", term_ends=None, actor=chair1
        )
    assert seat_of(chair1, genomics).role == "chair"


def test_a_member_cannot_manage_members(genomics, member1, member2):
    with pytest.raises(PermissionDenied):
        membership.committee_membership_end(membership=seat_of(member2, genomics), actor=member1)


def test_the_daily_job_ends_lapsed_terms_but_keeps_the_last_chair_in_office(genomics, chair1):
    today = timezone.localdate()
    CommitteeMembership.objects.filter(committee=genomics).update(term_ends=today)
    later = timezone.now() + timedelta(days=2)

    dry = jobs.run("accounts.end_lapsed_terms", now=later, dry_run=True)
    assert "genomics-dac:member1:member" in dry["ended"]
    assert CommitteeMembership.objects.filter(committee=genomics, role="member").exists()

    summary = jobs.run("accounts.end_lapsed_terms", now=later)
    assert "genomics-dac:chair1:chair" in summary["held_over"]
    assert set(
        CommitteeMembership.objects.filter(committee=genomics).values_list("role", flat=True)
    ) == {"chair"}
    assert MembershipPeriod.objects.filter(committee=genomics, end_reason="term_ended").count() >= 4
    assert AuditEvent.objects.filter(
        action="committee_membership.removed", actor_label="system:committee_terms"
    ).exists()
    assert jobs.run("accounts.end_lapsed_terms", now=later)["ended"] == []  # nothing twice


# -- What the public sees -------------------------------------------------------------------


def test_the_composition_counts_roles_and_lists_only_what_people_publish(genomics):
    composition = selectors.committee_composition(genomics)
    roles = dict(composition.by_role)
    assert roles["Chair"] == 1 and roles["Member"] == 3
    assert roles["Lay or community representative"] == 1
    assert dict(composition.by_region) == {"African Region": 2, "European Region": 1}
    assert "Patient and community advocacy" in composition.expertise


def test_the_share_of_lay_representatives_follows_the_history(genomics):
    now = timezone.now()
    rows = selectors.lay_share_over_time(now=now, quarters=8)
    assert len(rows) == 8
    # The demo's lay representative joined about 200 days ago; two years ago nobody was lay.
    assert rows[0].lay == 0 and rows[-1].lay >= 1
    assert rows[-1].people >= 5 and rows[-1].percent == round(100 * rows[-1].lay / rows[-1].people)


# -- Pages ----------------------------------------------------------------------------------


def test_the_members_page_is_the_chairs_and_lists_people_invitations_and_terms(
    client, genomics, chair1, member1
):
    client.force_login(member1)
    assert client.get("/committees/genomics-dac/members/").status_code == 403
    client.force_login(chair1)
    assert client.get("/committees/no-such-dac/members/").status_code == 404
    page = client.get("/committees/genomics-dac/members/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Amara Diallo" in html and "Lay or community representative" in html
    assert "Sofia Almeida" in html  # the demo's pending invitation
    assert 'type="date"' in html


def test_inviting_on_the_page_sends_the_link_and_a_bad_form_says_why(client, genomics, chair1):
    client.force_login(chair1)
    bad = client.post(
        "/committees/genomics-dac/members/", {"name": "Z", "email": "nope", "role": "lay"}
    )
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    done = client.post(
        "/committees/genomics-dac/members/",
        {"name": "Zanele Dube", "email": NEW_ADDRESS, "role": "lay", "term_ends": ""},
    )
    assert done.status_code == 302
    invitation = CommitteeInvitation.objects.get(email=NEW_ADDRESS)
    token = link_token(invitation)

    zanele = person("zanele", NEW_ADDRESS)
    client.force_login(zanele)
    offer = client.get(f"/committee-invitations/{token}/")
    assert offer.status_code == 200 and "Accept and join the committee" in offer.content.decode()
    assert client.post(f"/committee-invitations/{token}/").status_code == 302
    assert seat_of(zanele, genomics).role == "lay"
    assert client.get(f"/committee-invitations/{token}/").status_code == 404


def test_changing_and_ending_on_the_page(client, genomics, chair1, member2):
    client.force_login(chair1)
    seat = seat_of(member2, genomics)
    url = f"/committees/genomics-dac/members/{seat.pk}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"role": "king"})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    term = (timezone.localdate() + timedelta(days=60)).isoformat()
    assert client.post(url, {"role": "member", "term_ends": term}).status_code == 302
    assert seat_of(member2, genomics).term_ends.isoformat() == term
    assert client.post(f"{url}end/").status_code == 302
    assert not CommitteeMembership.objects.filter(user=member2, committee=genomics).exists()
    assert client.post(f"{url}end/").status_code == 404
    chair_seat = seat_of(chair1, genomics)
    last = client.post(f"/committees/genomics-dac/members/{chair_seat.pk}/end/")
    assert last.status_code == 409
    assert (
        client.post("/committees/genomics-dac/members/99999999999999999999/end/").status_code == 404
    )


def test_the_lay_voting_setting_on_the_page(client, genomics, chair1):
    client.force_login(chair1)
    url = "/committees/genomics-dac/members/lay-voting/"
    assert client.post(url, {"lay_representatives_vote": "maybe"}).status_code == 400
    assert client.post(url, {"lay_representatives_vote": "no"}).status_code == 302
    genomics.refresh_from_db()
    assert genomics.lay_representatives_vote is False


def test_a_committee_person_publishes_a_region_and_expertise(
    client, genomics, member2, researcher1
):
    client.force_login(researcher1)
    assert client.get("/accounts/committee-profile/").status_code == 403
    client.force_login(member2)
    assert client.post("/accounts/committee-profile/", {"region": "XX"}).status_code == 400
    saved = client.post(
        "/accounts/committee-profile/", {"region": "SEAR", "expertise": "Research ethics"}
    )
    assert saved.status_code == 302
    client.logout()
    public = client.get("/committees/genomics-dac/").content.decode()
    assert "South-East Asia Region" in public and "Research ethics" in public
    assert "Priya" not in public  # counts and fields, never names


def test_the_statistics_page_shows_the_lay_share(client):
    html = client.get("/stats/").content.decode()
    assert 'data-testid="stats-lay-share"' in html


# -- REST -----------------------------------------------------------------------------------


def test_rest_lists_invites_changes_and_ends(api_client_for, genomics, chair1, member1, member2):
    assert (
        api_client_for(member1).get("/api/v1/committees/genomics-dac/members/").status_code == 403
    )
    api = api_client_for(chair1)
    listed = api.get("/api/v1/committees/genomics-dac/members/").json()
    assert {"chair1", "lay1"} <= {row["username"] for row in listed}

    created = api.post(
        "/api/v1/committees/genomics-dac/invitations/",
        {"name": "Zanele Dube", "email": NEW_ADDRESS, "role": "member", "term_ends": "2030-01-31"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["term_ends"] == "2030-01-31"
    assert "email" not in created.json()

    seat = seat_of(member2, genomics)
    url = f"/api/v1/committees/genomics-dac/members/{seat.pk}/"
    assert api.patch(url, {"term_ends": "31/01/2030"}, format="json").status_code == 400
    assert api.patch(url, {"colour": "red"}, format="json").status_code == 400
    changed = api.patch(url, {"role": "lay", "term_ends": "2030-01-31"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "lay"
    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 404
    chair_seat = seat_of(chair1, genomics)
    last = api.delete(f"/api/v1/committees/genomics-dac/members/{chair_seat.pk}/")
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_chair"
