"""Renewal by the committee (issue 18): where the committee's policy asks, its voting
members vote on a waiting renewal and the chair decides once the quorum has voted, as the
voting rule allows, like a short review; otherwise the chair decides alone, as before.
The demo committee votes by majority with a quorum of 2; member3 is a collaborator on the
request the grant comes from, so the portal keeps them out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.decision_policy import committee_decision_policy_set
from accounts.membership import committee_lay_voting_set
from accounts.models import Committee
from agreements import selectors, services
from agreements.models import Renewal, RenewalVote
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from notifications.models import Notification
from tests.agreements.conftest import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_committee(chair1: Any) -> Committee:
    committee = Committee.objects.get(slug="genomics-dac")
    return committee_decision_policy_set(
        committee=committee,
        renewals_by_committee=True,
        appeal_window_days=committee.appeal_window_days,
        appeals_committee=None,
        actor=chair1,
    )


@pytest.fixture
def waiting(by_committee, active_grant, researcher1) -> Renewal:
    return services.grant_renewal_request(
        grant=active_grant, actor=researcher1, justification="The cohort grew; we need a year."
    )


def cast(grant: Any, user: Any, vote: str) -> RenewalVote:
    return services.grant_renewal_vote(
        grant=grant, actor=user, vote=vote, rationale=f"{user.username}: {vote}"
    )


def told(renewal: Renewal, kind: str) -> set[int]:
    """Who was sent `kind` about this renewal."""
    return set(
        Notification.objects.filter(
            kind=kind, dedupe_key__contains=str(renewal.public_id)
        ).values_list("recipient_id", flat=True)
    )


def test_the_policy_is_kept_on_the_renewal(waiting, by_committee, chair1):
    committee_decision_policy_set(
        committee=by_committee,
        renewals_by_committee=False,
        appeal_window_days=by_committee.appeal_window_days,
        appeals_committee=None,
        actor=chair1,
    )
    waiting.refresh_from_db()
    assert waiting.by_committee is True
    requested = events("grant.renewal_requested", object_id=waiting.grant.reference)[-1]
    assert requested.data["by_committee"] is True


def test_the_chairs_are_told_and_the_voting_members_are_asked_for_a_vote(
    waiting, chair1, member1, lay1, member3
):
    assert chair1.pk in told(waiting, "grant_renewal_requested")
    asked = told(waiting, "grant_renewal_vote_requested")
    assert {member1.pk, lay1.pk} <= asked
    assert chair1.pk not in asked  # told once, as the one who decides
    assert member3.pk not in asked  # kept out of this request: a collaborator on it
    ask = Notification.objects.get(
        kind="grant_renewal_vote_requested",
        recipient=member1,
        dedupe_key__contains=str(waiting.public_id),
    )
    assert "approve, reject or abstain" in ask.body_text


def test_the_chair_cannot_decide_before_the_quorum_and_nothing_changes(
    waiting, active_grant, chair1
):
    old_end = active_grant.ends_at
    with pytest.raises(Conflict) as short:
        services.grant_renewal_decide(grant=active_grant, actor=chair1, decision="approved")
    assert short.value.code == "quorum_not_met"
    assert short.value.details["tally"]["quorum"] == 2
    waiting.refresh_from_db()
    active_grant.refresh_from_db()
    assert waiting.status == "pending" and active_grant.ends_at == old_end
    assert not events("grant.renewed", object_id=active_grant.reference)


def test_members_vote_and_the_chair_decides_as_the_majority_allows(
    waiting, active_grant, member1, member2, chair1
):
    cast(active_grant, member1, "approve")
    cast(active_grant, member2, "approve")
    voted = events("grant.renewal_voted", object_id=active_grant.reference)
    assert [e.actor_id for e in voted] == [member1.pk, member2.pk]
    assert voted[0].data["renewal"] == str(waiting.public_id)
    assert voted[0].data["vote"] == "approve" and voted[0].data["rationale"] == "member1: approve"
    with pytest.raises(Conflict) as against:
        services.grant_renewal_decide(
            grant=active_grant, actor=chair1, decision="rejected", reason="No."
        )
    assert against.value.code == "decision_against_votes"
    assert against.value.details["tally"]["allowed"] == ["approved"]
    old_end = active_grant.ends_at
    renewal = services.grant_renewal_decide(grant=active_grant, actor=chair1, decision="approved")
    active_grant.refresh_from_db()
    assert renewal.status == "approved" and active_grant.ends_at > old_end
    assert events("grant.renewed", object_id=active_grant.reference)


def test_a_vote_can_be_changed_until_the_decision(waiting, active_grant, member1):
    cast(active_grant, member1, "reject")
    cast(active_grant, member1, "approve")
    assert RenewalVote.objects.get(renewal=waiting, voter=member1).vote == "approve"
    assert events("grant.renewal_voted", object_id=active_grant.reference)[-1].data["changed"]


def test_a_member_in_conflict_with_the_request_does_not_vote(waiting, active_grant, member3):
    with pytest.raises(PermissionDenied):
        cast(active_grant, member3, "approve")
    assert not RenewalVote.objects.filter(renewal=waiting).exists()
    assert selectors.renewal_tally(waiting).recused == 1


def test_a_lay_representative_who_advises_does_not_vote(
    by_committee, active_grant, researcher1, chair1, lay1
):
    committee_lay_voting_set(committee=by_committee, votes=False, actor=chair1)
    renewal = services.grant_renewal_request(
        grant=active_grant, actor=researcher1, justification="More time."
    )
    assert lay1.pk not in told(renewal, "grant_renewal_vote_requested")
    with pytest.raises(PermissionDenied):
        cast(active_grant, lay1, "approve")
    assert not RenewalVote.objects.filter(renewal=renewal).exists()


def test_the_holder_does_not_vote(waiting, active_grant, researcher1):
    with pytest.raises(PermissionDenied):
        cast(active_grant, researcher1, "approve")


@pytest.mark.parametrize(
    "fields", [{"vote": "maybe", "rationale": "x"}, {"vote": "approve", "rationale": ""}]
)
def test_a_bad_vote_is_a_400_and_changes_nothing(waiting, active_grant, member1, fields):
    with pytest.raises(ValidationError):
        services.grant_renewal_vote(grant=active_grant, actor=member1, **fields)
    assert not RenewalVote.objects.filter(renewal=waiting).exists()
    assert not events("grant.renewal_voted", object_id=active_grant.reference)


def test_where_the_chair_decides_alone_votes_are_refused(
    chair_decides_renewals, active_grant, researcher1, member1, chair1
):
    renewal = services.grant_renewal_request(
        grant=active_grant, actor=researcher1, justification="More."
    )
    assert not told(renewal, "grant_renewal_vote_requested")
    with pytest.raises(Conflict) as refused:
        cast(active_grant, member1, "approve")
    assert refused.value.code == "renewal_not_by_committee"
    renewal = services.grant_renewal_decide(grant=active_grant, actor=chair1, decision="approved")
    assert renewal.by_committee is False and renewal.status == "approved"


def test_no_vote_without_a_waiting_renewal(by_committee, active_grant, member1):
    with pytest.raises(Conflict) as refused:
        cast(active_grant, member1, "approve")
    assert refused.value.code == "no_pending_renewal"


def test_the_grant_page_shows_a_member_the_votes_the_tally_and_the_form(
    client, waiting, active_grant, member1, member2, researcher1
):
    cast(active_grant, member2, "approve")
    client.force_login(member1)
    page = client.get(f"/grants/{active_grant.reference}/").content.decode()
    assert "Vote on the renewal" in page and "member2: approve" in page
    assert 'data-testid="renewal-tally"' in page
    assert "1 of the 2 votes needed" in page
    assert "The chair decides once the quorum has voted." in page
    bad = client.post(
        f"/grants/{active_grant.reference}/actions/vote_renewal/",
        {"vote_renewal-vote": "maybe", "vote_renewal-rationale": "x"},
    )
    assert bad.status_code == 400
    voted = client.post(
        f"/grants/{active_grant.reference}/actions/vote_renewal/",
        {"vote_renewal-vote": "approve", "vote_renewal-rationale": "Good reasons."},
    )
    assert voted.status_code == 302
    assert RenewalVote.objects.get(renewal=waiting, voter=member1).rationale == "Good reasons."
    after = client.get(f"/grants/{active_grant.reference}/").content.decode()
    assert "You voted: Approve." in after
    assert "The rule allows the chair to approve the renewal, not to reject it." in after
    client.force_login(researcher1)
    holder = client.get(f"/grants/{active_grant.reference}/").content.decode()
    assert "member2: approve" not in holder and "Vote on the renewal" not in holder


def test_the_chair_s_page_offers_the_decision_once_the_quorum_has_voted(
    client, waiting, active_grant, member1, member2, chair1
):
    client.force_login(chair1)
    path = f"/grants/{active_grant.reference}/"
    before = client.get(path).content.decode()
    assert "The decision can be recorded once 2 votes are in." in before
    assert 'name="renew-decision"' not in before
    assert 'name="vote_renewal-vote"' in before  # the chair votes too
    cast(active_grant, member1, "approve")
    cast(active_grant, member2, "reject")
    after = client.get(path).content.decode()
    assert 'name="renew-decision"' in after
    assert "The rule allows the chair to approve or reject the renewal." in after  # a tie


def test_a_vote_refused_on_the_page_is_a_409_with_its_message(
    client, chair_decides_renewals, active_grant, researcher1, member1
):
    services.grant_renewal_request(grant=active_grant, actor=researcher1, justification="More.")
    client.force_login(member1)
    refused = client.post(
        f"/grants/{active_grant.reference}/actions/vote_renewal/",
        {"vote_renewal-vote": "approve", "vote_renewal-rationale": "Fine."},
    )
    assert refused.status_code == 409
    assert "the committee does not vote on it" in refused.content.decode()


def test_the_api_takes_votes_and_shows_the_tally(
    api_client_for, waiting, active_grant, member1, researcher1
):
    path = f"/api/v1/grants/{active_grant.reference}/renewal-votes/"
    member = api_client_for(member1)
    assert member.get(path).json()["tally"]["voted"] == 0
    bad = member.post(path, data=json.dumps({"vote": "maybe"}), content_type="application/json")
    assert bad.status_code == 400
    done = member.post(
        path,
        data=json.dumps({"vote": "approve", "rationale": "Fine."}),
        content_type="application/json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["my_vote"] == "approve" and done.json()["tally"]["approve"] == 1
    holder = api_client_for(researcher1)
    assert holder.get(path).status_code == 403
    assert (
        holder.post(path, data=json.dumps({}), content_type="application/json").status_code == 403
    )


def test_the_api_answers_409_with_a_code(api_client_for, by_committee, active_grant, member1):
    path = f"/api/v1/grants/{active_grant.reference}/renewal-votes/"
    vote = json.dumps({"vote": "approve", "rationale": "Fine."})
    refused = api_client_for(member1).post(path, data=vote, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_pending_renewal"


def test_the_chair_s_decision_before_the_quorum_answers_409_with_the_tally(
    api_client_for, waiting, active_grant, chair1
):
    refused = api_client_for(chair1).post(
        f"/api/v1/grants/{active_grant.reference}/renewal-decision/",
        data=json.dumps({"decision": "approved"}),
        content_type="application/json",
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "quorum_not_met" and error["details"]["tally"]["voted"] == 0


def test_the_holder_s_timeline_leaves_the_committee_s_votes_out(
    waiting, active_grant, member1, researcher1, chair1
):
    cast(active_grant, member1, "approve")
    voted = events("grant.renewal_voted", object_id=active_grant.reference)[-1]
    assert voted.data["committee_only"] is True
    holder = selectors.grant_events(grant=active_grant, user=researcher1)
    assert voted.pk not in {e.pk for e in holder}
    assert voted.pk in {e.pk for e in selectors.grant_events(grant=active_grant, user=chair1)}
