"""The grant expiry sweep (docs/quality.md: "grant expiry sweep over 100k grants — query count
independent of the number of grants"): queries and time of one sweep over 1k and over
100k due grants. Everything it writes is rolled back at the end, so the shared bench
database keeps only the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tests.bench.harness import Bench, Figure, section, timed

SIZES = (1_000, 100_000)


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from agreements.jobs import grants_expire_sweep
    from consent.models import Dataset
    from tests.agreements.bulk import make_active_grants

    applicant = User.objects.get(username="researcher2")
    dataset = Dataset.objects.get(accession="DACD000001")
    figures: list[Figure] = []
    with transaction.atomic():
        counts = {}
        for index, size in enumerate(SIZES):
            starts_at = datetime(2000 + index, 1, 1, tzinfo=UTC)
            with section(f"create {size} active grants"):
                make_active_grants(size, applicant=applicant, dataset=dataset, starts_at=starts_at)
            with CaptureQueriesContext(connection) as queries:
                result, seconds = timed(grants_expire_sweep, starts_at + timedelta(days=2))
            if result["expired"] != size:
                raise RuntimeError(f"the sweep expired {result['expired']} of {size} grants")
            counts[size] = len(queries)
            figures.append(
                Figure(
                    f"grant expiry sweep queries ({size} grants)",
                    len(queries),
                    "queries",
                    higher_is_better=False,
                )
            )
            figures.append(
                Figure(
                    f"grant expiry sweep time ({size} grants)",
                    seconds,
                    "s",
                    higher_is_better=False,
                    extra={"grants_per_second": round(size / seconds) if seconds else None},
                )
            )
        transaction.set_rollback(True)
    small, large = (counts[s] for s in SIZES)
    figures.append(
        Figure(
            "grant expiry sweep query count, 100k ÷ 1k grants",
            large / small,
            "ratio",
            target="= 1 (independent of the number of grants)",
            higher_is_better=False,
            extra={"equal": small == large},
        )
    )
    yield from figures
