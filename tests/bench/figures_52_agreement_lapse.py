"""The lapse of unsigned agreements (agreements.lapse), on bulk-made pending offers (one
approved request, pending grant and unsigned agreement each), all rolled back:

1. SQL queries of one run of the job when none of 1k, then 10k, open offers is near its
   deadline (the steady state of an hourly job: must be equal, nothing per offer);
2. offers lapsed per second when 1k of them are past their deadline (each lapses in its
   own transaction: revoke, audit, notify, close the request).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from tests.bench.harness import Bench, Figure, section, timed

SIZES = (1_000, 10_000)
DUE = 1_000


class _Rollback(Exception):
    pass


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from agreements.lapse import lapse_unsigned
    from consent.models import Dataset
    from tests.agreements.bulk import make_pending_offers

    applicant = User.objects.get(username="researcher2")
    dataset = Dataset.objects.get(accession="DACD000001")
    now = timezone.now()
    counts: dict[int, int] = {}
    figures: list[Figure] = []
    try:
        with transaction.atomic():
            made = 0
            for size in SIZES:
                with section(f"agreement lapse: {size} open offers, none due"):
                    made += make_pending_offers(
                        size - made, applicant=applicant, dataset=dataset, created_at=now
                    )
                    lapse_unsigned(now, dry_run=False)  # the demo's own offers, if any
                    with CaptureQueriesContext(connection) as queries:
                        lapse_unsigned(now + timedelta(hours=1), dry_run=False)
                    counts[size] = len(queries)
            figures.append(
                Figure(
                    f"SQL queries of one lapse run, {SIZES[-1]} open offers vs {SIZES[0]}",
                    counts[SIZES[-1]],
                    "queries",
                    target=f"= {counts[SIZES[0]]} (with {SIZES[0]})",
                    higher_is_better=False,
                    extra={f"queries_{s}_offers": counts[s] for s in SIZES},
                )
            )
            with section(f"agreement lapse: {DUE} offers past their deadline"):
                make_pending_offers(
                    DUE, applicant=applicant, dataset=dataset, created_at=now - timedelta(days=400)
                )
                result, seconds = timed(lapse_unsigned, now + timedelta(hours=2), dry_run=False)
            lapsed = result["grants_revoked"]
            if lapsed < DUE:
                raise RuntimeError(f"the job lapsed {lapsed} of {DUE} offers")
            figures.append(
                Figure(
                    "unsigned offers lapsed per second (revoke, audit, notify, close each)",
                    lapsed / seconds,
                    "offers/s",
                    extra={"offers": lapsed, "seconds": round(seconds, 2)},
                )
            )
            raise _Rollback
    except _Rollback:
        pass
    yield from figures
