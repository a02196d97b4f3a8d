"""Who sees which request: the rule on one object and the query filter of the lists say
the same thing for every demo user and every demo request."""

from __future__ import annotations

import pytest

from access_requests.models import AccessRequest
from access_requests.rules import visible_q, workflow_roles
from accounts.models import User
from accounts.permissions import can
from tests.conftest import DEMO_USERNAMES

pytestmark = pytest.mark.django_db


def test_the_rule_and_the_query_filter_agree_for_every_demo_user_and_request():
    requests = list(AccessRequest.objects.select_related("committee"))
    assert len(requests) >= 4
    for username in DEMO_USERNAMES:
        user = User.objects.get(username=username)
        by_query = set(AccessRequest.objects.filter(visible_q(user)).values_list("pk", flat=True))
        by_rule = {r.pk for r in requests if can(user, "access_request.view", r)}
        assert by_query == by_rule, username


def test_a_draft_is_seen_by_its_applicant_alone():
    from access_requests.demo import find

    draft = find("draft")
    seers = {
        u.username
        for u in User.objects.all()
        if AccessRequest.objects.filter(visible_q(u), pk=draft.pk).exists()
    }
    assert seers == {"researcher1"}


def test_a_collaborator_with_an_account_sees_the_request(researcher1, researcher2, make_dataset):
    from access_requests import services

    request = services.access_request_create(
        applicant=researcher1,
        data={
            "datasets": [make_dataset().accession],
            "collaborators": [{"username": "researcher2"}],
        },
        actor=researcher1,
    )
    assert can(researcher2, "access_request.view", request)
    assert AccessRequest.objects.filter(visible_q(researcher2), pk=request.pk).exists()
    # Seeing is not acting: the collaborator holds no workflow role.
    assert workflow_roles(researcher2, request) == frozenset()


def test_workflow_roles_follow_the_committee_and_the_institution(official1, chair1, member1):
    from access_requests.demo import find

    under_review = find("under_review")
    assert workflow_roles(official1, under_review) == {"signing_official"}
    assert {"committee_chair", "committee_member"} <= workflow_roles(chair1, under_review)
    assert workflow_roles(member1, under_review) == {"committee_member"}


def test_the_status_endpoints_own_query_agrees_with_the_rule():
    from access_requests.selectors import access_request_status_for_user
    from dac_portal.errors import NotFound

    requests = list(AccessRequest.objects.select_related("committee"))
    for username in DEMO_USERNAMES:
        user = User.objects.get(username=username)
        for request in requests:
            try:
                answer = access_request_status_for_user(user=user, reference=request.reference)
            except NotFound:
                answer = None
            assert (answer is not None) is can(user, "access_request.view", request), (
                username,
                request.reference,
            )
            if answer is not None:
                assert answer["status"] == request.status
                assert answer["updated_at"] == request.updated_at
