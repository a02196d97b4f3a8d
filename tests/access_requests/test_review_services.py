"""The committee review services: votes, recusals, notes, assignment, changes requested
and the decision. Every test asserts its audit event; every refusal leaves nothing
changed. The demo committee votes by majority with a quorum of 2; its voters are chair1,
member1, member2 and member3 (member3 works at researcher1's institution)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_requests import services
from access_requests.models import (
    AccessRequest,
    CommitteeNote,
    Recusal,
    RequestedDataset,
    ReviewAssignment,
    Vote,
)
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from audit.models import AuditEvent
from dac_portal.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from notifications.models import Notification
from tests.access_requests.conftest import decide, last_event, vote

pytestmark = pytest.mark.django_db


# -- votes ----------------------------------------------------------------------------------


def test_a_member_votes_and_the_event_is_committee_only(reviewing, member1):
    request = reviewing()
    vote(request, member1, "approve")
    stored = Vote.objects.get(access_request=request, voter=member1)
    assert stored.vote == "approve" and stored.rationale == "member1 thinks approve"
    event = last_event("access_request.vote_cast", request.reference)
    assert event.actor == member1 and event.data["committee_only"] is True


def test_a_vote_can_be_changed_until_the_decision(reviewing, member1, member2, chair1):
    request = reviewing()
    vote(request, member1, "reject")
    vote(request, member1, "approve")
    assert Vote.objects.filter(access_request=request, voter=member1).count() == 1
    assert Vote.objects.get(access_request=request, voter=member1).vote == "approve"
    event = last_event("access_request.vote_cast", request.reference)
    assert list(event.data["votes"].values()) == [{"old": "reject", "new": "approve"}]
    vote(request, member2, "approve")
    decide(request, chair1, "approved")
    with pytest.raises(InvalidTransition) as refused:
        vote(request, member1, "reject")
    assert refused.value.details["status"] == "approved"
    assert Vote.objects.get(access_request=request, voter=member1).vote == "approve"


def test_a_vote_on_one_dataset_of_several(reviewing, member1):
    request = reviewing(datasets=2)
    first = request.requested_datasets.order_by("position").first().dataset.accession
    vote(request, member1, "reject", dataset=first)
    assert [
        v.requested_dataset.dataset.accession
        for v in Vote.objects.filter(access_request=request, voter=member1)
    ] == [first]
    vote(request, member1, "approve")  # no dataset named: every dataset
    assert Vote.objects.filter(access_request=request, voter=member1, vote="approve").count() == 2
    assert last_event("access_request.vote_cast", request.reference).actor == member1


def test_a_vote_needs_a_known_choice_a_rationale_and_a_dataset_of_the_request(reviewing, member1):
    request = reviewing()
    count = AuditEvent.objects.count()
    for kwargs in (
        {"vote": "maybe", "rationale": "x"},
        {"vote": "approve", "rationale": "   "},
        {"vote": "approve", "rationale": "x", "dataset": "DACD000001"},
        {"vote": "approve", "rationale": "x\x00"},
        {"vote": ["approve"], "rationale": "x"},
    ):
        with pytest.raises(ValidationError):
            review_services.access_request_vote(access_request=request, actor=member1, **kwargs)
    assert not Vote.objects.filter(access_request=request).exists()
    assert AuditEvent.objects.count() == count


def test_only_committee_voters_vote(reviewing, steward1, researcher2):
    request = reviewing()
    with pytest.raises(PermissionDenied):
        vote(request, steward1, "approve")
    with pytest.raises(PermissionDenied):
        vote(request, researcher2, "approve")
    assert not Vote.objects.filter(access_request=request).exists()
    assert last_event("access_request.vote_cast", request.reference) is None


# -- recusal --------------------------------------------------------------------------------


def test_a_recusal_needs_a_reason_and_removes_the_members_votes(reviewing, member3):
    request = reviewing()
    vote(request, member3, "approve")
    with pytest.raises(ValidationError):
        review_services.access_request_recuse(access_request=request, reason=" ", actor=member3)
    assert not Recusal.objects.filter(access_request=request).exists()
    review_services.access_request_recuse(
        access_request=request, reason="I co-authored with the applicant.", actor=member3
    )
    assert not Vote.objects.filter(access_request=request, voter=member3).exists()
    event = last_event("access_request.recused", request.reference)
    assert event.actor == member3 and event.data["committee_only"] is True
    assert event.data["votes_removed"] == 1
    with pytest.raises(PermissionDenied) as refused:
        vote(request, member3, "approve")
    assert refused.value.code == "recused"
    with pytest.raises(Conflict):
        review_services.access_request_recuse(access_request=request, reason="x", actor=member3)


def test_a_recused_member_cannot_read_or_write_committee_notes(reviewing, member1, member3):
    request = reviewing()
    review_services.access_request_note_add(
        access_request=request, body="Check the ethics approval date.", actor=member1
    )
    event = last_event("access_request.note_added", request.reference)
    assert event.actor == member1 and event.data["committee_only"] is True
    assert "ethics" not in str(event.data)  # the text stays out of the audit log
    assert len(review_selectors.note_list_for_user(user=member3, access_request=request)) == 1
    review_services.access_request_recuse(
        access_request=request, reason="Colleague.", actor=member3
    )
    with pytest.raises(NotFound):
        review_selectors.note_list_for_user(user=member3, access_request=request)
    state = review_selectors.review_state_for_user(user=member3, reference=request.reference)
    assert state.notes is None and state.recused and not state.may_vote
    with pytest.raises(PermissionDenied):
        review_services.access_request_note_add(access_request=request, body="x", actor=member3)
    assert CommitteeNote.objects.filter(access_request=request).count() == 1


def test_a_member_of_the_applicants_institution_is_prompted(member3, member1, researcher1):
    from access_requests.demo import find

    under_review = find("under_review")
    assert under_review.applicant == researcher1
    mine = review_selectors.review_state_for_user(user=member3, reference=under_review.reference)
    other = review_selectors.review_state_for_user(user=member1, reference=under_review.reference)
    assert mine.same_institution and not other.same_institution


# -- quorum and voting rules ----------------------------------------------------------------


def test_a_decision_before_quorum_is_refused_with_the_numbers(reviewing, member1, chair1):
    request = reviewing()
    vote(request, member1, "approve")
    with pytest.raises(Conflict) as refused:
        decide(request, chair1, "approved")
    assert refused.value.code == "quorum_not_met"
    assert "1 of 2 votes needed" in refused.value.message
    request.refresh_from_db()
    assert request.status == "under_review"
    assert last_event("access_request.decided", request.reference) is None


def test_recused_members_do_not_count_towards_the_quorum(reviewing, member1, member3, chair1):
    request = reviewing()
    vote(request, member1, "approve")
    vote(request, member3, "approve")
    review_services.access_request_recuse(
        access_request=request, reason="Colleague.", actor=member3
    )
    tally = next(iter(review_selectors.tallies(request).values()))
    # chair1, member1, member2 and lay1 (a lay representative who votes); member3 recused.
    assert (tally.voted, tally.eligible, tally.recused, tally.quorum_met) == (1, 4, 1, False)
    with pytest.raises(Conflict) as refused:
        decide(request, chair1, "approved")
    assert refused.value.details["datasets"]
    vote(request, chair1, "approve")
    decide(request, chair1, "approved")
    assert last_event("access_request.decided", request.reference).actor == chair1


def test_majority_the_chair_must_follow_the_votes_and_breaks_a_tie(
    reviewing, member1, member2, chair1
):
    request = reviewing()
    vote(request, member1, "reject")
    vote(request, member2, "reject")
    with pytest.raises(Conflict) as refused:
        decide(request, chair1, "approved")
    assert refused.value.code == "decision_against_votes"
    decide(request, chair1, "rejected", reason="Purpose too broad.")
    assert last_event("access_request.decided", request.reference).data["new_status"] == "rejected"

    tied = reviewing()
    vote(tied, member1, "reject")
    vote(tied, member2, "approve")
    decide(tied, chair1, "approved")  # a tie: the chair's choice
    assert last_event("access_request.decided", tied.reference).data["new_status"] == "approved"


def test_unanimous_one_rejection_blocks_approval(reviewing, member1, member2, chair1):
    request = reviewing(rule="unanimous")
    vote(request, member1, "approve")
    vote(request, member2, "reject")
    vote(request, chair1, "approve")
    with pytest.raises(Conflict):
        decide(request, chair1, "approved")
    # the rejecting member recuses: the remaining votes are unanimous
    review_services.access_request_recuse(access_request=request, reason="Conflict.", actor=member2)
    decide(request, chair1, "approved")
    assert last_event("access_request.decided", request.reference).data["new_status"] == "approved"


def test_chair_rule_either_outcome_once_quorate(reviewing, member1, member2, chair1):
    request = reviewing(rule="chair")
    vote(request, member1, "approve")
    vote(request, member2, "abstain")
    decide(request, chair1, "rejected", reason="The chair finds the safeguards insufficient.")
    assert last_event("access_request.decided", request.reference).data["new_status"] == "rejected"


# -- the decision ---------------------------------------------------------------------------


def test_approval_records_versions_closes_the_datasets_prepares_grants_and_tells_the_applicant(
    reviewing, member1, member2, chair1, researcher2
):
    from agreements.models import Grant

    request = reviewing()
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    decide(request, chair1, "approved", conditions=["Publish within 12 months"])
    request.refresh_from_db()
    row = RequestedDataset.objects.get(access_request=request)
    assert request.status == "approved" and request.decided_at is not None
    assert row.decision == "approved" and row.decision_conditions == ["Publish within 12 months"]
    assert row.decision_scope_version == 1 and row.is_open is False
    assert Grant.objects.filter(access_request=request, status="pending").count() == 1
    event = last_event("access_request.decided", request.reference)
    assert event.actor == chair1
    assert "vote" not in str(event.data) and "member1" not in str(event.data)
    told = Notification.objects.get(dedupe_key=f"access_request.decided:{request.reference}")
    assert told.recipient == researcher2
    assert "Publish within 12 months" in told.body_text
    assert "thinks" not in told.body_text  # rationales never reach the applicant


def test_a_rejection_needs_a_reason(reviewing, member1, member2, chair1):
    request = reviewing()
    vote(request, member1, "reject")
    vote(request, member2, "reject")
    with pytest.raises(ValidationError) as refused:
        decide(request, chair1, "rejected")
    assert refused.value.details
    request.refresh_from_db()
    assert request.status == "under_review"
    assert last_event("access_request.decided", request.reference) is None


def test_the_database_refuses_a_rejection_without_a_reason(reviewing):
    request = reviewing()
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestedDataset.objects.filter(access_request=request).update(
            decision="rejected", decision_reason=""
        )


def test_an_incompatible_dataset_cannot_be_approved(reviewing, member1, member2, chair1):
    request = reviewing()
    RequestedDataset.objects.filter(access_request=request).update(consent_result="incompatible")
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    with pytest.raises(Conflict) as refused:
        decide(request, chair1, "approved")
    assert refused.value.code == "consent_incompatible"
    assert not RequestedDataset.objects.filter(access_request=request).exclude(decision="").exists()
    # Rejecting it is still possible (the majority allows only that, after a vote change).
    vote(request, member1, "reject")
    vote(request, member2, "reject")
    decide(request, chair1, "rejected", reason="Consent does not allow it.")
    assert last_event("access_request.decided", request.reference).actor == chair1


def test_a_consent_scope_that_changed_since_submission_blocks_approval(
    reviewing, member1, member2, chair1
):
    from consent.models import ConsentScope

    request = reviewing()
    dataset = request.requested_datasets.get().dataset
    # The dataset's consent now allows only research on one disease (version 2).
    ConsentScope.objects.create(dataset=dataset, version=2, permission="DS", diseases=["DOID:9351"])
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    with pytest.raises(Conflict) as refused:
        decide(request, chair1, "approved")
    assert refused.value.code == "consent_incompatible"
    assert last_event("access_request.decided", request.reference) is None


def test_only_the_chair_decides_and_asks_for_changes(reviewing, member1, member2, researcher2):
    request = reviewing()
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    with pytest.raises(PermissionDenied):
        decide(request, member1, "approved")
    with pytest.raises(PermissionDenied):
        review_services.access_request_request_changes(
            access_request=request, message="x", actor=member1
        )
    with pytest.raises(PermissionDenied):
        decide(request, researcher2, "approved")
    assert AccessRequest.objects.get(pk=request.pk).status == "under_review"


def test_every_dataset_needs_a_decision(reviewing, member1, member2, chair1):
    request = reviewing(datasets=2)
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    first = request.requested_datasets.order_by("position").first().dataset.accession
    for decisions in (
        [{"dataset": first, "decision": "approved"}],
        [],
        "approved",
        [{"dataset": first, "decision": "maybe"}],
        [{"dataset": "x\x00", "decision": "approved"}],
        [{"dataset": first, "decision": "approved", "extra": 1}],
    ):
        with pytest.raises(ValidationError):
            review_services.access_request_decide(
                access_request=request, decisions=decisions, actor=chair1
            )
    assert AccessRequest.objects.get(pk=request.pk).status == "under_review"


def test_partly_approved_is_approved(reviewing, member1, member2, chair1):
    request = reviewing(datasets=2)
    first, second = [r.dataset.accession for r in request.requested_datasets.order_by("position")]
    vote(request, member1, "approve", dataset=first)
    vote(request, member2, "approve", dataset=first)
    vote(request, member1, "reject", dataset=second)
    vote(request, member2, "reject", dataset=second)
    review_services.access_request_decide(
        access_request=request,
        decisions=[
            {"dataset": first, "decision": "approved"},
            {"dataset": second, "decision": "rejected", "reason": "Not needed for the aim."},
        ],
        actor=chair1,
    )
    request.refresh_from_db()
    assert request.status == "approved"
    event = last_event("access_request.decided", request.reference)
    assert event.data["decisions"][second]["reason"] == "Not needed for the aim."


# -- changes requested ----------------------------------------------------------------------


def test_request_changes_then_the_applicant_resubmits(reviewing, chair1, researcher2):
    request = reviewing()
    with pytest.raises(ValidationError):
        review_services.access_request_request_changes(
            access_request=request, message="", actor=chair1
        )
    review_services.access_request_request_changes(
        access_request=request, message="Add your ethics approval.", actor=chair1
    )
    request.refresh_from_db()
    assert request.status == "changes_requested"
    assert RequestedDataset.objects.get(access_request=request).is_open is True
    event = last_event("access_request.changes_requested", request.reference)
    assert event.actor == chair1 and event.data["message"] == "Add your ethics approval."
    told = Notification.objects.get(
        dedupe_key=f"access_request.changes_requested:{request.reference}:r1"
    )
    assert told.recipient == researcher2 and "ethics approval" in told.body_text
    services.access_request_update(
        access_request=request, data={"title": "Better title"}, actor=researcher2
    )
    services.access_request_resubmit(access_request=request, actor=researcher2)
    request.refresh_from_db()
    assert request.status == "under_review" and request.revision == 2
    assert "title" in request.revisions.get(number=2).diff


# -- assignment and review mode -------------------------------------------------------------


def test_in_assigned_mode_only_assigned_reviewers_and_the_chair_vote(
    reviewing, chair1, member1, member2
):
    request = reviewing()
    review_services.committee_review_mode_set(
        committee=request.committee, review_mode="assigned", actor=chair1
    )
    assert last_event  # the mode change is audited on the committee
    assert AuditEvent.objects.filter(
        action="committee.review_mode_changed", object_id=request.committee.slug
    ).exists()
    with pytest.raises(PermissionDenied):
        vote(request, member1, "approve")
    review_services.reviewers_assign(access_requests=[request], reviewers=[member1], actor=chair1)
    assert ReviewAssignment.objects.filter(access_request=request, reviewer=member1).exists()
    event = last_event("access_request.reviewers_assigned", request.reference)
    assert event.actor == chair1 and event.data["reviewers"] == ["member1"]
    assert Notification.objects.filter(
        dedupe_key=f"access_request.review_assigned:{request.reference}:{member1.pk}"
    ).exists()
    vote(request, member1, "approve")
    with pytest.raises(PermissionDenied):
        vote(request, member2, "approve")
    tally = next(iter(review_selectors.tallies(request).values()))
    assert tally.eligible == 2  # chair1 and member1


def test_bulk_assignment_is_all_or_nothing(reviewing, chair1, member1, researcher1, member2):
    first, second = reviewing(), reviewing()
    with pytest.raises(ValidationError):
        review_services.reviewers_assign(
            access_requests=[first, second], reviewers=[member1, researcher1], actor=chair1
        )
    assert not ReviewAssignment.objects.filter(access_request__in=[first, second]).exists()
    with pytest.raises(PermissionDenied):
        review_services.reviewers_assign(
            access_requests=[first], reviewers=[member1], actor=member2
        )
    assert (
        review_services.reviewers_assign(
            access_requests=[first, second], reviewers=[member1, member2], actor=chair1
        )
        == 4
    )
    assert last_event("access_request.reviewers_assigned", second.reference).actor == chair1


def test_only_a_chair_sets_the_review_mode(member1, chair1):
    from accounts.models import Committee

    committee = Committee.objects.get(slug="genomics-dac")
    with pytest.raises(PermissionDenied):
        review_services.committee_review_mode_set(
            committee=committee, review_mode="assigned", actor=member1
        )
    with pytest.raises(ValidationError):
        review_services.committee_review_mode_set(
            committee=committee, review_mode="sometimes", actor=chair1
        )
    assert review_selectors.review_mode(committee) == "all_members"


# -- sanctions and overdue reviews ----------------------------------------------------------


def test_a_sanctioned_applicant_cannot_submit_or_resubmit(
    admin, researcher2, complete_data, no_endorsement, reviewing, chair1
):
    from agreements.services import sanction_impose

    draft = services.access_request_create(
        applicant=researcher2, data=complete_data(), actor=researcher2
    )
    sent_back = reviewing()
    review_services.access_request_request_changes(
        access_request=sent_back, message="Fix it.", actor=chair1
    )
    sanction_impose(actor=admin, user=researcher2, reason="Shared data with a third party.")
    with pytest.raises(PermissionDenied) as refused:
        services.access_request_submit(access_request=draft, actor=researcher2)
    assert "Shared data with a third party." in refused.value.message
    assert refused.value.code == "sanctioned"
    with pytest.raises(PermissionDenied):
        services.access_request_resubmit(access_request=sent_back, actor=researcher2)
    assert AccessRequest.objects.get(pk=draft.pk).status == "draft"
    assert AccessRequest.objects.get(pk=sent_back.pk).status == "changes_requested"
    assert last_event("access_request.submitted", draft.reference) is None


def test_overdue_reviews_remind_voters_once_a_day(reviewing, member3, chair1, member1):
    from datetime import timedelta

    from dac_portal import jobs

    request = reviewing()
    review_services.access_request_recuse(
        access_request=request, reason="Colleague.", actor=member3
    )
    # At 10:00 UTC, so that the second run two hours later falls on the same day whatever
    # the time the suite runs (after 22:00 it would be tomorrow, and remind again).
    later = (timezone.now() + timedelta(days=15)).replace(hour=10, minute=0)
    summary = jobs.run("access_requests.remind_overdue_reviews", now=later)
    assert request.reference in summary["references"]
    keys = set(
        Notification.objects.filter(kind="access_request_review_overdue").values_list(
            "dedupe_key", flat=True
        )
    )
    mine = {k for k in keys if request.reference in k}
    assert len(mine) == 4  # chair1, member1, member2, lay1; member3 recused
    assert not any(f":{member3.pk}:" in k for k in mine)
    jobs.run("access_requests.remind_overdue_reviews", now=later + timedelta(hours=2))
    assert (
        Notification.objects.filter(
            kind="access_request_review_overdue", dedupe_key__contains=request.reference
        ).count()
        == 4
    )
    dry = review_services.reviews_remind_overdue(later + timedelta(days=1), dry_run=True)
    assert request.reference in dry["references"]
    assert (
        Notification.objects.filter(
            kind="access_request_review_overdue", dedupe_key__contains=request.reference
        ).count()
        == 4
    )


def test_an_approval_whose_grants_cannot_be_prepared_does_not_stand(
    reviewing, member1, member2, chair1, monkeypatch
):
    """The decision announces DatasetsApproved in its transaction; agreements prepares the
    grants there, so its failure undoes the decision and its audit event."""
    import agreements.subscribers

    def refuse(**kwargs):
        raise RuntimeError("no agreement template")

    monkeypatch.setattr(agreements.subscribers, "grants_prepare_for_approval", refuse)
    request = reviewing()
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    with pytest.raises(RuntimeError, match="no agreement template"):
        decide(request, chair1, "approved")
    request.refresh_from_db()
    assert request.status == "under_review"
    assert not AuditEvent.objects.filter(
        action="access_request.decided", object_id=request.reference
    ).exists()
