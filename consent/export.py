"""The public catalogue as files for harvesters (issue 21): CSV, JSON and DCAT-AP 3 JSON-LD.

Only what the public catalogue shows to a visitor who is not signed in: listed datasets
(`is_public`), their study and committee, and the current consent scope as DUO codes,
modifier codes and disease terms. No internal ids and no people: modifier parameters are
left out because some of them name people (US, COL) or projects. The export is the same
for everyone, signed in or not, so a harvester never sees more by holding a session.

Built for 100,000 datasets: the datasets are read in chunks of CHUNK_SIZE with the
current scope of each chunk prefetched in one query and the disease labels in at most one
more, and every format is rendered row by row into a streamed response. Fields, keys and
the DCAT-AP mapping are documented in docs/catalogue-export.md.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from consent.models import ConsentScope, Dataset
from consent.ontology import term_labels
from consent.vocabulary import DUO_TERMS
from dac_portal.csv_safety import safe_cell

CHUNK_SIZE = 500
# Rows are joined into pieces of about this many characters before they are sent: one
# write per row would cost more in the WSGI server than the rendering itself.
FLUSH_AT = 64 * 1024

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonld": "application/ld+json",
}
FILE_EXTENSIONS = {"csv": "csv", "json": "json", "jsonld": "jsonld"}

CSV_COLUMNS = [
    "accession",
    "title",
    "description",
    "study_accession",
    "study_title",
    "committee_slug",
    "committee_name",
    "permission",
    "permission_label",
    "modifiers",
    "disease_ids",
    "disease_labels",
    "scope_version",
    "url",
]
LIST_SEPARATOR = ";"

OBO = "http://purl.obolibrary.org/obo/"
# DCAT-AP's controlled vocabulary for dct:accessRights: every listed dataset is released
# only through the committee, so it is "restricted", never "public".
RESTRICTED = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
JSONLD_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "obo": OBO,
}

# DUO shorthand -> (CURIE, label), from the built-in DUO release: the English DUO label is
# the one a harvester can match against the ontology, whatever the visitor's language.
DUO_BY_CODE: dict[str, tuple[str, str]] = {
    code: (curie, label) for curie, code, label, _parents in DUO_TERMS if code
}


def obo_iri(curie: str) -> str:
    """`DUO:0000042` -> `http://purl.obolibrary.org/obo/DUO_0000042` (the OBO PURL rule,
    which DUO, DOID and MONDO all follow)."""
    return OBO + curie.replace(":", "_", 1)


def duo_iri(code: str) -> str:
    curie = DUO_BY_CODE.get(code, ("", ""))[0]
    return obo_iri(curie) if curie else ""


def duo_label(code: str) -> str:
    return DUO_BY_CODE.get(code, ("", ""))[1]


@dataclass(frozen=True)
class Links:
    """Absolute URLs, resolved once per export: `reverse` costs more than rendering a row,
    and the routes stay the single source of the paths."""

    base: str
    dataset_prefix: str
    dataset_suffix: str
    committee_prefix: str
    committee_suffix: str
    catalogue: str
    export: str

    @classmethod
    def resolve(cls) -> Links:
        base = str(settings.PORTAL_BASE_URL).rstrip("/")
        marker = "MARKER000000"
        dataset = reverse("consent:dataset", args=[marker]).split(marker)
        committee = reverse("transparency:committee", args=[marker]).split(marker)
        return cls(
            base=base,
            dataset_prefix=base + dataset[0],
            dataset_suffix=dataset[1],
            committee_prefix=base + committee[0],
            committee_suffix=committee[1],
            catalogue=base + reverse("consent:catalogue"),
            export=base + reverse("consent:catalogue-export"),
        )

    def dataset(self, accession: str) -> str:
        return f"{self.dataset_prefix}{accession}{self.dataset_suffix}"

    def committee(self, slug: str) -> str:
        return f"{self.committee_prefix}{slug}{self.committee_suffix}"


@dataclass(frozen=True)
class ExportRow:
    accession: str
    title: str
    description: str
    study_accession: str
    study_title: str
    committee_slug: str
    committee_name: str
    url: str
    committee_url: str
    permission: str  # "" while no consent scope has been recorded
    modifiers: tuple[str, ...]
    diseases: tuple[tuple[str, str], ...]  # (id, label); label "" when not in the ontology
    scope_version: int | None

    @property
    def permission_label(self) -> str:
        return duo_label(self.permission)

    def csv_cells(self) -> list[Any]:
        return [
            self.accession,
            self.title,
            self.description,
            self.study_accession,
            self.study_title,
            self.committee_slug,
            self.committee_name,
            self.permission,
            self.permission_label,
            LIST_SEPARATOR.join(self.modifiers),
            LIST_SEPARATOR.join(d for d, _label in self.diseases),
            LIST_SEPARATOR.join(label for _d, label in self.diseases),
            self.scope_version,
            self.url,
        ]

    def as_json(self) -> dict[str, Any]:
        consent = None
        if self.scope_version is not None:
            consent = {
                "permission": {"code": self.permission, "label": self.permission_label},
                "modifiers": list(self.modifiers),
                "diseases": [{"id": d, "label": label} for d, label in self.diseases],
                "version": self.scope_version,
            }
        return {
            "accession": self.accession,
            "title": self.title,
            "description": self.description,
            "study": {"accession": self.study_accession, "title": self.study_title},
            "committee": {"slug": self.committee_slug, "name": self.committee_name},
            "consent": consent,
            "url": self.url,
        }


# Tuples, not model instances: building a Dataset, its Study and its Committee for each
# row cost more than everything else in the export (half of the time on 10,000 rows).
DATASET_COLUMNS = (
    "pk",  # only to match the scopes; never exported
    "accession",
    "title",
    "description",
    "study__accession",
    "study__title",
    "committee__slug",
    "committee__name",
)
SCOPE_COLUMNS = ("dataset_id", "version", "permission", "diseases", "modifiers")


def public_datasets() -> QuerySet[Dataset, tuple[Any, ...]]:
    """The datasets the public catalogue lists (to a visitor who is not signed in), as
    DATASET_COLUMNS tuples in accession order."""
    return (
        Dataset.objects.filter(is_public=True).order_by("accession").values_list(*DATASET_COLUMNS)
    )


def current_scopes(dataset_ids: Iterable[int]) -> dict[int, tuple[Any, ...]]:
    """dataset id -> its newest scope as SCOPE_COLUMNS (without the id), in one query:
    older versions are never read, whatever their number."""
    newest = (
        ConsentScope.objects.filter(dataset=OuterRef("dataset"))
        .order_by("-version")
        .values("pk")[:1]
    )
    # order_by(): the model's default ordering ("dataset" first) would join the dataset
    # table only to sort rows that are matched by id anyway.
    scopes = (
        ConsentScope.objects.filter(dataset_id__in=list(dataset_ids), pk=Subquery(newest))
        .order_by()
        .values_list(*SCOPE_COLUMNS)
    )
    return {scope[0]: scope[1:] for scope in scopes}


def _modifier_code(modifier: Any) -> str:
    # Scopes store {"code": ..., parameters}; a bare code is accepted for older rows.
    return str(modifier.get("code", "")) if isinstance(modifier, dict) else str(modifier)


def _row(
    dataset: tuple[Any, ...], scope: tuple[Any, ...] | None, labels: dict[str, str], links: Links
) -> ExportRow:
    _pk, accession, title, description, study_acc, study_title, slug, name = dataset
    version, permission, diseases, modifiers = scope or (None, "", [], [])
    return ExportRow(
        accession=accession,
        title=title,
        description=description,
        study_accession=study_acc,
        study_title=study_title,
        committee_slug=slug,
        committee_name=name,
        url=links.dataset(accession),
        committee_url=links.committee(slug),
        permission=permission,
        modifiers=tuple(_modifier_code(m) for m in modifiers or []),
        diseases=tuple((d, labels.get(d, "")) for d in diseases or []),
        scope_version=version,
    )


def _rows_of(
    batch: list[tuple[Any, ...]], labels: dict[str, str], links: Links
) -> Iterator[ExportRow]:
    """One chunk of datasets with its scopes (one query) and its new disease labels (at
    most one more)."""
    if not batch:
        return
    scopes = current_scopes(dataset[0] for dataset in batch)
    missing = {d for scope in scopes.values() for d in scope[2] or []} - labels.keys()
    if missing:
        # Labels are kept across chunks: a disease seen once is never looked up again, and
        # an id outside the ontology is remembered as unlabelled.
        found = term_labels(missing)
        labels.update({d: found.get(d, "") for d in missing})
    for dataset in batch:
        yield _row(dataset, scopes.get(dataset[0]), labels, links)


def export_rows(*, chunk_size: int = CHUNK_SIZE, links: Links | None = None) -> Iterator[ExportRow]:
    """Every public dataset, in accession order, read `chunk_size` at a time (a server-side
    cursor on PostgreSQL), so memory holds one chunk whatever the catalogue's size."""
    links = links or Links.resolve()
    labels: dict[str, str] = {}
    batch: list[tuple[Any, ...]] = []
    for dataset in public_datasets().iterator(chunk_size=chunk_size):
        batch.append(dataset)
        if len(batch) >= chunk_size:
            yield from _rows_of(batch, labels, links)
            batch = []
    yield from _rows_of(batch, labels, links)


def _buffered(pieces: Iterable[str]) -> Iterator[str]:
    parts: list[str] = []
    size = 0
    for piece in pieces:
        parts.append(piece)
        size += len(piece)
        if size >= FLUSH_AT:
            yield "".join(parts)
            parts, size = [], 0
    if parts:
        yield "".join(parts)


class _Echo:
    """A file for csv.writer that hands each formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def render_csv(rows: Iterable[ExportRow]) -> Iterator[str]:
    # Titles and descriptions are typed by stewards: every cell goes through the portal's
    # one formula-safe helper (CSV injection).
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row.csv_cells()])

    return _buffered(lines())


def render_json(rows: Iterable[ExportRow]) -> Iterator[str]:
    def pieces() -> Iterator[str]:
        separator = "\n"
        yield "["
        for row in rows:
            yield separator + json.dumps(row.as_json(), ensure_ascii=False)
            separator = ",\n"
        yield "\n]\n"

    return _buffered(pieces())


def _agent(iri: str, name: str) -> dict[str, Any]:
    return {"@id": iri, "@type": "foaf:Agent", "foaf:name": name}


def data_use_policy(row: ExportRow) -> dict[str, Any]:
    """The current consent scope as an ODRL offer of the committee (`odrl:hasPolicy`, which
    DCAT 3 allows on any dcat:Resource), following the DUO-in-ODRL reading of Pandit and
    Esteves (DUODRL, Semantic Web Journal 2024): the DUO permission and, for DS, the
    diseases constrain the purpose of the use; each DUO modifier is a duty that comes with
    the use, named by its DUO IRI. Every DUO term appears as its OBO IRI, so a harvester
    that only wants the codes collects the `obo:DUO_…` IRIs and ignores the ODRL shape."""
    constraints: list[dict[str, Any]] = [
        {
            "odrl:leftOperand": {"@id": "odrl:purpose"},
            "odrl:operator": {"@id": "odrl:isA"},
            "odrl:rightOperand": {"@id": duo_iri(row.permission)},
        }
    ]
    if row.diseases:
        constraints.append(
            {
                "odrl:leftOperand": {"@id": "odrl:purpose"},
                "odrl:operator": {"@id": "odrl:isAnyOf"},
                "odrl:rightOperand": [{"@id": obo_iri(d)} for d, _label in row.diseases],
            }
        )
    permission: dict[str, Any] = {
        "odrl:target": {"@id": row.url},
        "odrl:action": {"@id": "odrl:use"},
        "odrl:constraint": constraints,
    }
    duties = [{"odrl:action": {"@id": duo_iri(code)}} for code in row.modifiers if duo_iri(code)]
    if duties:
        permission["odrl:duty"] = duties
    return {
        "@id": f"{row.url}#consent-v{row.scope_version}",
        "@type": "odrl:Offer",
        "odrl:assigner": {"@id": row.committee_url},
        "odrl:permission": [permission],
    }


def _keywords(row: ExportRow) -> list[str]:
    words = [row.permission_label, *(duo_label(m) for m in row.modifiers)]
    words.extend(label for _d, label in row.diseases)
    return list(dict.fromkeys(w for w in words if w))


def dcat_dataset(row: ExportRow) -> dict[str, Any]:
    """One dcat:Dataset. Its IRI is its landing page: the page that describes it, which a
    harvester can dereference and which stays stable as long as the accession does."""
    node: dict[str, Any] = {
        "@id": row.url,
        "@type": "dcat:Dataset",
        "dct:identifier": row.accession,
        "dct:title": row.title,
        "dct:description": row.description,
        "dcat:landingPage": {"@id": row.url},
        "dct:publisher": _agent(row.committee_url, row.committee_name),
        "dct:isPartOf": {"dct:identifier": row.study_accession, "dct:title": row.study_title},
        "dct:accessRights": {"@id": RESTRICTED},
        "dcat:keyword": _keywords(row),
    }
    if row.scope_version is not None:
        node["odrl:hasPolicy"] = data_use_policy(row)
    return node


def dcat_catalog(links: Links) -> dict[str, Any]:
    """The catalogue node without its datasets (they are streamed after it)."""
    return {
        "@context": JSONLD_CONTEXT,
        "@id": links.export + "?format=jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "Data access committee portal: dataset catalogue",
        "dct:description": (
            "Controlled-access datasets listed by the data access committees of this portal, "
            "with the uses their participants consented to as Data Use Ontology terms."
        ),
        "dcat:landingPage": {"@id": links.catalogue},
        "dct:publisher": _agent(links.base + "/", "Data access committee portal"),
    }


def render_jsonld(rows: Iterable[ExportRow], links: Links) -> Iterator[str]:
    def pieces() -> Iterator[str]:
        head = json.dumps(dcat_catalog(links), ensure_ascii=False)
        # The catalogue object is written open so the datasets can follow one by one.
        yield head[:-1] + ', "dcat:dataset": ['
        separator = "\n"
        for row in rows:
            yield separator + json.dumps(dcat_dataset(row), ensure_ascii=False)
            separator = ",\n"
        yield "\n]}\n"

    return _buffered(pieces())


def render(kind: str, rows: Iterable[ExportRow], links: Links) -> Iterator[str]:
    """The file of format `kind` (a key of CONTENT_TYPES), piece by piece."""
    if kind == "csv":
        return render_csv(rows)
    if kind == "json":
        return render_json(rows)
    return render_jsonld(rows, links)
