"""Storing ontology releases, and answering the matcher's questions from the database.

`import_release` writes one parsed release idempotently (a second import of the same file
changes no row) with bulk operations and a closure computed in Python; `ontology_for`
builds the small in-memory `MemoryOntology` one evaluation needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.matching import MemoryOntology
from consent.models import (
    OntologyAlias,
    OntologyAncestor,
    OntologyIsA,
    OntologyRelease,
    OntologyTerm,
)
from consent.ontology_files import (
    BUILTIN,
    ParsedRelease,
    ancestor_closure,
    builtin_releases,
    read_release,
)

BATCH = 2000
# Files `import_ontology` picks up from ONTOLOGY_DIR when called without a path.
DEFAULT_FILES = ("doid.obo.gz", "doid.obo", "mondo.obo.gz", "mondo.obo", "duo.owl")


@dataclass
class ImportStats:
    ontology: str
    source: str
    version: str
    terms: int
    obsolete: int
    is_a_links: int
    created: int = 0
    updated: int = 0
    links_changed: int = 0
    closure_changed: int = 0
    skipped: bool = False

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.links_changed + self.closure_changed

    def summary(self) -> str:
        if self.skipped:
            return f"{self.ontology}: built-in vocabulary skipped (a release file was imported)."
        return (
            f"{self.ontology} {self.version or '(no version)'} from {self.source}: "
            f"{self.terms} terms ({self.obsolete} obsolete), {self.is_a_links} is-a links; "
            f"{self.created} created, {self.updated} updated, "
            f"{self.links_changed} link and {self.closure_changed} closure rows changed."
        )


_TERM_FIELDS = (
    "label",
    "shorthand",
    "definition",
    "synonyms",
    "alt_ids",
    "obsolete",
    "replaced_by",
    "consider",
)
_PARTIAL_FIELDS = ("label", "shorthand", "definition")


def _chunks(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# long: one import transaction: terms, closure and audit must land together
def import_release(release: ParsedRelease) -> ImportStats:
    """Store one release in one transaction. Terms are created or updated, never deleted
    (consent recorded against a dropped term stays readable); is-a links, aliases and the
    closure of the ontology are made equal to the release's."""
    prefix = release.ontology
    stats = ImportStats(
        ontology=prefix,
        source=release.source,
        version=release.version,
        terms=len(release.terms),
        obsolete=release.obsolete_count,
        is_a_links=release.link_count,
    )
    with transaction.atomic():
        existing = {t.curie: t for t in OntologyTerm.objects.filter(ontology=prefix)}
        fields = _TERM_FIELDS if release.complete else _PARTIAL_FIELDS
        to_create: list[OntologyTerm] = []
        to_update: list[OntologyTerm] = []
        for parsed in release.terms:
            values = {name: getattr(parsed, name) for name in fields}
            current = existing.get(parsed.curie)
            if current is None:
                to_create.append(
                    OntologyTerm(
                        curie=parsed.curie,
                        ontology=prefix,
                        source=release.source,
                        version=release.version,
                        **{name: getattr(parsed, name) for name in _TERM_FIELDS},
                    )
                )
                continue
            if any(getattr(current, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(current, key, value)
                current.source, current.version = release.source, release.version
                to_update.append(current)
        OntologyTerm.objects.bulk_create(to_create, batch_size=BATCH)
        if to_update:
            OntologyTerm.objects.bulk_update(
                to_update, [*fields, "source", "version"], batch_size=BATCH
            )
        stats.created, stats.updated = len(to_create), len(to_update)

        if release.complete:
            stats.links_changed += _sync_aliases(release)
            parents = {t.curie: list(dict.fromkeys(t.parents)) for t in release.terms}
            stats.links_changed += _sync_pairs(
                OntologyIsA,
                ("child", "parent"),
                prefix,
                {(child, parent) for child, ps in parents.items() for parent in ps},
            )
        else:
            parents = {}
            for child, parent in OntologyIsA.objects.filter(ontology=prefix).values_list(
                "child", "parent"
            ):
                parents.setdefault(child, []).append(parent)
            stats.is_a_links = sum(len(p) for p in parents.values())
        closure = ancestor_closure(parents)
        stats.closure_changed = _sync_pairs(
            OntologyAncestor,
            ("term", "ancestor"),
            prefix,
            {(term, anc) for term, ancestors in closure.items() for anc in ancestors},
        )
        OntologyRelease.objects.update_or_create(
            ontology=prefix,
            defaults={
                "source": release.source,
                "version": release.version,
                "terms": stats.terms,
                "obsolete_terms": stats.obsolete,
                "is_a_links": stats.is_a_links,
                **({"imported_at": timezone.now()} if stats.changed else {}),
            },
        )
    return stats


def _sync_aliases(release: ParsedRelease) -> int:
    wanted = {alt: t.curie for t in release.terms for alt in t.alt_ids if alt and alt != t.curie}
    have = {
        a.alias: a
        for a in OntologyAlias.objects.filter(ontology=release.ontology).only("alias", "curie")
    }
    stale = [a.pk for alias, a in have.items() if wanted.get(alias) != a.curie]
    for chunk in _chunks(stale):
        OntologyAlias.objects.filter(pk__in=chunk).delete()
    new = [
        OntologyAlias(alias=alias, curie=curie, ontology=release.ontology)
        for alias, curie in wanted.items()
        if alias not in have or have[alias].curie != curie
    ]
    # An alias may be taken by another ontology's row only in a broken file: skip it.
    OntologyAlias.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    return len(stale) + len(new)


def _sync_pairs(
    model: Any, names: tuple[str, str], prefix: str, wanted: set[tuple[str, str]]
) -> int:
    have: dict[tuple[str, str], int] = {
        (a, b): pk for pk, a, b in model.objects.filter(ontology=prefix).values_list("pk", *names)
    }
    stale = [pk for pair, pk in have.items() if pair not in wanted]
    for chunk in _chunks(stale):
        model.objects.filter(pk__in=chunk).delete()
    new = [
        model(**{names[0]: a, names[1]: b, "ontology": prefix})
        for a, b in wanted
        if (a, b) not in have
    ]
    model.objects.bulk_create(new, batch_size=BATCH)
    return len(stale) + len(new)


def import_builtin() -> list[ImportStats]:
    """Load the built-in vocabulary, except for ontologies a release file already filled
    (the file is the fuller truth; the built-in slice would only undo its source stamps)."""
    results = []
    file_backed = set(
        OntologyRelease.objects.exclude(source=BUILTIN).values_list("ontology", flat=True)
    )
    for release in builtin_releases():
        if release.ontology in file_backed:
            results.append(
                ImportStats(release.ontology, BUILTIN, release.version, 0, 0, 0, skipped=True)
            )
            continue
        results.append(import_release(release))
    return results


def ensure_builtin() -> None:
    """Make sure some vocabulary is there (demo data and tests rely on it)."""
    if OntologyRelease.objects.filter(ontology__in=["DUO", "DOID"]).count() != 2:
        import_builtin()


def import_path(path: Path) -> ImportStats:
    return import_release(read_release(path))


def default_paths() -> list[Path]:
    directory = getattr(settings, "ONTOLOGY_DIR", "") or ""
    if not directory:
        return []
    base = Path(directory)
    if not base.is_dir():
        return []
    found = []
    for name in DEFAULT_FILES:
        path = base / name
        if path.exists() and not (name.endswith(".obo") and (base / f"{name}.gz").exists()):
            found.append(path)
    return found


# ----------------------------------------------------------------------- lookups


# long: builds the cached in-memory ontology in one pass over the stored terms
def ontology_for(curies: Iterable[str]) -> MemoryOntology:
    """A MemoryOntology that knows the given ids: whether each is usable (current, or an
    alternative/obsolete id with a replacement), their ancestors and their labels."""
    wanted = {c for c in curies if c}
    if not wanted:
        return MemoryOntology()
    terms: dict[str, Any] = {
        t["curie"]: t
        for t in OntologyTerm.objects.filter(curie__in=wanted).values(
            "curie", "label", "obsolete", "replaced_by", "consider"
        )
    }
    aliases = dict(
        OntologyAlias.objects.filter(alias__in=wanted - set(terms)).values_list("alias", "curie")
    )
    replaced_by: dict[str, str] = {}
    refused: dict[str, str] = {}
    targets: dict[str, str] = {}
    for curie in wanted:
        term = terms.get(curie)
        if term is None:
            if curie in aliases:
                targets[curie] = aliases[curie]
            continue
        if term["obsolete"]:
            if term["replaced_by"]:
                targets[curie] = term["replaced_by"]
            else:
                hint = (
                    _(" Consider %(ids)s.") % {"ids": term["consider"]} if term["consider"] else ""
                )
                refused[curie] = (
                    _("%(id)s (%(label)s) is obsolete and has no replacement.")
                    % {"id": curie, "label": term["label"]}
                    + hint
                )
    if targets:
        target_terms: dict[str, Any] = {
            t["curie"]: t
            for t in OntologyTerm.objects.filter(curie__in=set(targets.values())).values(
                "curie", "label", "obsolete"
            )
        }
        for given, target in targets.items():
            found = target_terms.get(target)
            if found is None or found["obsolete"]:
                refused[given] = _(
                    "%(id)s is replaced by %(target)s, which is not a current term."
                ) % {"id": given, "target": target}
            else:
                replaced_by[given] = target
                terms[target] = found
    current = {c for c, t in terms.items() if not t["obsolete"]}
    ancestors: dict[str, set[str]] = {c: set() for c in current}
    for curie, ancestor in OntologyAncestor.objects.filter(term__in=current).values_list(
        "term", "ancestor"
    ):
        ancestors[curie].add(ancestor)
    labels = {c: t["label"] for c, t in terms.items()}
    return MemoryOntology(
        ancestors={k: frozenset(v) for k, v in ancestors.items()},
        labels=labels,
        replaced_by=replaced_by,
        refused=refused,
    )


def term_labels(curies: Iterable[str]) -> dict[str, str]:
    return dict(OntologyTerm.objects.filter(curie__in=set(curies)).values_list("curie", "label"))
