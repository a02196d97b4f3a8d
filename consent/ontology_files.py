"""Readers for ontology release files, and the built-in vocabulary in the same shape.

Pure Python (stdlib only, no ORM): each reader returns a `ParsedRelease`; consent.ontology
stores it. Formats:
- OBO 1.2/1.4 (Human Disease Ontology, MONDO), plain or gzip;
- DUO's OWL release (RDF/XML, read with xml.etree);
- DUO's CSV release (codes and labels only: no hierarchy, no obsolete terms).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from consent import vocabulary


@dataclass
class ParsedTerm:
    curie: str
    label: str
    shorthand: str = ""
    definition: str = ""
    synonyms: list[str] = field(default_factory=list)
    alt_ids: list[str] = field(default_factory=list)
    obsolete: bool = False
    replaced_by: str = ""
    consider: str = ""
    parents: list[str] = field(default_factory=list)


@dataclass
class ParsedRelease:
    ontology: str  # CURIE prefix: DOID, MONDO, DUO
    source: str  # file name or "built-in"
    version: str
    terms: list[ParsedTerm]
    # False for formats without a hierarchy (DUO CSV): keep the links already stored, and
    # only update the fields the format carries.
    complete: bool = True

    @property
    def obsolete_count(self) -> int:
        return sum(1 for t in self.terms if t.obsolete)

    @property
    def link_count(self) -> int:
        return sum(len(t.parents) for t in self.terms)


class OntologyFileError(Exception):
    pass


def read_release(path: Path) -> ParsedRelease:
    """Pick the reader by file name: *.obo[.gz], *.owl[.gz], *.csv."""
    name = path.name.lower()
    stem = name[:-3] if name.endswith(".gz") else name
    if stem.endswith(".obo"):
        return read_obo(path)
    if stem.endswith(".owl"):
        return read_duo_owl(path)
    if stem.endswith(".csv"):
        return read_duo_csv(path)
    raise OntologyFileError(f"{path.name}: not an .obo, .owl or .csv release file.")


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


# ------------------------------------------------------------------------------- OBO

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_VERSION_INFO = re.compile(r'owl:versionInfo\s+"([^"]+)"')
_DATA_VERSION = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _obo_stanzas(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, list[str]]]]:
    kind = "header"
    tags: dict[str, list[str]] = {}
    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith("[") and line.endswith("]"):
            yield kind, tags
            kind, tags = line, {}
            continue
        if not line or line.startswith("!") or ":" not in line:
            continue
        key, _sep, value = line.partition(":")
        tags.setdefault(key.strip(), []).append(value.strip())
    yield kind, tags


def read_obo(path: Path) -> ParsedRelease:  # noqa: C901 - a line-by-line parser of the OBO format: one branch per stanza tag
    version = ""
    prefix = ""
    terms: list[ParsedTerm] = []
    with _open_text(path) as handle:
        for kind, tags in _obo_stanzas(handle):
            if kind == "header":
                for value in tags.get("property_value", []):
                    match = _VERSION_INFO.search(value)
                    if match:
                        version = match.group(1)
                if not version and tags.get("data-version"):
                    found = _DATA_VERSION.search(tags["data-version"][0])
                    version = found.group(1) if found else tags["data-version"][0]
                if tags.get("ontology"):
                    prefix = tags["ontology"][0].upper()
                continue
            if kind != "[Term]" or not tags.get("id"):
                continue
            curie = tags["id"][0]
            definition = ""
            if tags.get("def"):
                found_def = _QUOTED.search(tags["def"][0])
                definition = _unescape(found_def.group(1)) if found_def else ""
            synonyms = []
            for value in tags.get("synonym", []):
                found_syn = _QUOTED.search(value)
                if found_syn:
                    synonyms.append(_unescape(found_syn.group(1)))
            terms.append(
                ParsedTerm(
                    curie=curie,
                    label=(tags.get("name") or [curie])[0],
                    definition=definition,
                    synonyms=synonyms,
                    alt_ids=[v.split()[0] for v in tags.get("alt_id", []) if v],
                    obsolete=(tags.get("is_obsolete") or ["false"])[0].lower() == "true",
                    replaced_by=(tags.get("replaced_by") or [""])[0].split(" ")[0],
                    consider=" ".join(v.split(" ")[0] for v in tags.get("consider", [])),
                    parents=[v.split()[0] for v in tags.get("is_a", []) if v],
                )
            )
    if not terms:
        raise OntologyFileError(f"{path.name}: no [Term] stanzas found.")
    counts = Counter(t.curie.split(":", 1)[0] for t in terms)
    # Keep the ontology's own terms (MONDO files carry stubs of other ontologies).
    if not prefix or prefix not in counts:
        prefix = counts.most_common(1)[0][0]
    own = [t for t in terms if t.curie.startswith(prefix + ":")]
    for term in own:
        term.parents = [p for p in term.parents if p.startswith(prefix + ":")]
    return ParsedRelease(ontology=prefix, source=path.name, version=version, terms=own)


# ----------------------------------------------------------------------------- DUO OWL

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "obo": "http://purl.obolibrary.org/obo/",
    "oio": "http://www.geneontology.org/formats/oboInOwl#",
}
RDF_ABOUT = f"{{{NS['rdf']}}}about"
RDF_RESOURCE = f"{{{NS['rdf']}}}resource"
OBSOLETE_CLASS = "http://www.geneontology.org/formats/oboInOwl#ObsoleteClass"
_OBO_IRI_ID = re.compile(r"([A-Za-z]+)_([0-9]+)")


# long: a streaming OWL/XML reader whose branches are the elements it keeps
def read_duo_owl(path: Path) -> ParsedRelease:  # noqa: C901 - a streaming OWL/XML reader: one branch per element it keeps
    with _open_text(path) as handle:
        try:
            root = ET.parse(handle).getroot()  # noqa: S314
        except ET.ParseError as exc:
            raise OntologyFileError(f"{path.name}: not RDF/XML ({exc}).") from exc
    version = ""
    ontology_el = root.find("owl:Ontology", NS)
    if ontology_el is not None:
        version_iri = ontology_el.find("owl:versionIRI", NS)
        if version_iri is not None:
            found = _DATA_VERSION.search(version_iri.get(RDF_RESOURCE, ""))
            version = found.group(1) if found else ""
    classes = root.findall("owl:Class", NS)
    # Key every class by its oboInOwl:id, never by its IRI: NPOA's IRI has a typo.
    iri_to_id: dict[str, str] = {}
    for cls in classes:
        id_el = cls.find("oio:id", NS)
        if id_el is not None and id_el.text and cls.get(RDF_ABOUT):
            iri_to_id[cls.get(RDF_ABOUT, "")] = id_el.text.strip()

    def id_of(iri: str) -> str:
        if iri in iri_to_id:
            return iri_to_id[iri]
        match = _OBO_IRI_ID.search(iri.rsplit("/", 1)[-1])
        return f"{match.group(1)}:{match.group(2)}" if match else ""

    terms: list[ParsedTerm] = []
    for cls in classes:
        id_el = cls.find("oio:id", NS)
        if id_el is None or not (id_el.text or "").startswith("DUO:"):
            continue
        curie = (id_el.text or "").strip()
        label_el = cls.find("rdfs:label", NS)
        parents: list[str] = []
        obsolete = False
        for sub in cls.findall("rdfs:subClassOf", NS):
            resource = sub.get(RDF_RESOURCE)
            if not resource:
                continue  # an anonymous restriction, not an is-a link
            if resource == OBSOLETE_CLASS:
                obsolete = True
                continue
            parent = id_of(resource)
            if parent.startswith("DUO:"):
                parents.append(parent)
        deprecated = cls.find("owl:deprecated", NS)
        if deprecated is not None and (deprecated.text or "").strip().lower() == "true":
            obsolete = True
        replaced_by = ""
        consider: list[str] = []
        for rep in cls.findall("obo:IAO_0100001", NS):
            if rep.get(RDF_RESOURCE):
                replaced_by = id_of(rep.get(RDF_RESOURCE, ""))
            elif rep.text:
                consider.extend(f"{p}:{n}" for p, n in _OBO_IRI_ID.findall(rep.text))
        shorthand_el = cls.find("oio:shorthand", NS)
        definition_el = cls.find("obo:IAO_0000115", NS)
        terms.append(
            ParsedTerm(
                curie=curie,
                label=(label_el.text or curie).strip() if label_el is not None else curie,
                shorthand=(shorthand_el.text or "").strip() if shorthand_el is not None else "",
                definition=(definition_el.text or "").strip() if definition_el is not None else "",
                synonyms=[
                    (s.text or "").strip() for s in cls.findall("oio:hasExactSynonym", NS) if s.text
                ],
                alt_ids=[(a.text or "").strip() for a in cls.findall("oio:hasAlternativeId", NS)],
                obsolete=obsolete,
                replaced_by=replaced_by,
                consider=" ".join(consider),
                parents=parents,
            )
        )
    if not terms:
        raise OntologyFileError(f"{path.name}: no DUO classes found.")
    return ParsedRelease(ontology="DUO", source=path.name, version=version, terms=terms)


# ----------------------------------------------------------------------------- DUO CSV


def read_duo_csv(path: Path) -> ParsedRelease:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise OntologyFileError(f"{path.name}: expected the columns id,shorthand,label.")
        terms = [
            ParsedTerm(
                curie=row["id"].strip(),
                label=(row.get("label") or row["id"]).strip(),
                shorthand=(row.get("shorthand") or "").strip(),
                definition=(row.get("description") or "").strip(),
            )
            for row in reader
            if (row.get("id") or "").startswith("DUO:")
        ]
    if not terms:
        raise OntologyFileError(f"{path.name}: no DUO rows found.")
    return ParsedRelease(ontology="DUO", source=path.name, version="", terms=terms, complete=False)


# ------------------------------------------------------------------------ built-in

BUILTIN = "built-in"


def builtin_releases() -> list[ParsedRelease]:
    duo = [
        ParsedTerm(curie=c, label=label, shorthand=code, parents=list(parents))
        for c, code, label, parents in vocabulary.DUO_TERMS
    ]
    duo += [
        ParsedTerm(curie=c, label=label, shorthand=code, obsolete=True, consider=advice)
        for c, code, label, advice in vocabulary.DUO_OBSOLETE
    ]
    doid = [
        ParsedTerm(
            curie=c,
            label=label,
            parents=list(parents),
            alt_ids=list(alt_ids),
            obsolete=obsolete,
            replaced_by=replaced_by,
        )
        for c, label, parents, alt_ids, obsolete, replaced_by in vocabulary.DOID_TERMS
    ]
    return [
        ParsedRelease("DUO", BUILTIN, vocabulary.DUO_VERSION, duo),
        ParsedRelease("DOID", BUILTIN, vocabulary.DOID_VERSION, doid),
    ]


def ancestor_closure(parents: dict[str, list[str]]) -> dict[str, set[str]]:
    """Every ancestor of every term (the term itself excluded), iteratively so deep
    hierarchies cannot overflow the stack; a cycle in a broken file is cut, not looped."""
    closure: dict[str, set[str]] = {}
    for start in parents:
        if start in closure:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        on_path: set[str] = set()
        while stack:
            node, index = stack.pop()
            direct = parents.get(node, [])
            if index == 0:
                on_path.add(node)
            if index < len(direct):
                stack.append((node, index + 1))
                parent = direct[index]
                if parent not in closure and parent not in on_path:
                    stack.append((parent, 0))
                continue
            found: set[str] = set()
            for parent in direct:
                if parent == node:
                    continue
                found.add(parent)
                found |= closure.get(parent, set())
            found.discard(node)
            closure[node] = found
            on_path.discard(node)
    return closure
