"""A request spanning two committees (issue 8, ADR 0006): each dataset goes to the
committee of its dataset and is voted on, tallied and decided there, under that
committee's rule and quorum; notes stay within the committee that wrote them; the request
is decided when its last dataset is. Every service test asserts its audit event; every
refusal leaves nothing changed.

The committees: the demo committee (genomics-dac: majority, quorum 2, endorsement
required; chair1, member1-3) and the demo's second committee (rare-registry-dac:
unanimous, quorum 1, 21-day target, no endorsement; chair2, member4, steward2)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import (
    AccessRequest,
    CommitteeNote,
    CommitteeRoute,
    RequestedDataset,
    Vote,
)
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.review.demo import find
from accounts.models import Committee, User
from audit.models import AuditEvent
from dac_portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from notifications.models import Notification
from tests.access_requests.conftest import last_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(db: Any) -> Committee:
    return Committee.objects.get(slug="rare-registry-dac")


@pytest.fixture
def chair2(db: Any) -> User:
    return User.objects.get(username="chair2")


@pytest.fixture
def member4(db: Any) -> User:
    return User.objects.get(username="member4")


@pytest.fixture
def mixed(researcher1, official1, complete_data, make_dataset, second):
    """researcher1's request for one fresh dataset of each committee (the demo
    committee's first), submitted and endorsed: under review in both."""

    def make() -> tuple[AccessRequest, str, str]:
        ours, theirs = make_dataset().accession, make_dataset(committee=second).accession
        request = services.access_request_create(
            applicant=researcher1,
            data=complete_data(datasets=[ours, theirs]),
            actor=researcher1,
        )
        services.access_request_submit(access_request=request, actor=researcher1)
        request.refresh_from_db()
        # The demo committee asks for endorsement, the second does not: it is needed.
        assert request.status == "submitted"
        services.access_request_endorse(access_request=request, actor=official1)
        request.refresh_from_db()
        assert request.status == "under_review"
        return request, ours, theirs

    return make


def vote(request: AccessRequest, user: Any, choice: str, dataset: str | None = None) -> Any:
    return review_services.access_request_vote(
        access_request=request,
        vote=choice,
        rationale=f"{user.username} says {choice}.",
        dataset=dataset,
        actor=user,
    )


def decide(request: AccessRequest, chair: Any, *entries: tuple[str, str]) -> AccessRequest:
    return review_services.access_request_decide(
        access_request=request,
        decisions=[
            {"dataset": accession, "decision": decision}
            | ({"reason": "Not within the consent."} if decision == "rejected" else {})
            for accession, decision in entries
        ],
        actor=chair,
    )


def snapshot(request: AccessRequest) -> tuple[Any, ...]:
    request.refresh_from_db()
    return (
        request.status,
        request.decided_at,
        sorted(
            RequestedDataset.objects.filter(access_request=request).values_list(
                "dataset__accession", "decision", "decision_reason"
            )
        ),
        sorted(Vote.objects.filter(access_request=request).values_list("voter_id", "vote")),
        AuditEvent.objects.count(),
    )


# -- routing ----------------------------------------------------------------------------------


def test_a_mixed_request_is_routed_to_each_committee_with_its_own_target(
    mixed, second, researcher1
):
    request, ours, theirs = mixed()
    routes = {r.committee.slug: r for r in CommitteeRoute.objects.filter(access_request=request)}
    assert set(routes) == {"genomics-dac", "rare-registry-dac"}
    assert {r.status for r in routes.values()} == {"under_review"}
    assert routes["genomics-dac"].routed_at == routes["rare-registry-dac"].routed_at
    routed = request.routed_at
    assert routes["genomics-dac"].review_due_at == routed + timedelta(days=14)
    assert routes["rare-registry-dac"].review_due_at == routed + timedelta(days=21)
    assert request.review_due_at == routed + timedelta(days=14)  # the earliest promise
    rows = {r.dataset.accession: r.committee.slug for r in request.requested_datasets.all()}
    assert rows == {ours: "genomics-dac", theirs: "rare-registry-dac"}
    endorsed = last_event("access_request.endorsed", request.reference)
    assert endorsed.data["new_status"] == "under_review"
    submitted = last_event("access_request.submitted", request.reference)
    assert submitted.data["endorsement_required"] is True


def test_no_endorsement_when_no_committee_asks(researcher1, complete_data, make_dataset, second):
    """Only the second committee: it does not ask, so the request goes straight to it."""
    request = services.access_request_create(
        applicant=researcher1,
        data=complete_data(datasets=[make_dataset(committee=second).accession]),
        actor=researcher1,
    )
    services.access_request_submit(access_request=request, actor=researcher1)
    request.refresh_from_db()
    assert request.status == "under_review"
    assert (
        last_event("access_request.submitted", request.reference).data["endorsement_required"]
        is False
    )


def test_both_committees_see_it_in_their_queue_and_on_the_review_page(
    mixed, chair1, chair2, member4, steward1, researcher2
):
    request, _ours, _theirs = mixed()
    for user in (chair1, chair2, member4, steward1):
        page = review_selectors.review_queue_for_user(
            user=user, filters=review_selectors.QueueFilters(), limit=100
        )
        assert request.reference in [r.reference for r in page.rows], user.username
        review_selectors.review_state_for_user(user=user, reference=request.reference)
    # Each committee's page shows its own due date (the second committee's target is 21).
    state = review_selectors.review_state_for_user(user=chair2, reference=request.reference)
    assert state.due_at == request.routed_at + timedelta(days=21)
    state = review_selectors.review_state_for_user(user=chair1, reference=request.reference)
    assert state.due_at == request.routed_at + timedelta(days=14)
    page = review_selectors.review_queue_for_user(
        user=chair2, filters=review_selectors.QueueFilters(), limit=100
    )
    # chair2 sits on the second committee only: the demo committee's requests are not there.
    assert find("under_review").reference not in [r.reference for r in page.rows]
    with pytest.raises(NotFound):
        review_selectors.review_state_for_user(user=researcher2, reference=request.reference)


def test_the_queue_shows_a_request_once_to_someone_on_both_committees(mixed, second, member1):
    from accounts.services import committee_membership_add

    request, _ours, _theirs = mixed()
    committee_membership_add(committee=second, user=member1, role="member", actor=None)
    member1.refresh_from_db()
    page = review_selectors.review_queue_for_user(
        user=member1, filters=review_selectors.QueueFilters(), limit=100
    )
    references = [r.reference for r in page.rows]
    assert references.count(request.reference) == 1


# -- votes and tallies ------------------------------------------------------------------------


def test_each_committee_votes_only_on_its_own_datasets(mixed, member1, member4):
    request, ours, theirs = mixed()
    before = snapshot(request)
    with pytest.raises(PermissionDenied) as refused:
        vote(request, member1, "approve", dataset=theirs)
    assert refused.value.code == "other_committee"
    with pytest.raises(PermissionDenied):
        vote(request, member4, "reject", dataset=ours)
    assert snapshot(request) == before

    # Without a dataset, a vote covers the voter's own committee's datasets only.
    [cast] = vote(request, member4, "approve")
    assert cast.requested_dataset.dataset.accession == theirs
    event = last_event("access_request.vote_cast", request.reference)
    assert event.actor == member4 and set(event.data["votes"]) == {theirs}
    assert event.data["committee_only"] is True


def test_each_dataset_is_tallied_under_its_own_committees_rule_and_quorum(
    mixed, member1, member4, chair2
):
    request, ours, theirs = mixed()
    vote(request, member1, "approve", dataset=ours)
    vote(request, member4, "approve", dataset=theirs)
    rows = {r.dataset.accession: r.pk for r in request.requested_datasets.all()}
    tallies = review_selectors.tallies(request)
    assert (tallies[rows[ours]].rule, tallies[rows[ours]].quorum) == ("majority", 2)
    # member3 (researcher1's university) is kept out of the demo committee's count.
    assert tallies[rows[ours]].eligible == 4 and not tallies[rows[ours]].quorum_met
    assert (tallies[rows[theirs]].rule, tallies[rows[theirs]].quorum) == ("unanimous", 1)
    assert tallies[rows[theirs]].eligible == 2 and tallies[rows[theirs]].quorum_met
    # Unanimous: one rejection in the second committee and only a rejection is allowed.
    vote(request, chair2, "reject", dataset=theirs)
    event = last_event("access_request.vote_cast", request.reference)
    assert event.actor == chair2 and event.data["votes"] == {theirs: {"old": None, "new": "reject"}}
    assert review_selectors.tallies(request)[rows[theirs]].allowed == {"rejected"}
    # …while the demo committee's majority is untouched by the second committee's votes.
    assert review_selectors.tallies(request)[rows[ours]].approve == 1


def test_a_recusal_counts_in_the_recusing_members_committee_only(mixed, member4, member1):
    request, ours, theirs = mixed()
    review_services.access_request_recuse(
        access_request=request, reason="I know the applicant.", actor=member4
    )
    assert last_event("access_request.recused", request.reference).actor == member4
    rows = {r.dataset.accession: r.pk for r in request.requested_datasets.all()}
    tallies = review_selectors.tallies(request)
    assert (tallies[rows[theirs]].recused, tallies[rows[theirs]].eligible) == (1, 1)
    # In the demo committee only member3's conflict (researcher1's university) counts.
    assert (tallies[rows[ours]].recused, tallies[rows[ours]].eligible) == (1, 4)


# -- decisions ----------------------------------------------------------------------------------


def test_a_chair_cannot_decide_the_other_committees_dataset(mixed, member4, chair1, chair2):
    request, ours, theirs = mixed()
    vote(request, member4, "approve", dataset=theirs)
    before = snapshot(request)
    with pytest.raises(PermissionDenied) as refused:
        decide(request, chair1, (theirs, "approved"))
    assert refused.value.code == "other_committee"
    assert refused.value.details == {"datasets": [theirs]}
    with pytest.raises(PermissionDenied):
        decide(request, chair2, (ours, "approved"), (theirs, "approved"))
    assert snapshot(request) == before


def test_the_request_stays_under_review_until_its_last_dataset_is_decided(
    mixed, member1, member2, member4, chair1, chair2, researcher1
):
    request, ours, theirs = mixed()
    vote(request, member4, "approve", dataset=theirs)
    decide(request, chair2, (theirs, "approved"))
    request.refresh_from_db()
    assert request.status == "under_review" and request.decided_at is None
    row = RequestedDataset.objects.get(access_request=request, dataset__accession=theirs)
    assert row.decision == "approved" and row.decided_at is not None
    event = last_event("access_request.decided", request.reference)
    assert event.actor == chair2
    assert event.data["old_status"] == event.data["new_status"] == "under_review"
    assert event.data["committees"] == ["rare-registry-dac"] and event.data["pending"] == [ours]
    assert set(event.data["decisions"]) == {theirs}
    route = CommitteeRoute.objects.get(access_request=request, committee__slug="rare-registry-dac")
    assert route.decided_at is not None
    # The applicant is told the decision so far (reasons, not votes).
    told = Notification.objects.filter(
        recipient=researcher1, kind="access_request_decided", dedupe_key__contains=request.reference
    )
    assert told.count() == 1 and "member4" not in told.get().body_text
    # ... and which dataset still waits for the other committee.
    assert f"Still to be decided by another committee: {ours}." in told.get().body_text
    assert f"Still to be decided by another committee: {ours}." in told.get().body_html
    # A decided dataset takes no more votes, nor a second decision.
    with pytest.raises(Conflict):
        vote(request, member4, "reject", dataset=theirs)
    with pytest.raises(Conflict) as again:
        decide(request, chair2, (theirs, "rejected"))
    assert again.value.code == "already_decided"

    # The demo committee rejects its dataset: one approval is enough for `approved`.
    vote(request, member1, "reject", dataset=ours)
    vote(request, member2, "reject", dataset=ours)
    decide(request, chair1, (ours, "rejected"))
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_at is not None
    final = last_event("access_request.decided", request.reference)
    assert final.actor == chair1 and final.data["new_status"] == "approved"
    assert final.data["pending"] == []
    assert set(
        CommitteeRoute.objects.filter(access_request=request).values_list("status", flat=True)
    ) == {"approved"}
    assert not RequestedDataset.objects.filter(access_request=request, is_open=True).exists()


def test_rejected_by_both_committees_is_rejected(mixed, member1, member2, member4, chair1, chair2):
    request, ours, theirs = mixed()
    vote(request, member1, "reject", dataset=ours)
    vote(request, member2, "reject", dataset=ours)
    decide(request, chair1, (ours, "rejected"))
    vote(request, member4, "reject", dataset=theirs)
    decide(request, chair2, (theirs, "rejected"))
    request.refresh_from_db()
    assert request.status == "rejected"
    assert last_event("access_request.decided", request.reference).data["new_status"] == (
        "rejected"
    )


def test_a_chair_decides_every_dataset_of_their_committee_at_once(
    researcher1, official1, complete_data, make_dataset, second, member4, chair2
):
    ours = make_dataset().accession
    theirs = [make_dataset(committee=second).accession for _ in range(2)]
    request = services.access_request_create(
        applicant=researcher1,
        data=complete_data(datasets=[ours, *theirs]),
        actor=researcher1,
    )
    services.access_request_submit(access_request=request, actor=researcher1)
    services.access_request_endorse(access_request=request, actor=official1)
    vote(request, member4, "approve")
    before = snapshot(request)
    with pytest.raises(ValidationError) as refused:
        decide(request, chair2, (theirs[0], "approved"))
    assert theirs[1] in refused.value.details
    assert snapshot(request) == before
    decide(request, chair2, (theirs[0], "approved"), (theirs[1], "approved"))
    assert last_event("access_request.decided", request.reference).data["pending"] == [ours]


# -- notes --------------------------------------------------------------------------------------


def test_notes_stay_within_the_committee_that_wrote_them(mixed, chair1, chair2, member1, member4):
    request, _ours, _theirs = mixed()
    review_services.access_request_note_add(
        access_request=request, body="Demo committee only.", actor=chair1
    )
    event = last_event("access_request.note_added", request.reference)
    assert event.actor == chair1 and event.data["committee"] == "genomics-dac"
    assert "Demo committee only." not in json.dumps(event.data)
    review_services.access_request_note_add(
        access_request=request, body="Second committee only.", actor=member4
    )
    assert last_event("access_request.note_added", request.reference).data["committee"] == (
        "rare-registry-dac"
    )
    assert CommitteeNote.objects.filter(access_request=request).count() == 2
    for user, sees, never in (
        (member1, "Demo committee only.", "Second committee only."),
        (chair2, "Second committee only.", "Demo committee only."),
    ):
        state = review_selectors.review_state_for_user(user=user, reference=request.reference)
        bodies = [n.body for n in state.notes or []]
        assert bodies == [sees]
        listed = review_selectors.note_list_for_user(user=user, access_request=request)
        assert [n.body for n in listed] == [sees] and never not in bodies


def test_the_other_committees_votes_are_not_in_the_review_state(mixed, member1, member4):
    request, ours, theirs = mixed()
    vote(request, member1, "approve", dataset=ours)
    vote(request, member4, "approve", dataset=theirs)
    state = review_selectors.review_state_for_user(user=member1, reference=request.reference)
    assert [v.voter.username for v in state.votes] == ["member1"]
    rows = {r.pk: r.dataset.accession for r in state.rows}
    assert {rows[pk] for pk in state.mine} == {ours}
    assert {rows[pk] for pk in state.votable} == {ours}


# -- changes requested, resubmission -----------------------------------------------------------


def test_changes_requested_by_either_chair_return_the_whole_request_and_resubmission_goes_back_to_both(  # noqa: E501
    mixed, member4, chair2, researcher1
):
    request, _ours, theirs = mixed()
    vote(request, member4, "approve", dataset=theirs)
    decide(request, chair2, (theirs, "approved"))
    # The chair of the second committee asks for changes: the whole request goes back.
    review_services.access_request_request_changes(
        access_request=request, message="Name the registry's consent addendum.", actor=chair2
    )
    request.refresh_from_db()
    assert request.status == "changes_requested"
    assert last_event("access_request.changes_requested", request.reference).actor == chair2
    assert set(
        CommitteeRoute.objects.filter(access_request=request).values_list("status", flat=True)
    ) == {"changes_requested"}
    services.access_request_update(
        access_request=request, data={"lay_summary": "With the addendum."}, actor=researcher1
    )
    services.access_request_resubmit(access_request=request, actor=researcher1)
    request.refresh_from_db()
    assert request.status == "under_review"
    event = last_event("access_request.resubmitted", request.reference)
    assert event.data["decisions_cleared"] == [theirs]
    assert not RequestedDataset.objects.filter(access_request=request).exclude(decision="").exists()
    routes = CommitteeRoute.objects.filter(access_request=request)
    assert {(r.status, r.decided_at) for r in routes} == {("under_review", None)}
    assert all(r.review_due_at > timezone.now() for r in routes)


# -- overdue reviews ---------------------------------------------------------------------------


def test_overdue_reminders_go_to_each_committee_that_has_not_decided(
    mixed, member4, chair2, chair1, member1
):
    request, _ours, theirs = mixed()
    # 15 days on: the demo committee (14 days) is overdue, the second (21 days) is not.
    later = timezone.now() + timedelta(days=15)
    review_services.reviews_remind_overdue(later)
    reminded = set(
        Notification.objects.filter(
            kind="access_request_review_overdue", dedupe_key__contains=request.reference
        ).values_list("recipient__username", flat=True)
    )
    assert {"chair1", "member1"} <= reminded and not {"chair2", "member4"} & reminded
    # 22 days on, the second committee has decided its dataset: still not reminded.
    vote(request, member4, "approve", dataset=theirs)
    decide(request, chair2, (theirs, "approved"))
    review_services.reviews_remind_overdue(timezone.now() + timedelta(days=22))
    reminded = set(
        Notification.objects.filter(
            kind="access_request_review_overdue", dedupe_key__contains=request.reference
        ).values_list("recipient__username", flat=True)
    )
    assert not {"chair2", "member4"} & reminded


# -- REST ---------------------------------------------------------------------------------------


def post(client, reference, suffix, body):
    return client.post(
        f"/api/v1/requests/{reference}/{suffix}",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_rest_a_chair_deciding_the_other_committees_dataset_is_refused_with_nothing_changed(
    mixed, api_client_for, member4, chair1
):
    request, _ours, theirs = mixed()
    vote(request, member4, "approve", dataset=theirs)
    before = snapshot(request)
    response = post(
        api_client_for(chair1),
        request.reference,
        "decision/",
        {"decisions": [{"dataset": theirs, "decision": "approved"}]},
    )
    assert response.status_code == 403, response.json()
    assert response.json()["error"]["code"] == "other_committee"
    assert snapshot(request)[:-1] == before[:-1]  # (the token made its own audit event)


def test_rest_the_second_chair_decides_its_dataset_and_the_request_stays_under_review(
    mixed, api_client_for, member4, chair2
):
    request, ours, theirs = mixed()
    response = post(
        api_client_for(member4), request.reference, "votes/", {"vote": "approve", "rationale": "Ok"}
    )
    assert response.status_code == 200, response.json()
    # The votes answer holds the voter's own committee's datasets only.
    assert [d["accession"] for d in response.json()["datasets"]] == [theirs]
    response = post(
        api_client_for(chair2),
        request.reference,
        "decision/",
        {"decisions": [{"dataset": theirs, "decision": "approved"}]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "under_review"
    assert body["committees"] == ["genomics-dac", "rare-registry-dac"]
    decided = {d["accession"]: (d["decision"], d["committee"]) for d in body["datasets"]}
    assert decided == {ours: (None, "genomics-dac"), theirs: ("approved", "rare-registry-dac")}
    assert last_event("access_request.decided", request.reference).actor == chair2


def test_rest_a_member_voting_on_the_other_committees_dataset_gets_403(
    mixed, api_client_for, member1
):
    request, _ours, theirs = mixed()
    response = post(
        api_client_for(member1),
        request.reference,
        "votes/",
        {"dataset": theirs, "vote": "approve", "rationale": "Not mine."},
    )
    assert response.status_code == 403
    assert not Vote.objects.filter(access_request=request).exists()


def test_rest_either_chair_requests_changes(mixed, api_client_for, chair2):
    request, _ours, _theirs = mixed()
    response = post(
        api_client_for(chair2), request.reference, "request-changes/", {"message": "Please."}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "changes_requested"
    assert last_event("access_request.changes_requested", request.reference).actor == chair2


def test_the_applicant_sees_which_datasets_are_decided_and_never_the_votes(
    mixed, api_client_for, client, member4, chair2, researcher1
):
    request, ours, theirs = mixed()
    vote(request, member4, "approve", dataset=theirs)
    decide(request, chair2, (theirs, "approved"))
    assert last_event("access_request.decided", request.reference).data["pending"] == [ours]
    body = api_client_for(researcher1).get(f"/api/v1/requests/{request.reference}/").json()
    assert {d["accession"]: d["decision"] for d in body["datasets"]} == {
        ours: None,
        theirs: "approved",
    }
    assert "member4 says" not in json.dumps(body)
    client.force_login(researcher1)
    page = client.get(f"/requests/{request.reference}/").content.decode()
    assert "Some datasets are decided" in page and "member4 says" not in page


def test_the_timeline_keeps_each_committees_votes_and_notes_to_itself(
    mixed, member1, member4, chair2, admin, researcher1
):
    from access_requests.selectors import access_request_events_for_user

    request, ours, theirs = mixed()
    vote(request, member1, "approve", dataset=ours)
    vote(request, member4, "approve", dataset=theirs)
    review_services.access_request_note_add(access_request=request, body="B only.", actor=chair2)

    def committee_events(user: Any) -> set[tuple[str, str]]:
        return {
            (e.action, e.actor.username)
            for e in access_request_events_for_user(user=user, access_request=request)
            if e.action in ("access_request.vote_cast", "access_request.note_added")
        }

    assert committee_events(member1) == {("access_request.vote_cast", "member1")}
    assert committee_events(member4) == {
        ("access_request.vote_cast", "member4"),
        ("access_request.note_added", "chair2"),
    }
    assert len(committee_events(admin)) == 3  # the superuser holds every committee's rights
    assert committee_events(researcher1) == set()
    # The other events (submission, endorsement) are everyone's.
    actions = {
        e.action for e in access_request_events_for_user(user=member1, access_request=request)
    }
    assert {"access_request.submitted", "access_request.endorsed"} <= actions


@pytest.mark.parametrize(
    "decisions",
    [
        None,
        "approved",
        [],
        [None],
        [{"dataset": None, "decision": "approved"}],
        [{"dataset": ["x"], "decision": "approved"}],
        [{"dataset": "THEIRS", "decision": "maybe"}],
        [{"dataset": "THEIRS", "decision": "approved"}, {"dataset": "THEIRS"}],
        [{"dataset": "THEIRS", "decision": "approved"}, {"dataset": "NOPE00000\x00"}],
        [{"dataset": "THEIRS", "decision": "rejected"}],
        [{"dataset": "THEIRS", "decision": "approved", "extra": 1}],
        [{"dataset": "OURS", "decision": "approved"}, {"dataset": "THEIRS", "decision": "x"}],
    ],
)
def test_rest_junk_decisions_on_a_mixed_request_are_refused_never_500(
    mixed, api_client_for, member4, chair2, decisions
):
    request, ours, theirs = mixed()
    vote(request, member4, "approve", dataset=theirs)
    body = json.loads(
        json.dumps({"decisions": decisions}).replace("THEIRS", theirs).replace("OURS", ours)
    )
    before = snapshot(request)
    response = post(api_client_for(chair2), request.reference, "decision/", body)
    assert response.status_code in (400, 403, 409), response.content
    assert snapshot(request)[:-1] == before[:-1]


def test_each_committees_review_mode_and_assignments_apply_to_its_own_datasets(
    mixed, second, chair2, chair1, member1, member4
):
    """The second committee reviews by assignment: only its chair and the reviewers it
    assigned vote on its dataset; the demo committee (all members) is untouched; a chair
    assigns only members of the committee they chair."""
    review_services.committee_review_mode_set(
        committee=second, review_mode="assigned", actor=chair2
    )
    request, ours, theirs = mixed()
    rows = {r.dataset.accession: r.pk for r in request.requested_datasets.all()}
    assert review_selectors.tallies(request)[rows[theirs]].eligible == 1  # chair2 only
    with pytest.raises(PermissionDenied):
        vote(request, member4, "approve", dataset=theirs)
    before = snapshot(request)
    with pytest.raises(ValidationError):
        review_services.reviewers_assign(
            access_requests=[request], reviewers=[member1], actor=chair2
        )
    assert snapshot(request) == before
    review_services.reviewers_assign(access_requests=[request], reviewers=[member4], actor=chair2)
    event = last_event("access_request.reviewers_assigned", request.reference)
    assert event.actor == chair2 and event.data["reviewers"] == ["member4"]
    vote(request, member4, "approve", dataset=theirs)
    tallies = review_selectors.tallies(request)
    assert tallies[rows[theirs]].eligible == 2 and tallies[rows[ours]].eligible == 4


def test_a_withdrawal_tells_the_chairs_of_every_committee(mixed, researcher1):
    request, _ours, _theirs = mixed()
    services.access_request_withdraw(access_request=request, actor=researcher1, reason="Done.")
    assert last_event("access_request.withdrawn", request.reference).actor == researcher1
    told = set(
        Notification.objects.filter(
            kind="access_request_withdrawn", dedupe_key__contains=request.reference
        ).values_list("recipient__username", flat=True)
    )
    assert {"researcher1", "chair1", "chair2"} <= told
    assert set(
        CommitteeRoute.objects.filter(access_request=request).values_list("status", flat=True)
    ) == {"withdrawn"}
