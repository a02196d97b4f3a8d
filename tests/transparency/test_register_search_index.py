"""The register's search is answered from the trigram indexes on PostgreSQL (issue 19):
migration 0012 indexes exactly the expressions Django writes for `icontains` on the title
and the lay summary, so a change on either side that stops them matching fails here rather
than as a slow page at 1M requests."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Q

from access_requests.models import AccessRequest

pytestmark = pytest.mark.django_db


def test_the_search_expressions_are_answered_by_the_trigram_indexes(
    require_postgres: None,
) -> None:
    # The register's own search filter, on its own: with sequential scans off, only an
    # index on these very expressions can answer it (the test database is small enough
    # that the planner would otherwise scan it).
    search = Q(title__icontains="reference panel") | Q(lay_summary__icontains="reference panel")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = AccessRequest.objects.filter(search).explain()
    assert "access_request_title_trgm" in plan, plan
    assert "access_request_summary_trgm" in plan, plan
