"""Many grants at once, for the expiry sweep's query-count test and the bench: one
approved request, requested dataset and active grant per row, written with bulk_create
(the services would take hours for 100k; the sweep only needs the rows)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from access_requests.models import AccessRequest, RequestedDataset
from agreements.models import Grant, new_grant_reference


def make_active_grants(
    n: int, *, applicant: Any, dataset: Any, starts_at: datetime, batch: int = 5000
) -> list[str]:
    """`n` active grants of `applicant` for `dataset`, ending one day after `starts_at`."""
    tag = secrets.randbelow(9000) + 1000  # a "year" of references of their own
    references: list[str] = []
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        requests = AccessRequest.objects.bulk_create(
            [
                AccessRequest(
                    reference=f"DAR-{tag}-{offset + i + 1:06d}",
                    applicant=applicant,
                    institution=applicant.institution,
                    committee=dataset.committee,
                    title="bulk",
                    status="approved",
                )
                for i in range(size)
            ]
        )
        if requests[0].pk is None:  # SQLite before 3.35 returns no ids from bulk_create
            requests = list(
                AccessRequest.objects.filter(reference__startswith=f"DAR-{tag}-").order_by("id")
            )[offset : offset + size]
        rows = RequestedDataset.objects.bulk_create(
            [
                RequestedDataset(
                    access_request=r,
                    dataset=dataset,
                    applicant=applicant,
                    is_open=False,
                    decision="approved",
                )
                for r in requests
            ]
        )
        grants = [
            Grant(
                reference=new_grant_reference(),
                access_request=r,
                requested_dataset=row,
                dataset=dataset,
                committee=dataset.committee,
                holder=applicant,
                status="active",
                access_days=1,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=1),
            )
            for r, row in zip(requests, rows, strict=True)
        ]
        Grant.objects.bulk_create(grants)
        references.extend(g.reference for g in grants)
    return references
