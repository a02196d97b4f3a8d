"""Agreement-template page figures, in process through the whole Django stack for the demo
steward (session, middleware, template):

1. SQL queries of GET /agreement-templates/<slug>/ with 1 extra version and with 200
   (must be equal: the page shows at most 50 versions, in one query, whatever the history);
2. p95 (and median) of that page with the longer history.

Everything the figure writes is rolled back. No target in docs/quality.md names this page; the
review queue's (p95 < 200 ms) is shown as the yardstick.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, section

ROUNDS = int(os.environ.get("BENCH_TEMPLATE_ROUNDS", "50"))
PATH = "/agreement-templates/genomics-dac/"


class _Rollback(Exception):
    pass


def _add_versions(count: int) -> None:
    from accounts.models import Committee
    from agreements.models import AgreementTemplate

    committee = Committee.objects.get(slug="genomics-dac")
    last = (
        AgreementTemplate.objects.filter(committee=committee)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    )
    AgreementTemplate.objects.bulk_create(
        AgreementTemplate(
            committee=committee,
            version=last + i,
            title=f"Bench version {last + i}",
            body="# Terms\n\nFor {{ reference }}: {{ datasets }}.\n" * 20,
        )
        for i in range(1, count + 1)
    )


def _queries(client: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(PATH)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PATH)
    if response.status_code != 200:
        raise RuntimeError(f"{PATH} answered {response.status_code}")
    return len(ctx.captured_queries)


def run(bench: Bench) -> Iterator[Figure]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()
    counts: dict[int, int] = {}
    timings: list[float] = []
    with override_settings(OTP_REQUIRED_FOR_PRIVILEGED=False):
        client.force_login(get_user_model().objects.get(username="steward1"))
        try:
            with (
                section("agreement templates: page with 1 and 200 more versions"),
                transaction.atomic(),
            ):
                _add_versions(1)
                counts[1] = _queries(client)
                _add_versions(199)
                counts[200] = _queries(client)
                for _ in range(ROUNDS):
                    started = time.perf_counter()
                    client.get(PATH)
                    timings.append((time.perf_counter() - started) * 1000)
                raise _Rollback
        except _Rollback:
            pass
    timings.sort()
    yield Figure(
        "SQL queries per agreement-template page, 200 more versions vs 1",
        counts[200],
        "queries",
        target=f"= {counts[1]} (with 1 more version)",
        higher_is_better=False,
        extra={"queries_1_version": counts[1], "queries_200_versions": counts[200]},
    )
    yield Figure(
        "GET /agreement-templates/<slug>/ p95 (steward, 200+ versions)",
        p95(timings),
        "ms",
        target="< 200 (the review queue's target; none set for this page)",
        higher_is_better=False,
        extra={"median_ms": round(statistics.median(timings), 2), "samples": len(timings)},
    )
