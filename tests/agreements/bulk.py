"""Many approved requests at once, for query-count tests and the bench: one approved
request and requested dataset per row, then an active grant each (the expiry sweep), or a
pending grant and an unsigned agreement each (the lapse of unsigned offers). Written with
bulk_create: the services would take hours for 100k, and the jobs only need the rows."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from access_requests.models import AccessRequest, RequestedDataset
from agreements.models import Agreement, AgreementTemplate, Grant, new_grant_reference


def _approved_batches(
    n: int, *, applicant: Any, dataset: Any, batch: int
) -> Iterator[list[tuple[AccessRequest, RequestedDataset]]]:
    """`n` approved requests of `applicant` for `dataset`, in batches of (request, row)."""
    tag = secrets.randbelow(9000) + 1000  # a "year" of references of their own
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
        yield list(zip(requests, rows, strict=True))


def _grants(pairs: list[tuple[AccessRequest, RequestedDataset]], **fields: Any) -> list[Grant]:
    """One grant per (request, row) to the request's applicant for the row's dataset."""
    return Grant.objects.bulk_create(
        Grant(
            reference=new_grant_reference(),
            access_request=r,
            requested_dataset=row,
            dataset_id=row.dataset_id,
            committee_id=row.dataset.committee_id,
            holder_id=r.applicant_id,
            **fields,
        )
        for r, row in pairs
    )


def make_active_grants(
    n: int, *, applicant: Any, dataset: Any, starts_at: datetime, batch: int = 5000
) -> list[str]:
    """`n` active grants of `applicant` for `dataset`, ending one day after `starts_at`."""
    references: list[str] = []
    for pairs in _approved_batches(n, applicant=applicant, dataset=dataset, batch=batch):
        grants = _grants(
            pairs,
            status="active",
            access_days=1,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=1),
        )
        references.extend(g.reference for g in grants)
    return references


def make_pending_offers(
    n: int, *, applicant: Any, dataset: Any, created_at: datetime, batch: int = 5000
) -> int:
    """`n` approvals of `applicant` for `dataset` whose agreement, prepared at
    `created_at` from the committee's template, nobody has signed: a pending grant each."""
    template = AgreementTemplate.objects.filter(committee=dataset.committee).first()
    assert template is not None, "the committee has an agreement template"
    for pairs in _approved_batches(n, applicant=applicant, dataset=dataset, batch=batch):
        _grants(pairs, status="pending", access_days=365, created_at=created_at)
        Agreement.objects.bulk_create(
            Agreement(
                access_request=r,
                template=template,
                template_version=template.version,
                text="bulk",
                text_sha256="0" * 64,
                countersignature_required=False,
                created_at=created_at,
            )
            for r, _row in pairs
        )
    return n
