"""Bulk import of the catalogue (issue 21; docs/catalogue.md): studies, datasets and their
consent from a CSV or JSON file, one dataset per row, upserted by accession.

Four steps, so that nothing is written until the whole file is known good: `read` the rows
(streamed), `check` each against what the database holds (read once, not per row) with the
same consent parser as the form and the API, `plan` what would be created, changed or left,
then `apply` the plan in one transaction, with the audit events in a fixed number of
appends (`audit_record_many`). A file with a refused row imports nothing unless the caller
skips the bad rows on purpose. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.models import Committee, User
from accounts.permissions import can
from audit.services import audit_record_many
from consent.audit_actions import ConsentAudit
from consent.matching import DISEASE_CURIE, MemoryOntology, ParseError, parse_data_use
from consent.models import ConsentScope, Dataset, Study, accession_format
from consent.ontology import ontology_for
from dac_portal.errors import PermissionDenied

COLUMNS = (
    "accession",
    "title",
    "description",
    "study",
    "study_title",
    "committee",
    "permission",
    "modifiers",
    "diseases",
    "participant_count",
    "is_public",
)
REQUIRED = ("accession", "title", "study", "permission")
DATASET_FIELDS = ("title", "description", "participant_count", "is_public")
TRUE, FALSE = {"true", "yes", "1", ""}, {"false", "no", "0"}


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    action: str = ""  # create, change, unchanged or refused
    changed: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] | None = None


@dataclass
class Catalogue:
    """What the database holds, read once for the whole file."""

    committees: dict[str, Committee]
    studies: dict[str, Study]
    datasets: dict[str, Dataset]
    scopes: dict[int, ConsentScope]
    # Every disease id the file names, read in one query: the same parser as the form and
    # the API (consent.services.data_use_parse) then checks each row without the database.
    ontology: MemoryOntology = field(default_factory=MemoryOntology)


# -- read -----------------------------------------------------------------------------------------


def _listed(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def read(path: Path) -> Iterator[Row]:
    """The file's rows, numbered as a person counts them (CSV: the header is line 1)."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, values in enumerate(csv.DictReader(handle), start=2):
                yield Row(number, {k.strip(): (v or "").strip() for k, v in values.items() if k})
    elif path.suffix.lower() == ".json":
        items = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise ValueError("A JSON catalogue is a list of objects, one per dataset.")
        for number, values in enumerate(items, start=1):
            yield Row(number, values if isinstance(values, dict) else {"_": values})
    else:
        raise ValueError("The file must end in .csv or .json.")


# -- check and plan -------------------------------------------------------------------------------


def load_catalogue(accessions: Iterable[str], diseases: Iterable[str]) -> Catalogue:
    datasets = {
        d.accession: d
        for d in Dataset.objects.filter(accession__in=list(accessions)).select_related("study")
    }
    scopes: dict[int, ConsentScope] = {}
    for scope in ConsentScope.objects.filter(dataset__in=datasets.values()).order_by("version"):
        scopes[scope.dataset_id] = scope  # the last one read is the current one
    return Catalogue(
        committees={c.slug: c for c in Committee.objects.all()},
        studies={s.accession: s for s in Study.objects.select_related("committee")},
        datasets=datasets,
        scopes=scopes,
        ontology=ontology_for(d for d in diseases if DISEASE_CURIE.match(d)),
    )


def _field_values(row: Row) -> dict[str, Any]:
    values = row.values
    fields: dict[str, Any] = {
        "title": str(values.get("title") or ""),
        "description": str(values.get("description") or ""),
    }
    count = values.get("participant_count", 0)
    try:
        fields["participant_count"] = int(count or 0)
        if not 0 <= fields["participant_count"] <= 100_000_000:
            raise ValueError
    except (TypeError, ValueError):
        row.problems.append(f"participant_count: {count!r} is not a number of participants")
    public = values.get("is_public", True)
    text = str(public).strip().lower()
    if isinstance(public, bool) or text in TRUE | FALSE:
        fields["is_public"] = public if isinstance(public, bool) else text in TRUE
    else:
        row.problems.append(f"is_public: {public!r} is not true or false")
    return fields


def _study_of(row: Row, catalogue: Catalogue) -> None:
    study = catalogue.studies.get(str(row.values.get("study") or ""))
    slug = str(row.values.get("committee") or "")
    committee = catalogue.committees.get(slug) if slug else None
    if slug and committee is None:
        row.problems.append(f"committee: no committee {slug!r}")
    if study is None:
        if not row.values.get("study_title"):
            row.problems.append("study: no such study, and no study_title to register it")
        elif committee is None:
            row.problems.append("committee: a new study needs its committee")
    elif committee is not None and committee.pk != study.committee_id:
        row.problems.append(f"committee: the study belongs to {study.committee.slug}")


def _consent(row: Row, ontology: MemoryOntology) -> None:
    raw = {
        "permission": row.values.get("permission"),
        "modifiers": _listed(row.values.get("modifiers")),
        "diseases": _listed(row.values.get("diseases")),
    }
    try:
        row.consent = parse_data_use(raw, ontology).as_dict()
    except ParseError as exc:
        row.problems += [f"{name}: {' '.join(msgs)}" for name, msgs in exc.errors.items()]


def check(row: Row, catalogue: Catalogue, seen: set[str]) -> Row:
    """Every problem of one row, in words naming the field; then what importing it does."""
    missing = [name for name in REQUIRED if not str(row.values.get(name) or "").strip()]
    row.problems += [f"{name}: required" for name in missing]
    unknown = sorted(set(row.values) - set(COLUMNS))
    row.problems += [f"{name}: not a column of the catalogue" for name in unknown]
    accession = str(row.values.get("accession") or "")
    if accession and not re.match(accession_format.regex, accession):
        row.problems.append(f"accession: {accession!r} is not an accession such as DACD000001")
    if accession in seen:
        row.problems.append(f"accession: {accession} is in the file twice")
    seen.add(accession)
    row.fields = _field_values(row)
    _study_of(row, catalogue)
    if "permission" not in missing:
        _consent(row, catalogue.ontology)
    _plan(row, catalogue)
    return row


def _plan(row: Row, catalogue: Catalogue) -> None:
    if row.problems:
        row.action = "refused"
        return
    dataset = catalogue.datasets.get(row.values["accession"])
    if dataset is None:
        row.action = "create"
        return
    row.changed = [name for name in DATASET_FIELDS if getattr(dataset, name) != row.fields[name]]
    scope = catalogue.scopes.get(dataset.pk)
    current = (
        {"permission": scope.permission, "diseases": scope.diseases, "modifiers": scope.modifiers}
        if scope
        else None
    )
    if current != row.consent:
        row.changed.append("consent")
    row.action = "change" if row.changed else "unchanged"


def plan(path: Path) -> tuple[list[Row], Catalogue]:
    rows = list(read(path))
    catalogue = load_catalogue(
        (str(r.values.get("accession") or "") for r in rows),
        (d for r in rows for d in _listed(r.values.get("diseases"))),
    )
    seen: set[str] = set()
    return [check(row, catalogue, seen) for row in rows], catalogue


# -- apply ----------------------------------------------------------------------------------------


def _allowed(actor: User, rows: list[Row], catalogue: Catalogue) -> None:
    slugs = set()
    for row in rows:
        study = catalogue.studies.get(row.values["study"])
        slugs.add(study.committee.slug if study else row.values["committee"])
    refused = sorted(s for s in slugs if not can(actor, "dataset.manage", catalogue.committees[s]))
    if refused:
        raise PermissionDenied(f"{actor.username} may not manage the catalogue of {refused}.")


def _new_studies(rows: list[Row], catalogue: Catalogue, actor: User) -> None:
    new: dict[str, Study] = {}
    for row in rows:
        accession = row.values["study"]
        if accession not in catalogue.studies and accession not in new:
            committee = catalogue.committees[row.values["committee"]]
            new[accession] = Study(
                accession=accession, title=row.values["study_title"], committee=committee
            )
    Study.objects.bulk_create(new.values())
    catalogue.studies.update(new)
    audit_record_many(
        actor=actor,
        action=ConsentAudit.STUDY_CREATED,
        items=[
            (("study", s.accession), {"title": s.title, "committee": s.committee.slug})
            for s in new.values()
        ],
    )


def _datasets(rows: list[Row], catalogue: Catalogue, actor: User) -> list[Dataset]:
    created, changed = [], []
    for row in rows:
        dataset = catalogue.datasets.get(row.values["accession"])
        if dataset is None:
            study = catalogue.studies[row.values["study"]]
            dataset = Dataset(
                accession=row.values["accession"],
                study=study,
                committee_id=study.committee_id,
                **row.fields,
            )
            created.append((row, dataset))
        elif set(row.changed) - {"consent"}:
            for name in DATASET_FIELDS:
                setattr(dataset, name, row.fields[name])
            changed.append((row, dataset))
        catalogue.datasets[dataset.accession] = dataset
    Dataset.objects.bulk_create([d for _r, d in created], batch_size=2000)
    Dataset.objects.bulk_update([d for _r, d in changed], list(DATASET_FIELDS), batch_size=2000)
    audit_record_many(
        actor=actor,
        action=ConsentAudit.DATASET_CREATED,
        items=[(d, {**r.fields, "study": d.study.accession, "imported": True}) for r, d in created],
    )
    audit_record_many(
        actor=actor,
        action=ConsentAudit.DATASET_UPDATED,
        items=[(d, {"new": r.fields, "changed": r.changed, "imported": True}) for r, d in changed],
    )
    return [d for _r, d in created]


def _scopes(rows: list[Row], catalogue: Catalogue, actor: User) -> None:
    scopes = []
    for row in rows:
        if row.action == "create" or "consent" in row.changed:
            dataset = catalogue.datasets[row.values["accession"]]
            current = catalogue.scopes.get(dataset.pk)
            scopes.append(
                ConsentScope(
                    dataset=dataset,
                    version=current.version + 1 if current else 1,
                    note="Imported from the catalogue file.",
                    created_by=actor,
                    **(row.consent or {}),  # a row without a consent was refused
                )
            )
    ConsentScope.objects.bulk_create(scopes, batch_size=2000)
    audit_record_many(
        actor=actor,
        action=ConsentAudit.CONSENT_SCOPE_CREATED,
        items=[
            (
                scope,
                {
                    "dataset": scope.dataset.accession,
                    "version": scope.version,
                    "supersedes": scope.version - 1 or None,
                    "permission": scope.permission,
                    "diseases": scope.diseases,
                    "modifiers": scope.modifiers,
                    "imported": True,
                },
            )
            for scope in scopes
        ],
    )


def catalogue_import(*, rows: list[Row], catalogue: Catalogue, actor: User) -> dict[str, int]:
    """Write the planned rows (refused ones left out by the caller or absent), in one
    transaction, audited per object; returns how many of each action."""
    todo = [r for r in rows if r.action in ("create", "change")]
    _allowed(actor, todo, catalogue)
    with transaction.atomic():
        _new_studies([r for r in todo if r.action == "create"], catalogue, actor)
        _datasets(todo, catalogue, actor)
        _scopes(todo, catalogue, actor)
    return {a: sum(r.action == a for r in rows) for a in ("create", "change", "unchanged")}
