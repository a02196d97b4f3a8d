"""Outside reviewers (issue 17): a chair invites an expert, ethics or community adviser to
one request under review; the invited address accepts with its own account, sees that
request alone, gives an opinion (and votes, only where the committee counts outside
votes), and loses access when the request is decided or withdrawn, or the chair ends it.
Every change is audited, never with the address; every refusal changes nothing.

The request is researcher2's, under review by the demo committee (majority, quorum 2;
chair1 chairs it, member1 and member2 are members)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from access_requests import services
from access_requests.models import CommitteeReviewSettings, OutsideReviewer, Vote
from access_requests.review import outside
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.rules import workflow_roles
from accounts.models import Committee, User
from accounts.services import user_create
from audit.models import AuditEvent
from dac_portal.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from dac_portal.tokens import token_digest
from notifications.models import Notification
from tests.access_requests.conftest import decide, vote

pytestmark = pytest.mark.django_db

EXPERT_EMAIL = "Ama.Owusu@Example.org"
STRANGER_EMAIL = "someone.else@example.org"
OPINION = "The phenotype definitions are sound; the sample size is too small for the claim."


@pytest.fixture
def expert(db: Any) -> User:
    """An account with the invited address (in another case: addresses match regardless)."""
    return user_create(
        username="expert1",
        email=EXPERT_EMAIL,
        password="x-password-1",
        first_name="Ama",
        last_name="Owusu",
        actor=None,
    )


@pytest.fixture
def stranger(db: Any) -> User:
    return user_create(
        username="stranger1",
        email=STRANGER_EMAIL,
        password="x-password-1",
        first_name="Sam",
        last_name="Else",
        actor=None,
    )


def invite(request: Any, chair: Any, email: str = EXPERT_EMAIL, kind: str = "expert") -> Any:
    return outside.outside_reviewer_invite(
        access_request=request, name="Dr Ama Owusu", email=email, kind=kind, actor=chair
    )


def invitation_of(reviewer: OutsideReviewer) -> Notification:
    return Notification.objects.get(dedupe_key=f"outside_reviewer.invited:{reviewer.public_id}")


def link_token(reviewer: OutsideReviewer) -> str:
    message = invitation_of(reviewer)
    found = re.search(r"/review/outside/invitations/([A-Za-z0-9_-]+)/", message.body_text)
    assert found is not None
    return found.group(1)


def accepted(request: Any, chair: Any, person: Any) -> OutsideReviewer:
    reviewer = invite(request, chair, email=person.email)
    return outside.outside_reviewer_invitation_accept(token=link_token(reviewer), actor=person)


def count_outside_votes(committee: Committee, on: bool, chair: Any) -> None:
    review_services.committee_outside_votes_set(committee=committee, count=on, actor=chair)


def events_of(reviewer: OutsideReviewer, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type="outside_reviewer", object_id=str(reviewer.public_id)
        ).order_by("seq")
    )


def no_address_in_the_log(*addresses: str) -> None:
    everything = json.dumps(
        list(AuditEvent.objects.values_list("data", flat=True)), ensure_ascii=False
    ).lower()
    for address in addresses:
        assert address.lower() not in everything


# -- invitation ----------------------------------------------------------------------------


def test_a_chair_invites_by_email_with_a_single_use_link_and_the_log_holds_no_address(
    reviewing, chair1, expert
):
    request = reviewing()
    reviewer = invite(request, chair1)
    assert reviewer.email == EXPERT_EMAIL.lower() and reviewer.status == "invited"
    assert reviewer.committee.slug == "genomics-dac" and reviewer.invited_by == chair1
    expires = reviewer.invitation_expires_at - reviewer.invited_at
    assert timedelta(days=29) < expires <= timedelta(days=30)
    token = link_token(reviewer)
    # Only the token's digest is stored.
    assert reviewer.invitation_token_sha256 == token_digest(token) != token
    # The address has an account: the message goes to it (inbox and e-mail).
    message = invitation_of(reviewer)
    assert message.recipient == expert and request.reference in message.subject
    [event] = events_of(reviewer, "outside_reviewer.invited")
    assert event.actor == chair1 and event.data["committee_only"] is True
    assert event.data["request"] == request.reference and event.data["invited"] == "account"
    no_address_in_the_log(EXPERT_EMAIL)


def test_an_address_without_an_account_is_invited_by_email_alone(reviewing, chair1):
    request = reviewing()
    reviewer = invite(request, chair1, email="New.Person@Example.org", kind="community")
    message = invitation_of(reviewer)
    assert message.recipient is None and message.address == "new.person@example.org"
    assert f"/review/outside/invitations/{link_token(reviewer)}/" in message.body_text
    assert events_of(reviewer, "outside_reviewer.invited")[0].data["invited"] == "e-mail"
    no_address_in_the_log("new.person@example.org")


@pytest.mark.parametrize("who", ["member1", "steward1", "researcher2", "chair2"])
def test_only_a_chair_of_the_requests_committee_invites(reviewing, demo_user, who):
    request = reviewing()
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        invite(request, demo_user(who))
    assert not OutsideReviewer.objects.filter(access_request=request).exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Dr\x00Nul"}, "name"),
        ({"email": "not an address"}, "email"),
        ({"email": ""}, "email"),
        ({"email": ["a@example.org"]}, "email"),
        ({"kind": "friend"}, "kind"),
        ({"kind": None}, "kind"),
    ],
)
def test_an_invitation_needs_a_name_an_address_and_a_kind(reviewing, chair1, fields, field):
    request = reviewing()
    data = {"name": "Dr Ama Owusu", "email": EXPERT_EMAIL, "kind": "ethics", **fields}
    before = (AuditEvent.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as refused:
        outside.outside_reviewer_invite(access_request=request, actor=chair1, **data)
    assert field in refused.value.details
    assert (AuditEvent.objects.count(), Notification.objects.count()) == before
    assert not OutsideReviewer.objects.filter(access_request=request).exists()


def test_an_address_is_invited_once_and_never_the_applicants_or_a_members(
    reviewing, chair1, researcher2, member2
):
    request = reviewing()
    invite(request, chair1)
    with pytest.raises(Conflict) as twice:
        invite(request, chair1, email=EXPERT_EMAIL.upper())
    assert twice.value.code == "already_invited"
    with pytest.raises(Conflict) as applicant:
        invite(request, chair1, email=researcher2.email)
    assert applicant.value.code == "conflict_of_interest"
    with pytest.raises(Conflict) as member:
        invite(request, chair1, email=member2.email)
    assert member.value.code == "already_on_committee"
    assert OutsideReviewer.objects.filter(access_request=request).count() == 1


def test_invitations_are_for_requests_under_review(reviewing, chair1):
    request = reviewing()
    review_services.access_request_request_changes(
        access_request=request, message="More detail please.", actor=chair1
    )
    with pytest.raises(InvalidTransition) as refused:
        invite(request, chair1)
    assert refused.value.details["status"] == "changes_requested"


# -- acceptance ----------------------------------------------------------------------------


def test_only_the_invited_address_accepts_and_the_link_works_once(
    reviewing, chair1, expert, stranger
):
    request = reviewing()
    reviewer = invite(request, chair1)
    token = link_token(reviewer)
    with pytest.raises(PermissionDenied) as other:
        outside.outside_reviewer_invitation_accept(token=token, actor=stranger)
    assert other.value.code == "invitation_other_address"
    reviewer.refresh_from_db()
    assert reviewer.user is None and reviewer.invitation_token_sha256
    done = outside.outside_reviewer_invitation_accept(token=token, actor=expert)
    assert done.user == expert and done.status == "accepted"
    assert done.invitation_token_sha256 == "" and done.invitation_expires_at is None
    [event] = events_of(reviewer, "outside_reviewer.accepted")
    assert event.actor == expert
    assert "outside_reviewer" in workflow_roles(expert, request)
    # The spent link's replacement: a message in their inbox (and e-mail) to their page.
    welcome = Notification.objects.get(recipient=expert, kind="outside_reviewer_welcome")
    assert f"/review/outside/{done.public_id}/" in welcome.body_text
    with pytest.raises(NotFound):
        outside.outside_reviewer_invitation_accept(token=token, actor=expert)
    for junk in ("", "x" * 500, None, "not-a-token"):
        with pytest.raises(NotFound):
            outside.outside_reviewer_invitation_accept(token=junk, actor=expert)
    no_address_in_the_log(EXPERT_EMAIL)


def test_an_expired_invitation_answers_409_and_changes_nothing(reviewing, chair1, expert):
    request = reviewing()
    reviewer = invite(request, chair1)
    token = link_token(reviewer)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        with pytest.raises(Conflict) as refused:
            outside.outside_reviewer_invitation_accept(token=token, actor=expert)
        reviewer.refresh_from_db()
        assert reviewer.status == "expired"
    assert refused.value.code == "invitation_expired" and refused.value.status_code == 409
    assert reviewer.user is None and not events_of(reviewer, "outside_reviewer.accepted")


# -- opinion -------------------------------------------------------------------------------


def test_the_outside_reviewer_gives_and_revises_an_opinion_until_the_decision(
    reviewing, chair1, member1, expert
):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion=OPINION, actor=expert)
    reviewer.refresh_from_db()
    assert reviewer.opinion == OPINION and reviewer.opinion_at is not None
    [event] = events_of(reviewer, "outside_reviewer.opinion_given")
    # The audit log records that they gave it, never the text.
    assert event.data["length"] == len(OPINION) and event.data["revised"] is False
    assert OPINION not in json.dumps(event.data)
    outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion="Revised.", actor=expert)
    reviewer.refresh_from_db()
    assert reviewer.opinion == "Revised."
    assert events_of(reviewer, "outside_reviewer.opinion_given")[-1].data["revised"] is True

    vote(request, member1, "approve")
    vote(request, chair1, "approve")
    decide(request, chair1, "approved")
    reviewer.refresh_from_db()
    assert reviewer.status == "ended" and reviewer.end_reason == "decided"
    [ended] = events_of(reviewer, "outside_reviewer.ended")
    assert ended.actor == chair1 and ended.data["end_reason"] == "decided"
    # The decision's own event comes first; the end follows in the same transaction.
    decided = AuditEvent.objects.filter(
        action="access_request.decided", object_id=request.reference
    ).get()
    assert decided.seq < ended.seq
    with pytest.raises(NotFound):
        outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion="Late.", actor=expert)
    with pytest.raises(NotFound):
        outside.outside_reviewer_get_for_user(user=expert, public_id=reviewer.public_id)
    assert reviewer.opinion == "Revised."


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001, "bad\x00text", 42])
def test_an_opinion_is_text_of_at_most_10000_characters(reviewing, chair1, expert, text):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion=text, actor=expert)
    assert "opinion" in refused.value.details
    reviewer.refresh_from_db()
    assert reviewer.opinion == "" and AuditEvent.objects.count() == before


def test_only_the_outside_reviewer_gives_their_opinion(reviewing, chair1, member1, expert):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    for someone in (chair1, member1):
        with pytest.raises(NotFound):
            outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion="x", actor=someone)


def test_no_opinion_while_the_applicant_makes_changes(reviewing, chair1, expert):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    review_services.access_request_request_changes(
        access_request=request, message="More detail please.", actor=chair1
    )
    with pytest.raises(InvalidTransition):
        outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion=OPINION, actor=expert)
    # Their access stands: the request comes back to review.
    assert outside.outside_reviewer_get_for_user(user=expert, public_id=reviewer.public_id)


# -- votes ---------------------------------------------------------------------------------


def test_an_outside_vote_counts_only_where_the_committee_counts_them(
    reviewing, chair1, member1, expert
):
    request = reviewing(quorum=2)
    committee = request.committee
    reviewer = accepted(request, chair1, expert)
    vote(request, member1, "approve")
    with pytest.raises(PermissionDenied):
        vote(request, expert, "approve")
    assert not Vote.objects.filter(access_request=request, voter=expert).exists()
    [tally] = review_selectors.tallies(request).values()
    assert (tally.voted, tally.quorum_met) == (1, False)
    eligible_before = tally.eligible

    count_outside_votes(committee, True, chair1)
    vote(request, expert, "approve")
    [tally] = review_selectors.tallies(request).values()
    assert tally.eligible == eligible_before + 1
    assert (tally.voted, tally.approve, tally.quorum_met) == (2, 2, True)

    # Turned off again, or the access ended: the vote no longer counts.
    count_outside_votes(committee, False, chair1)
    [tally] = review_selectors.tallies(request).values()
    assert (tally.voted, tally.quorum_met) == (1, False)
    count_outside_votes(committee, True, chair1)
    outside.outside_reviewer_end(reviewer=reviewer, actor=chair1)
    [tally] = review_selectors.tallies(request).values()
    assert (tally.voted, tally.eligible) == (1, eligible_before)


def test_the_setting_is_the_chairs_and_audited(chair1, member1):
    committee = Committee.objects.get(slug="genomics-dac")
    with pytest.raises(PermissionDenied):
        count_outside_votes(committee, True, member1)
    with pytest.raises(ValidationError):
        review_services.committee_outside_votes_set(committee=committee, count="yes", actor=chair1)
    count_outside_votes(committee, True, chair1)
    assert CommitteeReviewSettings.objects.get(committee=committee).outside_votes_count is True
    event = AuditEvent.objects.filter(action="committee.outside_votes_changed").latest("seq")
    assert event.actor == chair1 and event.data == {"old": False, "new": True}


def test_overdue_reminders_go_to_the_committee_not_to_outside_reviewers(reviewing, chair1, expert):
    request = reviewing()
    accepted(request, chair1, expert)
    count_outside_votes(request.committee, True, chair1)
    review_services.reviews_remind_overdue(timezone.now() + timedelta(days=60))
    assert not Notification.objects.filter(
        kind="access_request_review_overdue", recipient=expert
    ).exists()
    assert Notification.objects.filter(kind="access_request_review_overdue", recipient=chair1)


# -- the end of access ---------------------------------------------------------------------


def test_the_chair_ends_an_invitation_and_a_member_cannot(reviewing, chair1, member1, expert):
    request = reviewing()
    reviewer = invite(request, chair1)
    token = link_token(reviewer)
    with pytest.raises(PermissionDenied):
        outside.outside_reviewer_end(reviewer=reviewer, actor=member1)
    outside.outside_reviewer_end(reviewer=reviewer, actor=chair1)
    reviewer.refresh_from_db()
    assert reviewer.status == "ended" and reviewer.end_reason == "ended_by_chair"
    assert reviewer.invitation_token_sha256 == ""
    assert events_of(reviewer, "outside_reviewer.ended")[0].actor == chair1
    with pytest.raises(NotFound):
        outside.outside_reviewer_invitation_accept(token=token, actor=expert)
    with pytest.raises(Conflict) as again:
        outside.outside_reviewer_end(reviewer=reviewer, actor=chair1)
    assert again.value.code == "already_ended"
    # Ended, the address may be invited again.
    assert invite(request, chair1).status == "invited"


def test_a_withdrawal_ends_every_outside_reviewer_in_its_transaction(
    reviewing, chair1, researcher2, expert
):
    request = reviewing()
    active = accepted(request, chair1, expert)
    pending = invite(request, chair1, email=STRANGER_EMAIL)
    services.access_request_withdraw(access_request=request, actor=researcher2, reason="Done.")
    for reviewer in (active, pending):
        reviewer.refresh_from_db()
        assert reviewer.status == "ended" and reviewer.end_reason == "withdrawn"
        [event] = events_of(reviewer, "outside_reviewer.ended")
        assert event.actor == researcher2
    assert "outside_reviewer" not in workflow_roles(expert, request)


# -- pages ---------------------------------------------------------------------------------


def test_the_invitation_page_says_why_a_wrong_account_cannot_accept(
    client, reviewing, chair1, expert, stranger
):
    request = reviewing()
    reviewer = invite(request, chair1)
    path = f"/review/outside/invitations/{link_token(reviewer)}/"
    assert client.get(path).status_code == 302  # sign in first
    client.force_login(stranger)
    page = client.get(path)
    assert page.status_code == 403
    assert "another e-mail address" in page.content.decode()
    assert request.title not in page.content.decode()
    assert client.post(path).status_code == 403
    client.force_login(expert)
    page = client.get(path)
    assert page.status_code == 200 and "Accept the invitation" in page.content.decode()
    done = client.post(path)
    assert done.status_code == 302 and done["Location"] == f"/review/outside/{reviewer.public_id}/"
    assert client.get(path).status_code == 404
    assert client.get("/review/outside/invitations/nonsense/").status_code == 404


def test_the_outside_reviewer_sees_their_request_alone(client, reviewing, chair1, member1, expert):
    request = reviewing()
    vote(request, member1, "reject")
    review_services.access_request_note_add(
        access_request=request, body="A committee secret note.", actor=chair1
    )
    reviewer = accepted(request, chair1, expert)
    client.force_login(expert)
    page = client.get(f"/review/outside/{reviewer.public_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert request.title in text and request.lay_summary in text
    for row in request.requested_datasets.select_related("dataset"):
        assert row.dataset.accession in text
    # Not the committee's notes, votes, or who reviews.
    assert "A committee secret note." not in text and "member1 thinks reject" not in text
    assert member1.get_full_name() not in text
    assert 'name="opinion"' in text and 'name="vote"' not in text
    # Nowhere else: not the review page, the request page, the queue or the list.
    assert client.get(f"/review/{request.reference}/").status_code == 404
    assert client.get(f"/requests/{request.reference}/").status_code == 404
    assert client.get("/review/").status_code == 403
    assert request.reference not in client.get("/requests/").content.decode()
    # The committee reads the opinion on its review page, not here.
    client.force_login(member1)
    assert client.get(f"/review/outside/{reviewer.public_id}/").status_code == 404
    client.force_login(chair1)
    assert client.get(f"/review/outside/{reviewer.public_id}/").status_code == 404


def test_the_opinion_form_keeps_the_text_on_a_refusal(client, reviewing, chair1, expert):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    client.force_login(expert)
    path = f"/review/outside/{reviewer.public_id}/opinion/"
    refused = client.post(path, {"opinion": "x" * 10_001})
    assert refused.status_code == 400 and "x" * 10_001 in refused.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.opinion == ""
    done = client.post(path, {"opinion": OPINION})
    assert done.status_code == 302
    assert OPINION in client.get(f"/review/outside/{reviewer.public_id}/").content.decode()


def test_the_vote_form_is_there_only_when_the_committee_counts_it(
    client, reviewing, chair1, expert
):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    client.force_login(expert)
    page = f"/review/outside/{reviewer.public_id}/"
    refused = client.post(f"{page}vote/", {"vote": "approve", "rationale": "Sound."})
    assert refused.status_code == 403
    count_outside_votes(request.committee, True, chair1)
    assert 'name="vote"' in client.get(page).content.decode()
    done = client.post(f"{page}vote/", {"vote": "approve", "rationale": "Sound."})
    assert done.status_code == 302
    assert Vote.objects.get(access_request=request, voter=expert).vote == "approve"


def test_after_the_decision_the_outside_reviewers_page_is_gone(
    client, reviewing, chair1, member1, expert
):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    vote(request, member1, "approve")
    vote(request, chair1, "approve")
    decide(request, chair1, "approved")
    client.force_login(expert)
    assert client.get(f"/review/outside/{reviewer.public_id}/").status_code == 404
    assert (
        client.post(f"/review/outside/{reviewer.public_id}/opinion/", {"opinion": "x"}).status_code
        == 404
    )


def test_the_review_page_lists_the_outside_reviewers_for_the_committee(
    client, reviewing, chair1, member1, expert
):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    outside.outside_reviewer_opinion_give(reviewer=reviewer, opinion=OPINION, actor=expert)
    invite(request, chair1, email=STRANGER_EMAIL, kind="community")
    client.force_login(chair1)
    text = client.get(f"/review/{request.reference}/").content.decode()
    assert "Outside reviewers" in text and OPINION in text
    assert EXPERT_EMAIL.lower() in text and STRANGER_EMAIL in text
    assert "End the access of Ama Owusu" in text and "Invite an outside reviewer" in text
    client.force_login(member1)
    text = client.get(f"/review/{request.reference}/").content.decode()
    assert OPINION in text and "Ama Owusu" in text
    assert EXPERT_EMAIL.lower() not in text and "End the access of" not in text
    assert "Invite an outside reviewer" not in text


def test_the_chair_invites_and_ends_from_the_review_page(client, reviewing, chair1, expert):
    request = reviewing()
    client.force_login(chair1)
    base = f"/review/{request.reference}/"
    refused = client.post(
        f"{base}outside-reviewers/",
        {
            "outside_form": "1",
            "outside_name": "Dr Ama Owusu",
            "outside_email": "nope",
            "outside_kind": "ethics",
        },
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'value="Dr Ama Owusu"' in text and 'id="outside-email-error"' in text
    assert not OutsideReviewer.objects.filter(access_request=request).exists()
    done = client.post(
        f"{base}outside-reviewers/",
        {
            "outside_form": "1",
            "outside_name": "Dr Ama Owusu",
            "outside_email": EXPERT_EMAIL,
            "outside_kind": "ethics",
        },
    )
    assert done.status_code == 302
    reviewer = OutsideReviewer.objects.get(access_request=request)
    assert reviewer.kind == "ethics"
    ended = client.post(
        f"{base}end-outside-reviewer/", {"outside_reviewer": str(reviewer.public_id)}
    )
    assert ended.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.end_reason == "ended_by_chair"
    junk = client.post(f"{base}end-outside-reviewer/", {"outside_reviewer": "junk"})
    assert junk.status_code == 404


def test_the_chair_sets_on_the_queue_page_whether_outside_votes_count(client, chair1, member1):
    client.force_login(chair1)
    assert "votes in Genomics Data Access Committee" in client.get("/review/").content.decode()
    done = client.post("/review/mode/", {"committee": "genomics-dac", "outside_votes_count": "yes"})
    assert done.status_code == 302
    assert review_selectors.outside_votes_count(Committee.objects.get(slug="genomics-dac"))
    assert (
        client.post(
            "/review/mode/", {"committee": "genomics-dac", "outside_votes_count": "maybe"}
        ).status_code
        == 400
    )
    client.force_login(member1)
    assert (
        client.post(
            "/review/mode/", {"committee": "genomics-dac", "outside_votes_count": "no"}
        ).status_code
        == 403
    )
    assert review_selectors.outside_votes_count(Committee.objects.get(slug="genomics-dac"))


# -- REST ----------------------------------------------------------------------------------


def test_the_api_lists_and_invites_for_the_committee(
    reviewing, api_client_for, chair1, member1, researcher2, expert
):
    request = reviewing()
    path = f"/api/v1/requests/{request.reference}/outside-reviewers/"
    chair = api_client_for(chair1)
    made = chair.post(
        path, {"name": "Dr Ama Owusu", "email": EXPERT_EMAIL, "kind": "expert"}, format="json"
    )
    assert made.status_code == 201
    [entry] = made.json()["results"]
    assert entry["email"] == EXPERT_EMAIL.lower() and entry["status"] == "invited"
    assert entry["committee"] == "genomics-dac" and entry["opinion"] is None
    listed = api_client_for(member1).get(path)
    assert listed.status_code == 200 and listed.json()["results"][0]["email"] is None
    assert api_client_for(researcher2).get(path).status_code == 404
    assert api_client_for(expert).get(path).status_code == 404
    refused = api_client_for(member1).post(
        path, {"name": "X", "email": STRANGER_EMAIL, "kind": "expert"}, format="json"
    )
    assert refused.status_code == 403
    assert (
        chair.post(
            path, {"name": "X", "email": EXPERT_EMAIL, "kind": "expert"}, format="json"
        ).json()["error"]["code"]
        == "already_invited"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "email": "bad", "kind": "expert"},
        {"name": "", "email": STRANGER_EMAIL, "kind": "expert"},
        {"name": "X", "email": STRANGER_EMAIL, "kind": "friend"},
        {"name": "X", "email": STRANGER_EMAIL, "kind": "expert", "extra": 1},
        {"name": ["X"], "email": STRANGER_EMAIL, "kind": "expert"},
        ["not", "an", "object"],
        "text",
    ],
)
def test_a_bad_invitation_is_a_400_with_nothing_changed(reviewing, api_client_for, chair1, body):
    request = reviewing()
    chair = api_client_for(chair1)
    before = AuditEvent.objects.count()
    response = chair.post(
        f"/api/v1/requests/{request.reference}/outside-reviewers/", body, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"]
    assert AuditEvent.objects.count() == before
    assert not OutsideReviewer.objects.filter(access_request=request).exists()


def test_the_api_takes_the_outside_reviewers_opinion_and_nobody_elses(
    reviewing, api_client_for, chair1, member1, expert
):
    request = reviewing()
    reviewer = accepted(request, chair1, expert)
    path = f"/api/v1/requests/{request.reference}/outside-reviewers/{reviewer.public_id}/opinion/"
    mine = api_client_for(expert)
    done = mine.post(path, {"opinion": OPINION}, format="json")
    assert done.status_code == 200 and done.json()["opinion"] == OPINION
    assert api_client_for(member1).post(path, {"opinion": "x"}, format="json").status_code == 404
    assert api_client_for(chair1).post(path, {"opinion": "x"}, format="json").status_code == 404
    for junk in ({"opinion": ""}, {"opinion": "x" * 10_001}, {"opinion": 1}, {"other": "x"}, []):
        response = mine.post(path, junk, format="json")
        assert response.status_code == 400, junk
    wrong = f"/api/v1/requests/DAR-2000-000001/outside-reviewers/{reviewer.public_id}/opinion/"
    assert mine.post(wrong, {"opinion": "x"}, format="json").status_code == 404
    assert (
        mine.post(
            f"/api/v1/requests/{request.reference}/outside-reviewers/junk/opinion/",
            {"opinion": "x"},
            format="json",
        ).status_code
        == 404
    )
    review_services.access_request_request_changes(
        access_request=request, message="More detail please.", actor=chair1
    )
    conflict = mine.post(path, {"opinion": "x"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["error"]["details"]["status"] == (
        "changes_requested"
    )
    reviewer.refresh_from_db()
    assert reviewer.opinion == OPINION


# -- demo ----------------------------------------------------------------------------------


def test_the_demo_has_an_accepted_adviser_with_an_opinion_and_a_pending_invitation():
    from access_requests.review.demo import find

    request = find("under_review")
    reviewers = list(OutsideReviewer.objects.filter(access_request=request).order_by("id"))
    assert [r.status for r in reviewers] == ["accepted", "invited"]
    assert reviewers[0].user.username == "adviser1" and reviewers[0].opinion
    assert reviewers[1].user is None
