"""The review queue as a table (issue 17): filtered by committee, applicant institution and
due date, ordered by waiting time, most recent routing or nearest due date, each order
walked by keyset pages without repeats or gaps; bad filters are a 400."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access_requests.review import selectors as review_selectors
from access_requests.review.demo import find
from tests.access_requests.test_review_pages import make_under_review, signed_in

pytestmark = pytest.mark.django_db


def walk(user, filters, limit=3):
    seen, after = [], ""
    while True:
        page = review_selectors.review_queue_for_user(
            user=user, filters=filters, after=after, limit=limit
        )
        seen.extend(r.reference for r in page.rows)
        if not page.next_cursor:
            return seen
        after = page.next_cursor


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("waiting", "routed_at", False),
        ("newest", "routed_at", True),
        ("due", "review_due_at", False),
    ],
)
def test_each_order_is_walked_by_keyset_pages_without_repeats(
    chair1, researcher2, make_dataset, sort, key, reverse
):
    made = make_under_review(researcher2, make_dataset, 7)
    # Due dates in another order than the routing, so that the two orders differ.
    for i, request in enumerate(made):
        due = timezone.now() + timedelta(days=30 - 3 * i)
        request.committee_routes.update(review_due_at=due)
    filters = review_selectors.QueueFilters(sort=sort, institution=researcher2.institution_id)
    seen = walk(chair1, filters)
    assert len(seen) == len(set(seen))
    expected = sorted(
        made,
        key=lambda r: (getattr(r.committee_routes.get(), key), r.pk),
        reverse=reverse,
    )
    assert [r for r in seen if r.startswith("DAR-2001")] == [r.reference for r in expected]


def test_filters_by_committee_institution_and_due_date(
    client, chair1, researcher1, researcher2, make_dataset
):
    made = make_under_review(researcher2, make_dataset, 2)
    demo = find("under_review").reference
    c = signed_in(client, chair1)
    by_institution = c.get(f"/review/?institution={researcher2.institution_id}").content.decode()
    assert made[0].reference in by_institution and demo not in by_institution
    own = c.get(f"/review/?institution={researcher1.institution_id}").content.decode()
    assert demo in own and made[0].reference not in own
    soon = (timezone.now() - timedelta(days=1)).date().isoformat()
    early = c.get(f"/review/?due_before={soon}").content.decode()
    assert made[0].reference in early  # routed 30 days ago, due 16 days ago
    assert demo not in early
    assert demo in c.get("/review/?committee=genomics-dac&sort=due").content.decode()
    assert demo not in c.get("/review/?committee=nope").content.decode()
    for bad in ("due_before=tomorrow", "institution=abc", "sort=random", "committee=%00"):
        assert c.get(f"/review/?{bad}").status_code == 400
