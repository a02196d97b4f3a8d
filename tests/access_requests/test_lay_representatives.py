"""Lay and community representatives on a committee (issue 17, WHO 3.4): they vote like
members, or advise (comment, no vote, not counted) as the committee sets."""

from __future__ import annotations

import pytest

from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.rules import allowed_actions_for
from accounts import membership
from audit.models import AuditEvent
from dac_portal.errors import PermissionDenied
from tests.access_requests.conftest import vote

pytestmark = pytest.mark.django_db


def test_a_lay_representative_votes_when_the_committee_says_so(reviewing, lay1):
    request = reviewing()
    assert lay1.pk in review_selectors.eligible_voter_ids(request)
    vote(request, lay1, "approve")


def test_an_advising_lay_representative_comments_but_cannot_vote(
    reviewing, lay1, chair1, no_endorsement
):
    membership.committee_lay_voting_set(committee=no_endorsement, votes=False, actor=chair1)
    request = reviewing()
    assert "vote" not in allowed_actions_for(lay1, request)
    assert "comment" in allowed_actions_for(lay1, request)
    assert lay1.pk not in review_selectors.eligible_voter_ids(request)
    with pytest.raises(PermissionDenied):
        vote(request, lay1, "approve")
    review_services.access_request_note_add(access_request=request, body="A view.", actor=lay1)
    assert AuditEvent.objects.filter(
        action="committee.updated", data__lay_representatives_vote=False
    ).exists()
