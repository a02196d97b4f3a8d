"""The review pages: the queue (filters, waiting time, keyset pages, bulk assignment, a
constant number of queries per page) and the review page (what members, recused members
and the applicant each see)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access_requests.models import (
    AccessRequest,
    CommitteeRoute,
    RequestedDataset,
    ReviewAssignment,
)
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.review.demo import find
from accounts.models import Committee
from tests.access_requests.conftest import last_event

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def make_under_review(researcher2, make_dataset, count, *, start=None):
    """`count` requests under review, written directly (the queue reads rows; the
    services are tested elsewhere), routed one minute apart, oldest first."""
    committee = Committee.objects.get(slug="genomics-dac")
    start = start or timezone.now() - timedelta(days=30)
    dataset = make_dataset()
    made = []
    for i in range(count):
        request = AccessRequest.objects.create(
            reference=f"DAR-2001-{i + 1:06d}",
            applicant=researcher2,
            institution=researcher2.institution,
            committee=committee,
            title=f"Queue {i}",
            status="under_review",
            routed_at=start + timedelta(minutes=i),
            review_due_at=start + timedelta(days=14, minutes=i),
        )
        RequestedDataset.objects.create(
            access_request=request,
            dataset=dataset,
            committee=committee,
            applicant=researcher2,
            is_open=False,
            consent_result="needs_review" if i % 2 else "compatible",
        )
        # The queue reads the committee's route (one per committee a request goes to).
        CommitteeRoute.objects.create(
            access_request=request,
            committee=committee,
            status=request.status,
            routed_at=request.routed_at,
            review_due_at=request.review_due_at,
        )
        made.append(request)
    return made


def test_the_queue_lists_what_waits_with_days_against_the_target(client, chair1):
    response = signed_in(client, chair1).get("/review/")
    assert response.status_code == 200
    text = response.content.decode()
    assert find("under_review").reference in text
    assert "of 14 days" in text
    assert find("changes_requested").reference not in text  # another status


def test_people_outside_committees_get_403(client, researcher1):
    assert signed_in(client, researcher1).get("/review/").status_code == 403


def test_filters_narrow_the_queue(client, member1):
    reference = find("under_review").reference
    c = signed_in(client, member1)
    assert reference in c.get("/review/?dataset=DACD000004").content.decode()
    assert reference not in c.get("/review/?dataset=DACD000002").content.decode()
    assert reference not in c.get("/review/?consent=incompatible").content.decode()
    assert reference not in c.get("/review/?age=1000").content.decode()
    assert reference not in c.get("/review/?mine=1").content.decode()
    assert (
        find("changes_requested").reference
        in c.get("/review/?status=changes_requested").content.decode()
    )
    assert c.get("/review/?age=abc").status_code == 400
    assert c.get("/review/?status=nope").status_code == 400
    assert c.get("/review/?after=%00garbage").status_code == 400


def test_keyset_pages_walk_the_queue_oldest_first_without_repeats(
    chair1, researcher2, make_dataset
):
    made = make_under_review(
        researcher2, make_dataset, 7, start=timezone.now() - timedelta(days=400)
    )
    filters = review_selectors.QueueFilters()
    seen, after = [], ""
    while True:
        page = review_selectors.review_queue_for_user(
            user=chair1, filters=filters, after=after, limit=3
        )
        seen.extend(r.reference for r in page.rows)
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert seen[:7] == [r.reference for r in made]  # the oldest come first
    assert len(seen) == len(set(seen))
    assert page.rows[-1].days_waiting >= 0


def test_queries_per_queue_page_do_not_depend_on_the_rows(
    client, chair1, researcher2, make_dataset
):
    make_under_review(researcher2, make_dataset, 100)
    c = signed_in(client, chair1)
    counts = []
    for size in (10, 100):
        c.get(f"/review/?page_size={size}")
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(f"/review/?page_size={size}")
        assert response.status_code == 200
        assert response.content.decode().count('name="requests"') == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_bulk_assignment_from_the_queue(
    client, chair1, member1, member2, researcher2, make_dataset
):
    made = make_under_review(researcher2, make_dataset, 2)
    response = signed_in(client, chair1).post(
        "/review/",
        {"requests": [r.reference for r in made], "reviewers": ["member1", "member2"]},
    )
    assert response.status_code == 302
    assert ReviewAssignment.objects.filter(access_request__in=made).count() == 4
    assert last_event("access_request.reviewers_assigned", made[1].reference).actor == chair1
    mine = signed_in(client, member1).get("/review/?mine=1").content.decode()
    assert made[0].reference in mine


def test_the_review_page_shows_consent_votes_notes_revisions_and_record(client, member2):
    reference = find("under_review").reference
    text = signed_in(client, member2).get(f"/review/{reference}/").content.decode()
    assert "Case-only germline analysis" in text  # member1's rationale
    assert "Brazilian collaborator" in text  # the chair's note
    assert "1 of 2 votes needed" in text
    assert "Revision 1" in text and "No active sanction." in text


def test_a_conflicted_member_is_told_why_and_sees_no_notes_until_a_waiver(client, member3, chair1):
    reference = find("under_review").reference
    c = signed_in(client, member3)
    text = c.get(f"/review/{reference}/").content.decode()
    assert "You have a conflict of interest: you are at the applicant" in text
    assert "Brazilian collaborator" not in text
    assert c.post(f"/review/{reference}/note/", {"body": "x"}).status_code == 403
    review_services.access_request_conflict_waive(
        access_request=find("under_review"), member=member3, reason="Other faculty.", actor=chair1
    )
    text = c.get(f"/review/{reference}/").content.decode()
    assert "Brazilian collaborator" in text


def test_a_recused_member_sees_no_notes(client, member2):
    reference = find("under_review").reference
    c = signed_in(client, member2)
    text = c.get(f"/review/{reference}/").content.decode()
    assert "Brazilian collaborator" in text
    response = c.post(f"/review/{reference}/recuse/", {"reason": "Same department."})
    assert response.status_code == 302
    text = c.get(f"/review/{reference}/").content.decode()
    assert "Brazilian collaborator" not in text
    assert "You recused yourself" in text
    assert c.post(f"/review/{reference}/note/", {"body": "x"}).status_code == 403


def test_votes_and_decisions_through_the_page(client, member2, chair1, researcher1):
    reference = find("under_review").reference
    c = signed_in(client, chair1)
    refused = c.post(
        f"/review/{reference}/decide/",
        {"decision_DACD000004": "approved", "confirm": "yes"},
    )
    assert refused.status_code == 409 and "1 of 2 votes needed" in refused.content.decode()
    signed_in(client, member2).post(
        f"/review/{reference}/vote/", {"vote": "approve", "rationale": "VOTE-RATIONALE"}
    )
    c = signed_in(client, chair1)
    no_reason = c.post(f"/review/{reference}/decide/", {"decision_DACD000004": "rejected"})
    assert no_reason.status_code == 400
    done = c.post(
        f"/review/{reference}/decide/",
        {
            "decision_DACD000004": "approved",
            "conditions_DACD000004": "Cite the cohort.\n",
            "confirm": "yes",
        },
    )
    assert done.status_code == 302
    assert last_event("access_request.decided", reference).actor == chair1
    applicant = signed_in(client, researcher1)
    text = applicant.get(f"/requests/{reference}/").content.decode()
    assert "Cite the cohort." in text
    for secret in ("VOTE-RATIONALE", "Case-only germline", "Brazilian collaborator"):
        assert secret not in text
    assert applicant.get(f"/review/{reference}/").status_code == 404


def test_the_applicant_reads_the_change_request_and_the_rejection_reason(client, researcher1):
    c = signed_in(client, researcher1)
    text = c.get(f"/requests/{find('changes_requested').reference}/").content.decode()
    assert "data management plan" in text
    assert "I work at the applicant" not in text  # member3's recusal reason
    assert "The data management plan is missing." not in text  # member1's rationale
    text = c.get(f"/requests/{find('rejected').reference}/").content.decode()
    assert "does not show how results will be published" in text


def test_a_chair_switches_the_review_mode(client, chair1):
    response = signed_in(client, chair1).post(
        "/review/mode/", {"committee": "genomics-dac", "review_mode": "assigned"}
    )
    assert response.status_code == 302
    assert review_selectors.review_mode(Committee.objects.get(slug="genomics-dac")) == "assigned"
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="committee.review_mode_changed").exists()


def test_junk_form_values_never_500(client, chair1):
    reference = find("under_review").reference
    c = signed_in(client, chair1)
    assert c.post("/review/", {"requests": ["x\x00"], "reviewers": ["a\x00"]}).status_code in (
        400,
        404,
    )
    assert c.post("/review/mode/", {"committee": "g\x00", "review_mode": "x"}).status_code == 404
    assert c.post(f"/review/{reference}/assign/", {"reviewers": ["\x00"]}).status_code == 400
    assert (
        c.post(f"/review/{reference}/vote/", {"vote": "\x00", "rationale": "\x00"}).status_code
        == 400
    )
    assert (
        c.post(f"/review/{reference}/decide/", {"decision_DACD000004": "\x00"}).status_code == 400
    )
    assert c.get("/review/?dataset=%00&consent=%00&age=%00").status_code == 400


def test_a_decision_long_after_sign_in_asks_for_the_password_first(client, chair1):
    """Issue 12, item 6: recording a decision needs a recent password check."""
    reference = find("under_review").reference
    events = last_event("access_request.decided", reference)
    client.force_login(chair1)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(
            f"/review/{reference}/decide/", {"decision_DACD000004": "approved", "confirm": "yes"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/reauth/?next=/review/{reference}/"
    assert last_event("access_request.decided", reference) == events


def _quorum_for(reference, member2, client):
    signed_in(client, member2).post(
        f"/review/{reference}/vote/", {"vote": "approve", "rationale": "Fits the consent."}
    )


def test_no_outcome_is_preselected_on_the_decision_form(client, member2, chair1):
    reference = find("under_review").reference
    _quorum_for(reference, member2, client)
    text = signed_in(client, chair1).get(f"/review/{reference}/").content.decode()
    assert 'name="decision_DACD000004"' in text
    assert "checked" not in text.split('id="decide"')[1].split("</form>")[0]


def test_a_decision_is_restated_and_nothing_recorded_until_confirmed(client, member2, chair1):
    reference = find("under_review").reference
    _quorum_for(reference, member2, client)
    before = last_event("access_request.decided", reference)
    form = {
        "decide_dataset": "DACD000004",
        "decision_DACD000004": "approved",
        "conditions_DACD000004": "Cite the cohort.\nNo re-identification.",
    }
    c = signed_in(client, chair1)
    check = c.post(f"/review/{reference}/decide/", form)
    text = check.content.decode()
    assert check.status_code == 200 and "Check the decision on" in text
    assert "Approve DACD000004" in text and "The request will be approved." in text
    assert last_event("access_request.decided", reference) == before
    # The confirmation page carries each condition as its own field.
    assert text.count('name="conditions_DACD000004"') == 2
    done = c.post(
        f"/review/{reference}/decide/",
        {
            **form,
            "conditions_DACD000004": ["Cite the cohort.", "No re-identification."],
            "confirm": "yes",
        },
    )
    assert done.status_code == 302
    event = last_event("access_request.decided", reference)
    assert event.data["decisions"]["DACD000004"]["conditions"] == [
        "Cite the cohort.",
        "No re-identification.",
    ]


def test_a_rejection_without_reason_comes_back_with_every_entry_and_the_error_at_its_dataset(
    client, member2, chair1
):
    reference = find("under_review").reference
    _quorum_for(reference, member2, client)
    c = signed_in(client, chair1)
    response = c.post(
        f"/review/{reference}/decide/",
        {
            "decide_dataset": "DACD000004",
            "decision_DACD000004": "rejected",
            "conditions_DACD000004": "KEPT-CONDITION",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    form = text.split('id="decide"')[1].split("</form>")[0]
    assert 'value="rejected" id="decision-DACD000004-rejected" checked' in form
    assert 'value="approved" id="decision-DACD000004-approved" required>' in form
    assert "KEPT-CONDITION" in form
    assert 'id="decision-DACD000004-error"' in form


def test_a_dataset_left_without_an_outcome_is_refused_in_words(client, member2, chair1):
    reference = find("under_review").reference
    _quorum_for(reference, member2, client)
    response = signed_in(client, chair1).post(
        f"/review/{reference}/decide/", {"decide_dataset": "DACD000004", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert "Choose approve or reject." in response.content.decode()


def test_change_on_the_confirmation_page_returns_to_the_filled_form(client, member2, chair1):
    reference = find("under_review").reference
    _quorum_for(reference, member2, client)
    response = signed_in(client, chair1).post(
        f"/review/{reference}/decide/",
        {
            "decide_dataset": "DACD000004",
            "decision_DACD000004": "approved",
            "reason_DACD000004": "KEPT-REASON",
            "change": "yes",
        },
    )
    form = response.content.decode().split('id="decide"')[1].split("</form>")[0]
    assert response.status_code == 200 and "KEPT-REASON" in form
    assert 'id="decision-DACD000004-approved" required checked' in form
