"""Appeals (issue 18): a rejected applicant appeals within the committee's window with a
statement; a panel of the hearing committee's voters who took no part in the decision
votes; a panel member records the decision with reasons, following the votes. Someone who
voted on or decided the original request takes no part. Every change audited; every
refusal changes nothing.

The demo committee's voters are chair1, member1, member2, member3 and lay1 (lay
representatives vote there); in these tests member1 and member2 vote to reject and chair1
decides, so member3 and lay1 hear the appeal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from access_requests import appeal_panel as panel
from access_requests import workflow
from access_requests.appeals import services
from access_requests.models import AccessRequest, Appeal, AppealVote
from access_requests.rules import workflow_roles
from access_requests.selectors import access_request_get_for_user
from accounts.decision_policy import committee_decision_policy_set
from accounts.models import Committee
from agreements.models import Grant
from audit.models import AuditEvent
from audit.receipts import receipts_of
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from notifications.models import Notification
from tests.access_requests.conftest import decide, last_event, vote

pytestmark = pytest.mark.django_db

STATEMENT = "The committee read the purpose as commercial; it is a public-health study."


@pytest.fixture
def rejected(reviewing, member1, member2, chair1) -> AccessRequest:
    request = reviewing()
    vote(request, member1, "reject")
    vote(request, member2, "reject")
    decide(request, chair1, "rejected", reason="The purpose is not clear.")
    request.refresh_from_db()
    assert request.status == "rejected"
    return request


@pytest.fixture
def appealed(rejected, researcher2) -> Appeal:
    return services.appeal_file(access_request=rejected, statement=STATEMENT, actor=researcher2)


def panel_vote(request: AccessRequest, user: Any, choice: str) -> AppealVote:
    return services.appeal_vote(
        access_request=request, vote=choice, rationale=f"{user.username}: {choice}", actor=user
    )


def test_the_applicant_appeals_and_the_panel_is_those_who_took_no_part(
    appealed, rejected, member1, member2, member3, chair1, lay1
):
    assert appealed.status == "pending" and appealed.hearing_committee.slug == "genomics-dac"
    assert set(appealed.took_part) == {member1.pk, member2.pk, chair1.pk}
    assert panel.panel_ids(appealed) == {member3.pk, lay1.pk}
    event = last_event("access_request.appealed", rejected.reference)
    assert event.data["statement"] == STATEMENT and event.data["panel"] == 2
    told = Notification.objects.filter(
        kind="access_request_appealed", dedupe_key__contains=str(appealed.public_id)
    )
    assert {n.recipient_id for n in told} == {member3.pk, lay1.pk}


def test_a_member_who_voted_the_first_time_cannot_vote_on_the_appeal(appealed, rejected, member1):
    with pytest.raises(PermissionDenied) as refused:
        panel_vote(rejected, member1, "overturn")
    assert refused.value.code == "took_part_in_decision"
    assert not AppealVote.objects.filter(appeal__access_request=rejected).exists()
    assert workflow.Role.APPEAL_PANEL not in _roles(member1, rejected)


def test_the_chair_who_decided_cannot_vote_on_or_decide_the_appeal(appealed, rejected, chair1):
    for act in (
        lambda: panel_vote(rejected, chair1, "uphold"),
        lambda: services.appeal_decide(
            access_request=rejected, outcome="upheld", reason="No.", actor=chair1
        ),
    ):
        with pytest.raises(PermissionDenied):
            act()
    assert Appeal.objects.get(access_request=rejected).status == "pending"


def test_the_panel_overturns_and_the_request_is_approved_with_its_grant(
    appealed, rejected, member3, lay1, researcher2
):
    panel_vote(rejected, member3, "overturn")
    panel_vote(rejected, lay1, "overturn")
    services.appeal_decide(
        access_request=rejected,
        outcome="overturned",
        reason="The study is public health research, which the consent allows.",
        actor=lay1,
    )
    rejected.refresh_from_db()
    assert rejected.status == "approved"
    row = rejected.requested_datasets.get()
    assert row.decision == "approved" and "public health" in row.decision_reason
    assert Grant.objects.filter(access_request=rejected, status="pending").count() == 1
    event = last_event("access_request.appeal_decided", rejected.reference)
    assert event.data["outcome"] == "overturned" and event.data["new_status"] == "approved"
    assert event.actor == lay1
    receipt = receipts_of(rejected.reference)[-1]  # the appeal's, after the rejection's
    assert receipt.seq == event.seq + 1 and receipt.client_ip is None
    assert receipt.data == {
        "kind": "appeal_decision",
        "outcome": {
            "status": "approved",
            "appeal": "overturned",
            "datasets_approved": [row.dataset.accession],
        },
        "decision_event": {"seq": event.seq, "hash": event.hash},
    }
    assert Notification.objects.filter(
        recipient=researcher2, kind="access_request_appeal_decided", receipt_seq=receipt.seq
    ).exists()


def test_the_panel_upholds_and_the_request_stays_rejected(appealed, rejected, member3, lay1):
    panel_vote(rejected, member3, "uphold")
    panel_vote(rejected, lay1, "overturn")  # a tie leaves the rejection standing
    with pytest.raises(Conflict) as refused:
        services.appeal_decide(
            access_request=rejected, outcome="overturned", reason="Yes.", actor=member3
        )
    assert refused.value.code == "decision_against_votes"
    services.appeal_decide(
        access_request=rejected,
        outcome="upheld",
        reason="The purpose is still unclear.",
        actor=member3,
    )
    rejected.refresh_from_db()
    appeal = Appeal.objects.get(access_request=rejected)
    assert rejected.status == "rejected" and appeal.status == "upheld"
    assert appeal.decided_by == member3 and appeal.reason == "The purpose is still unclear."
    # Decided: no one votes again, and no second appeal.
    with pytest.raises(Conflict) as again:
        panel_vote(rejected, lay1, "overturn")
    assert again.value.code == "no_pending_appeal"


def test_no_decision_before_the_panel_quorum(appealed, rejected, member3):
    panel_vote(rejected, member3, "overturn")
    count = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        services.appeal_decide(
            access_request=rejected, outcome="overturned", reason="Yes.", actor=member3
        )
    assert refused.value.code == "quorum_not_met"
    assert refused.value.details["tally"]["voted"] == 1
    assert refused.value.details["tally"]["quorum"] == 2
    assert AuditEvent.objects.count() == count
    assert Appeal.objects.get(access_request=rejected).status == "pending"


def test_one_appeal_per_rejection(appealed, rejected, researcher2):
    with pytest.raises(Conflict) as refused:
        services.appeal_file(access_request=rejected, statement="Again.", actor=researcher2)
    assert refused.value.code == "already_appealed"
    assert Appeal.objects.filter(access_request=rejected).count() == 1


def test_the_window_closes_after_the_committee_s_days(rejected, researcher2, no_endorsement):
    closes_on = panel.appeal_closes_on(rejected)
    assert closes_on == timezone.localdate(rejected.decided_at) + timedelta(days=30)
    with (
        time_machine.travel(timezone.now() + timedelta(days=31)),
        pytest.raises(Conflict) as refused,
    ):
        services.appeal_file(access_request=rejected, statement=STATEMENT, actor=researcher2)
    assert refused.value.code == "appeal_window_closed"
    assert not Appeal.objects.filter(access_request=rejected).exists()


def test_only_the_applicant_appeals_and_only_a_rejection(
    rejected, researcher1, reviewing, researcher2
):
    with pytest.raises(PermissionDenied):
        services.appeal_file(access_request=rejected, statement=STATEMENT, actor=researcher1)
    open_request = reviewing()
    with pytest.raises(Exception) as refused:
        services.appeal_file(access_request=open_request, statement=STATEMENT, actor=researcher2)
    assert getattr(refused.value, "status_code", None) == 409
    assert not Appeal.objects.filter(access_request=rejected).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"vote": "maybe", "rationale": "x"},
        {"vote": "uphold", "rationale": ""},
        {"vote": None, "rationale": None},
        {"vote": "uphold", "rationale": "a\x00b"},
    ],
)
def test_a_bad_vote_is_a_400_and_changes_nothing(appealed, rejected, member3, fields):
    with pytest.raises(ValidationError):
        services.appeal_vote(access_request=rejected, actor=member3, **fields)
    assert not AppealVote.objects.filter(appeal__access_request=rejected).exists()


def test_a_statement_is_required(rejected, researcher2):
    with pytest.raises(ValidationError):
        services.appeal_file(access_request=rejected, statement="  ", actor=researcher2)
    assert not Appeal.objects.filter(access_request=rejected).exists()


def test_an_appeals_committee_named_by_the_policy_hears_the_appeal(
    rejected, researcher2, chair1, chair2, member4
):
    committee = Committee.objects.get(slug="genomics-dac")
    committee_decision_policy_set(
        committee=committee,
        renewals_by_committee=False,
        appeal_window_days=45,
        appeals_committee="rare-registry-dac",
        actor=chair1,
    )
    rejected.refresh_from_db()
    assert panel.appeal_closes_on(rejected) == timezone.localdate(rejected.decided_at) + timedelta(
        days=45
    )
    appeal = services.appeal_file(access_request=rejected, statement=STATEMENT, actor=researcher2)
    assert appeal.hearing_committee.slug == "rare-registry-dac"
    assert panel.panel_ids(appeal) == {chair2.pk, member4.pk}
    panel_vote(rejected, member4, "uphold")
    # The appeals committee sees the request it judges.
    assert access_request_get_for_user(user=member4, reference=rejected.reference, full=False)


def _roles(user: Any, request: AccessRequest) -> frozenset[str]:
    return workflow_roles(user, request)


def test_the_rejection_tells_the_applicant_until_when_they_may_appeal(rejected, researcher2):
    told = Notification.objects.filter(
        recipient=researcher2, kind="access_request_decided", context__reference=rejected.reference
    ).get()
    assert told.context["appeal_days"] == 30
    assert "You may appeal this decision within 30 days" in told.body_text


def test_the_home_page_sends_a_panel_member_to_the_appeal_waiting_for_their_vote(
    client, appealed, rejected, member3, member1
):
    client.force_login(member3)
    home = client.get("/").content.decode()
    assert "Appeals waiting for your vote" in home
    assert f"/requests/{rejected.reference}/appeal/" in home
    assert rejected.reference in panel.appeals_awaiting_vote(
        member3, [appealed.hearing_committee_id]
    )
    assert rejected.reference not in panel.appeals_awaiting_vote(
        member1, [appealed.hearing_committee_id]
    )
    panel_vote(rejected, member3, "uphold")
    assert rejected.reference not in panel.appeals_awaiting_vote(
        member3, [appealed.hearing_committee_id]
    )
