"""Bulk import of the catalogue (issue 21; docs/catalogue.md): studies, datasets and their
consent from a CSV or JSON file, one dataset per row, upserted by accession.

Two passes over the file, so that nothing is written until the whole file is known good and
memory does not grow with the file. `plan` reads the rows in chunks of CHUNK, checks each
against what the database holds for that chunk (read per chunk, not per row) with the same
consent parser as the form and the API (each distinct consent parsed once), and keeps only
a compact outcome per row: create, change (which fields), unchanged, or refused (why).
`catalogue_import` then reads the file again and, in one transaction, checks and writes the
planned rows chunk by chunk, with the audit events of a chunk in a fixed number of appends
(`audit_record_many`); a row that no longer checks as planned (the file or the database
changed in between) stops the import. A file with a refused row imports nothing unless the
caller skips the bad rows on purpose. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, overload

from django.db import transaction

from accounts.models import Committee, User
from accounts.permissions import can
from audit.services import audit_record_many
from consent.audit_actions import ConsentAudit
from consent.matching import DISEASE_CURIE, MemoryOntology, ParseError, parse_data_use
from consent.models import ConsentScope, Dataset, Study, accession_format
from consent.ontology import ontology_for
from dac_portal.bulk_insert import insert_rows
from dac_portal.errors import Conflict, PermissionDenied

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
CHANGEABLE = (*DATASET_FIELDS, "consent")
ACTIONS = ("create", "change", "unchanged", "refused")
TRUE, FALSE = {"true", "yes", "1", ""}, {"false", "no", "0"}
# Rows checked, and written, together: the database is read once per chunk, and a chunk's
# parsed rows and model objects are all the import holds at a time.
CHUNK = 2000
# Keys per lookup query (see _slices).
LOOKUP = 250
# Distinct consents parsed are kept for reuse; a file with more than this many distinct
# ones starts the cache afresh rather than grow it without bound.
CONSENT_CACHE = 10_000
ACCESSION = re.compile(accession_format.regex)


@dataclass
class Row:
    """One row of the file. While it is checked it carries its parsed `fields` and
    `consent`; in a plan it is light: `values` holds only the accession."""

    number: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    action: str = ""  # create, change, unchanged or refused
    changed: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] | None = None


@dataclass
class Catalogue:
    """The file (checked by `plan`, read again by `catalogue_import`: its digest tells if it
    changed in between) and what the database holds: committees and studies for the whole
    file, datasets and their current consent for the chunk in hand."""

    path: Path
    digest: str
    committees: dict[str, Committee]
    studies: dict[str, Study]
    datasets: dict[str, Dataset] = field(default_factory=dict)
    scopes: dict[int, ConsentScope] = field(default_factory=dict)
    # The studies the import registered (checks keep seeing `studies` as planned).
    new_studies: dict[str, Study] = field(default_factory=dict)
    # Every disease id the file names, read chunk by chunk: the same parser as the form and
    # the API (consent.services.data_use_parse) then checks each row without the database.
    ontology: MemoryOntology = field(default_factory=MemoryOntology)
    diseases: set[str] = field(default_factory=set)
    # Each distinct (permission, modifiers, diseases) parsed: its consent or its problems.
    consents: dict[
        tuple[str, tuple[str, ...], tuple[str, ...]], tuple[dict[str, Any] | None, list[str]]
    ] = field(default_factory=dict)
    # (actor id, committee slug) found allowed, so each chunk asks only about new ones.
    permitted: set[tuple[int, str]] = field(default_factory=set)


class Accessions:
    """The file's accessions in row order, as one UTF-8 buffer, with an open-addressing
    table of positions for `in`: a few bytes per row where a list and a set of str take
    about a hundred, so that a plan of 100,000 rows stays small."""

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("I")
        self._table = array("i", [-1]) * 1024
        self._used = 0

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._text[start : self._ends[index]].decode()

    def _slot(self, accession: str) -> int:
        mask = len(self._table) - 1
        slot = hash(accession) & mask
        while (index := self._table[slot]) >= 0 and self[index] != accession:
            slot = (slot + 1) & mask
        return slot

    def __contains__(self, accession: object) -> bool:
        return isinstance(accession, str) and self._table[self._slot(accession)] >= 0

    def add(self, accession: str) -> None:
        """Append the row's accession (a repeated one too: one entry per row)."""
        self._text += accession.encode()
        self._ends.append(len(self._text))
        slot = self._slot(accession)
        if self._table[slot] < 0:
            self._table[slot] = len(self._ends) - 1
            self._used += 1
            if 2 * self._used > len(self._table):
                old, self._table = self._table, array("i", [-1]) * (2 * len(self._table))
                for index in old:
                    if index >= 0:
                        self._table[self._slot(self[index])] = index


class Plan(Sequence[Row]):
    """What importing each row of a file does, compact: per row one byte for the action,
    one for the changed fields and its accession; problems only for refused rows. Reading
    an item gives a light Row."""

    def __init__(self, first: int) -> None:
        self.first = first  # the number of the first row (rows are numbered consecutively)
        self.accessions = Accessions()
        self._actions = bytearray()
        self._changed = bytearray()
        self._problems: dict[int, list[str]] = {}

    def append(self, row: Row) -> None:
        self._actions.append(ACTIONS.index(row.action))
        self._changed.append(sum(1 << CHANGEABLE.index(name) for name in row.changed))
        if row.problems:
            self._problems[len(self._actions) - 1] = row.problems

    def count(self, value: Any) -> int:
        """How many rows have this action (a Row: how many equal it)."""
        if isinstance(value, str):
            return self._actions.count(ACTIONS.index(value)) if value in ACTIONS else 0
        return super().count(value)

    def where(self, actions: Iterable[str]) -> Iterator[Row]:
        """The rows with one of these actions, in file order."""
        wanted = {ACTIONS.index(a) for a in actions if a in ACTIONS}
        return (self[i] for i, code in enumerate(self._actions) if code in wanted)

    def selection(self) -> tuple[bytearray, dict[str, int]]:
        """What `catalogue_import` writes: see `_selection` (here without a Row per row)."""
        to_write = bytes([1, 2] + [0] * 254)  # create → 1, change → 2, the others → 0
        planned = bytearray(self.first) + self._actions.translate(to_write)
        return planned, {a: self.count(a) for a in ("create", "change", "unchanged")}

    def __len__(self) -> int:
        return len(self._actions)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = index + len(self) if index < 0 else index
        if not 0 <= index < len(self):
            raise IndexError(index)
        mask = self._changed[index]
        return Row(
            self.first + index,
            {"accession": self.accessions[index]},
            problems=self._problems.get(index, []),
            action=ACTIONS[self._actions[index]],
            changed=[name for bit, name in enumerate(CHANGEABLE) if mask & 1 << bit],
        )


# -- read -----------------------------------------------------------------------------------------


def _listed(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def read(path: Path) -> Iterator[Row]:
    """The file's rows, numbered as a person counts them (CSV: the header is line 1).
    A CSV is streamed; a JSON file is one document, parsed whole."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            # csv.reader rather than DictReader, which builds each row in Python: a column
            # the row lacks is left out (read as empty), a value beyond the header dropped.
            lines = csv.reader(handle)
            header = [name.strip() for name in next(lines, [])]
            for number, cells in enumerate(lines, start=2):
                if cells:  # DictReader skipped blank lines too
                    values = zip(header, cells)  # noqa: B905 (rows may be short or long)
                    yield Row(number, {k: v.strip() for k, v in values if k})
    elif path.suffix.lower() == ".json":
        items = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise ValueError("A JSON catalogue is a list of objects, one per dataset.")
        for number, values in enumerate(items, start=1):
            yield Row(number, values if isinstance(values, dict) else {"_": values})
    else:
        raise ValueError("The file must end in .csv or .json.")


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# -- check and plan -------------------------------------------------------------------------------


def load_catalogue(path: Path) -> Catalogue:
    """What the whole file is checked against; `load_chunk` adds each chunk's datasets."""
    return Catalogue(
        path=path,
        digest=_digest(path),
        committees={c.slug: c for c in Committee.objects.all()},
        studies={s.accession: s for s in Study.objects.select_related("committee")},
    )


def _slices(values: list[Any]) -> Iterator[list[Any]]:
    """`values` in slices of LOOKUP: with a whole chunk's worth of keys in one IN list,
    PostgreSQL estimates the index probes dearer than reading the table, and reads the
    whole table, once per chunk: an import that grows with the catalogue's size."""
    for start in range(0, len(values), LOOKUP):
        yield values[start : start + LOOKUP]


def load_chunk(rows: list[Row], catalogue: Catalogue) -> None:
    """The chunk's datasets and their current consent, and the disease ids it names that
    were not read yet, in a few queries per chunk (lookups in slices: _slices)."""
    accessions = [str(r.values.get("accession") or "") for r in rows]
    catalogue.datasets = {
        d.accession: d
        for part in _slices(accessions)
        for d in Dataset.objects.filter(accession__in=part)
    }
    catalogue.scopes = {}
    for part in _slices([d.pk for d in catalogue.datasets.values()]):
        for scope in ConsentScope.objects.filter(dataset__in=part).order_by("version"):
            catalogue.scopes[scope.dataset_id] = scope  # the last one read is the current one
    named = {d for r in rows for d in _listed(r.values.get("diseases")) if DISEASE_CURIE.match(d)}
    new = named - catalogue.diseases
    if new:
        catalogue.diseases |= new
        more, known = ontology_for(new), catalogue.ontology
        catalogue.ontology = MemoryOntology(
            ancestors={**known.ancestors, **more.ancestors},
            labels={**known.labels, **more.labels},
            replaced_by={**known.replaced_by, **more.replaced_by},
            refused={**known.refused, **more.refused},
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


def _consent(row: Row, catalogue: Catalogue) -> None:
    """Parse the row's consent, once per distinct (permission, modifiers, diseases)."""
    permission = row.values.get("permission")
    modifiers, diseases = _listed(row.values.get("modifiers")), _listed(row.values.get("diseases"))
    key = (repr(permission), tuple(modifiers), tuple(diseases))
    parsed = catalogue.consents.get(key)
    if parsed is None:
        raw = {"permission": permission, "modifiers": modifiers, "diseases": diseases}
        try:
            parsed = (parse_data_use(raw, catalogue.ontology).as_dict(), [])
        except ParseError as exc:
            parsed = (None, [f"{name}: {' '.join(msgs)}" for name, msgs in exc.errors.items()])
        if len(catalogue.consents) >= CONSENT_CACHE:
            catalogue.consents.clear()
        catalogue.consents[key] = parsed
    row.consent = parsed[0]
    row.problems += parsed[1]


def check(row: Row, catalogue: Catalogue, seen: Accessions | None) -> Row:
    """Every problem of one row, in words naming the field; then what importing it does.
    `seen` holds the accessions of the rows before it (None: the row was checked before)."""
    missing = [name for name in REQUIRED if not str(row.values.get(name) or "").strip()]
    row.problems += [f"{name}: required" for name in missing]
    if not set(row.values) <= set(COLUMNS):
        unknown = sorted(set(row.values) - set(COLUMNS))
        row.problems += [f"{name}: not a column of the catalogue" for name in unknown]
    accession = str(row.values.get("accession") or "")
    if accession and not ACCESSION.match(accession):
        row.problems.append(f"accession: {accession!r} is not an accession such as DACD000001")
    if seen is not None:
        if accession in seen:
            row.problems.append(f"accession: {accession} is in the file twice")
        seen.add(accession)
    row.fields = _field_values(row)
    _study_of(row, catalogue)
    if "permission" not in missing:
        _consent(row, catalogue)
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


def plan(path: Path) -> tuple[Plan, Catalogue]:
    """Check every row of the file; nothing is written. The catalogue it returns is what
    `catalogue_import` needs to import the same file."""
    catalogue = load_catalogue(path)
    result = Plan(first=2 if path.suffix.lower() == ".csv" else 1)
    for chunk in _chunks(read(path)):
        load_chunk(chunk, catalogue)
        for row in chunk:
            result.append(check(row, catalogue, result.accessions))
    return result, catalogue


# -- apply ----------------------------------------------------------------------------------------


def _allowed(actor: User, rows: list[Row], catalogue: Catalogue) -> None:
    slugs = set()
    for row in rows:
        study = catalogue.studies.get(row.values["study"])
        slugs.add(study.committee.slug if study else row.values["committee"])
    slugs -= {slug for pk, slug in catalogue.permitted if pk == actor.pk}
    refused = sorted(s for s in slugs if not can(actor, "dataset.manage", catalogue.committees[s]))
    if refused:
        raise PermissionDenied(f"{actor.username} may not manage the catalogue of {refused}.")
    catalogue.permitted |= {(actor.pk, slug) for slug in slugs}


def _new_studies(rows: list[Row], catalogue: Catalogue, actor: User) -> None:
    new: dict[str, Study] = {}
    for row in rows:
        accession = row.values["study"]
        known = accession in catalogue.studies or accession in catalogue.new_studies
        if not known and accession not in new:
            committee = catalogue.committees[row.values["committee"]]
            new[accession] = Study(
                accession=accession, title=row.values["study_title"], committee=committee
            )
    Study.objects.bulk_create(new.values())
    catalogue.new_studies.update(new)
    audit_record_many(
        actor=actor,
        action=ConsentAudit.STUDY_CREATED,
        items=[
            (("study", s.accession), {"title": s.title, "committee": s.committee.slug})
            for s in new.values()
        ],
    )


def _created_datasets(rows: list[tuple[Row, Study]]) -> dict[str, int]:
    """Insert the new datasets (one statement, no model objects: dac_portal.bulk_insert);
    their ids by accession."""
    each: dict[str, list[Any]] = {
        name: [] for name in ("accession", "study_id", "committee_id", *DATASET_FIELDS)
    }
    for row, study in rows:
        each["accession"].append(row.values["accession"])
        each["study_id"].append(study.pk)
        each["committee_id"].append(study.committee_id)
        for name in DATASET_FIELDS:
            each[name].append(row.fields[name])
    return dict(insert_rows(Dataset, same={}, each=each, returning=("accession", "id")))


def _datasets(rows: list[Row], catalogue: Catalogue, actor: User) -> dict[str, int]:
    """Create or change the chunk's datasets; the id of each row's dataset by accession.
    Audit targets are (type, id) pairs, the ones the model names (Dataset: its accession)."""
    created: list[tuple[Row, Study]] = []
    changed: list[tuple[Row, Dataset]] = []
    ids: dict[str, int] = {}
    for row in rows:
        accession, study_accession = row.values["accession"], row.values["study"]
        dataset = catalogue.datasets.get(accession)
        if dataset is None:
            study = catalogue.studies.get(study_accession) or catalogue.new_studies[study_accession]
            created.append((row, study))
            continue
        ids[accession] = dataset.pk
        if set(row.changed) - {"consent"}:
            for name in DATASET_FIELDS:
                setattr(dataset, name, row.fields[name])
            changed.append((row, dataset))
    ids.update(_created_datasets(created))
    Dataset.objects.bulk_update([d for _r, d in changed], list(DATASET_FIELDS), batch_size=CHUNK)
    audit_record_many(
        actor=actor,
        action=ConsentAudit.DATASET_CREATED,
        items=[
            (
                ("dataset", r.values["accession"]),
                {**r.fields, "study": r.values["study"], "imported": True},
            )
            for r, _study in created
        ],
    )
    audit_record_many(
        actor=actor,
        action=ConsentAudit.DATASET_UPDATED,
        items=[
            (("dataset", d.accession), {"new": r.fields, "changed": r.changed, "imported": True})
            for r, d in changed
        ],
    )
    return ids


def _scopes(rows: list[Row], ids: dict[str, int], catalogue: Catalogue, actor: User) -> None:
    """A new consent version for each new dataset and each changed consent."""
    scopes: list[tuple[str, int, dict[str, Any]]] = []
    for row in rows:
        if row.action == "create" or "consent" in row.changed:
            accession = row.values["accession"]
            current = catalogue.scopes.get(ids[accession])
            version = current.version + 1 if current else 1
            scopes.append((accession, version, row.consent or {}))  # no consent: refused
    insert_rows(
        ConsentScope,
        same={"note": "Imported from the catalogue file.", "created_by_id": actor.pk},
        each={
            "dataset_id": [ids[accession] for accession, _v, _c in scopes],
            "version": [version for _a, version, _c in scopes],
            "permission": [consent["permission"] for _a, _v, consent in scopes],
            "diseases": [consent["diseases"] for _a, _v, consent in scopes],
            "modifiers": [consent["modifiers"] for _a, _v, consent in scopes],
        },
    )
    audit_record_many(
        actor=actor,
        action=ConsentAudit.CONSENT_SCOPE_CREATED,
        items=[
            (
                ("consent_scope", f"{accession}/v{version}"),  # ConsentScope.audit_id
                {
                    "dataset": accession,
                    "version": version,
                    "supersedes": version - 1 or None,
                    "permission": consent["permission"],
                    "diseases": consent["diseases"],
                    "modifiers": consent["modifiers"],
                    "imported": True,
                },
            )
            for accession, version, consent in scopes
        ],
    )


def _changed_since(row: Row, planned: int) -> Conflict:
    return Conflict(
        f"Row {row.number} ({row.values.get('accession') or '?'}) was planned as "
        f"{ACTIONS[planned - 1]} but now checks as {row.action}: the file or the catalogue "
        "changed since it was checked. Check it again.",
        code="catalogue_changed",
    )


def _apply(rows: list[Row], planned: bytearray, catalogue: Catalogue, actor: User) -> None:
    """Check one chunk's planned rows again (they must check as planned) and write them."""
    load_chunk(rows, catalogue)
    for row in rows:
        check(row, catalogue, None)
        if planned[row.number] != 1 + ACTIONS.index(row.action):
            raise _changed_since(row, planned[row.number])
    _allowed(actor, rows, catalogue)
    _new_studies([r for r in rows if r.action == "create"], catalogue, actor)
    ids = _datasets(rows, catalogue, actor)
    _scopes(rows, ids, catalogue, actor)


def _selection(rows: Iterable[Row]) -> tuple[bytearray, dict[str, int]]:
    """By row number, 1 + the planned action of each row to write (0: leave it); and how
    many rows of each action there are."""
    if isinstance(rows, Plan):
        return rows.selection()
    planned = bytearray()
    counts = dict.fromkeys(("create", "change", "unchanged"), 0)
    for row in rows:
        if row.action in counts:
            counts[row.action] += 1
        if row.action in ("create", "change"):
            if row.number >= len(planned):
                planned.extend(bytes(row.number + 1 - len(planned)))
            planned[row.number] = 1 + ACTIONS.index(row.action)
    return planned, counts


def catalogue_import(*, rows: Iterable[Row], catalogue: Catalogue, actor: User) -> dict[str, int]:
    """Write the planned rows (refused ones left out by the caller, or ignored), reading
    the file of `plan` again, in one transaction, audited per object; returns how many of
    each action. Conflict if the file changed since `plan` (or is gone)."""
    planned, counts = _selection(rows)
    if not planned.strip(b"\0"):
        return counts
    if not catalogue.path.is_file() or _digest(catalogue.path) != catalogue.digest:
        raise Conflict(
            f"{catalogue.path} is gone or changed since it was checked. Check it again.",
            code="catalogue_changed",
        )
    with transaction.atomic():
        for chunk in _chunks(read(catalogue.path)):
            todo = [r for r in chunk if r.number < len(planned) and planned[r.number]]
            if todo:
                _apply(todo, planned, catalogue, actor)
    return counts
