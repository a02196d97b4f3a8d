"""The home page says what needs each person (dac_portal/dashboard.py, issue 14): each
count follows the work as it is created and done, every role sees only its own panels,
and the page costs the same number of queries however much data there is."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access_requests import services
from access_requests.review import services as review_services
from access_requests.review.demo import find
from dac_portal.dashboard import panels_for

pytestmark = pytest.mark.django_db


def counts(user: Any) -> dict[str, Any]:
    return {item.key: item.count for panel in panels_for(user) for item in panel["items"]}


def panels(user: Any) -> set[str]:
    return {panel["key"] for panel in panels_for(user)}


def test_each_role_sees_the_panels_of_the_roles_it_holds(
    researcher1, official1, member1, chair1, steward1, auditor1
) -> None:
    assert panels(researcher1) == {"requests.applicant", "agreements.holder"}
    assert panels(official1) == {"requests.official", "agreements.official"}
    assert panels(member1) == {"requests.member"}
    assert {"requests.member", "requests.chair", "agreements.chair"} <= panels(chair1)
    assert {"consent.steward", "agreements.steward"} <= panels(steward1)
    assert panels(auditor1) == {"audit.auditor"}


def test_a_new_draft_is_counted_and_a_submission_moves_it_on(researcher2, make_dataset) -> None:
    before = counts(researcher2).get("drafts", 0)
    draft = services.access_request_create(
        applicant=researcher2,
        data={"title": "Counted", "datasets": [make_dataset().accession]},
        actor=researcher2,
    )
    assert counts(researcher2)["drafts"] == before + 1
    services.access_request_withdraw(access_request=draft, actor=researcher2)
    assert counts(researcher2).get("drafts", 0) == before


def test_a_vote_takes_the_request_off_the_members_list(member2) -> None:
    reference = find("under_review")
    before = counts(member2)["votes_due"]
    assert before >= 1
    review_services.access_request_vote(
        access_request=reference, vote="approve", rationale="Fits.", actor=member2
    )
    assert counts(member2)["votes_due"] == before - 1


def test_a_recusal_takes_the_request_off_the_members_list(member2) -> None:
    before = counts(member2)["votes_due"]
    review_services.access_request_recuse(
        access_request=find("under_review"), reason="Same department.", actor=member2
    )
    assert counts(member2)["votes_due"] == before - 1


def test_the_chair_sees_a_request_with_enough_votes_for_a_decision(chair1, member2) -> None:
    before = counts(chair1).get("quorum_reached", 0)
    review_services.access_request_vote(
        access_request=find("under_review"), vote="approve", rationale="Fits.", actor=member2
    )
    assert counts(chair1)["quorum_reached"] == before + 1


def test_the_officials_countersignature_is_counted(official1) -> None:
    from agreements.models import Agreement

    expected = Agreement.objects.filter(
        countersignature_required=True,
        signed_at__isnull=False,
        countersigned_at__isnull=True,
        access_request__status="approved",
        access_request__institution_id=official1.institution_id,
    ).count()
    assert counts(official1)["countersignatures"] == expected >= 1


def test_the_home_page_shows_the_counts_with_links(client, researcher1) -> None:
    client.force_login(researcher1)
    html = client.get("/").content.decode()
    assert "Welcome, Amina Odhiambo" in html
    assert 'data-item="drafts" data-count="1"' in html
    assert "Use the menu to go to your work" not in html


def test_the_home_page_costs_the_same_queries_with_more_requests(
    client, researcher1, make_dataset
) -> None:
    client.force_login(researcher1)
    client.get("/")  # warm the caches (roles, menu discovery)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(5):
        services.access_request_create(
            applicant=researcher1,
            data={"title": "More", "datasets": [make_dataset().accession]},
            actor=researcher1,
        )
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(few)
