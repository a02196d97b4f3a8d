"""Registering studies and datasets with their consent, as one act each (docs/catalogue.md):
what the write API calls. Each function is one transaction; the study, dataset and consent
scope services it calls audit their own rows inside it, so a dataset registered with its
consent is either there with both events or not there at all.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from accounts.models import Committee, User
from accounts.permissions import require
from consent.models import ConsentScope, Dataset, Study
from consent.services import (
    DATASET_FIELDS,
    consent_scope_create,
    data_use_parse,
    dataset_create,
    dataset_update,
    study_create,
)
from dac_portal.errors import ValidationError

DATASET_PREFIX = "DACD"
STUDY_PREFIX = "DACS"
DIGITS = 6
# Two registrations without an accession must not be given the same one: the next number is
# read and used under this lock (PostgreSQL; SQLite serialises writers anyway).
ACCESSION_LOCK = 0x6163_6373  # "accs"


def _next_accession(model: type[Dataset] | type[Study], prefix: str) -> str:
    """The next free accession of the portal's own form (prefix and six digits), inside the
    caller's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACCESSION_LOCK])
    last = (
        model.objects.filter(accession__regex=rf"^{prefix}[0-9]{{{DIGITS}}}$")
        .order_by("-accession")
        .values_list("accession", flat=True)
        .first()
    )
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:0{DIGITS}d}"


def _committee_agrees(study: Study, committee: Committee | None) -> None:
    if committee is not None and committee.pk != study.committee_id:
        raise ValidationError(
            "A dataset is governed by its study's committee.",
            details={"committee": [f"The study {study.accession} belongs to another committee."]},
        )


def study_register(
    *,
    title: str,
    committee: Committee,
    description: str = "",
    accession: str | None = None,
    actor: User,
) -> Study:
    """A new study of `committee` (its stewards only), given an accession when none is."""
    require(actor, "dataset.manage", committee)
    with transaction.atomic():
        return study_create(
            accession=accession or _next_accession(Study, STUDY_PREFIX),
            title=title,
            committee=committee,
            description=description,
            actor=actor,
        )


def dataset_register(
    *,
    study: Study,
    committee: Committee | None = None,
    accession: str | None = None,
    consent: Any = None,
    consent_note: str = "",
    actor: User,
    **fields: Any,
) -> tuple[Dataset, ConsentScope | None]:
    """A new dataset of `study` (the stewards of its committee only), with its first
    consent scope when `consent` ({permission, modifiers, diseases}) is given. The consent
    is parsed before anything is written, so a bad code changes nothing."""
    _committee_agrees(study, committee)
    require(actor, "dataset.manage", study)
    data_use = data_use_parse(consent) if consent is not None else None
    with transaction.atomic():
        dataset = dataset_create(
            accession=accession or _next_accession(Dataset, DATASET_PREFIX),
            study=study,
            actor=actor,
            **fields,
        )
        scope = None
        if data_use is not None:
            scope = consent_scope_create(
                dataset=dataset, data_use=data_use, note=consent_note, actor=actor
            )
    return dataset, scope


def dataset_revise(
    *, dataset: Dataset, actor: User, consent: Any = None, consent_note: str = "", **changes: Any
) -> tuple[Dataset, ConsentScope | None]:
    """Change a dataset's fields and, with `consent`, record a new consent scope version,
    in one transaction (the previous versions stay, and decisions keep theirs)."""
    require(actor, "dataset.manage", dataset)
    unknown = set(changes) - set(DATASET_FIELDS)
    if unknown:
        raise ValidationError("Unknown fields.", details={k: ["Not editable."] for k in unknown})
    data_use = data_use_parse(consent) if consent is not None else None
    with transaction.atomic():
        if changes:
            dataset = dataset_update(dataset=dataset, actor=actor, **changes)
        scope = None
        if data_use is not None:
            scope = consent_scope_create(
                dataset=dataset, data_use=data_use, note=consent_note, actor=actor
            )
    return dataset, scope
