"""Importers on the real shipped release files (settings.ONTOLOGY_DIR): counts, the
hierarchy, idempotent re-import, and obsolete/alternative id resolution."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from consent.models import OntologyAncestor, OntologyIsA, OntologyRelease, OntologyTerm
from consent.ontology import import_path, ontology_for
from consent.ontology_files import (
    OntologyFileError,
    ancestor_closure,
    read_duo_csv,
    read_duo_owl,
    read_obo,
    read_release,
)
from consent.services import purpose_parse
from dac_portal.errors import ValidationError
from tests.conftest import REQUIRE_SERVICES


@pytest.fixture(scope="module")
def ontology_dir() -> Path:
    directory = Path(settings.ONTOLOGY_DIR or "/nonexistent")
    if not (directory / "doid.obo.gz").exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"ONTOLOGY_DIR {directory} has no release files", pytrace=False)
        pytest.skip("the ontology release files are not here")
    return directory


def test_the_doid_release_reads_with_its_published_counts(ontology_dir: Path) -> None:
    release = read_obo(ontology_dir / "doid.obo.gz")
    assert release.ontology == "DOID"
    assert release.version == "2024-01-31"
    assert len(release.terms) == 13982
    assert release.obsolete_count == 2481
    assert sum(len(t.alt_ids) for t in release.terms) == 1719
    by_id = {t.curie: t for t in release.terms}
    assert sorted(by_id["DOID:10155"].parents) == ["DOID:3119", "DOID:5295"]  # two parents
    assert by_id["DOID:4"].parents == []
    assert by_id["DOID:1231"].obsolete and by_id["DOID:1231"].replaced_by == "DOID:5419"
    assert "chronic Schizophrenia" in by_id["DOID:1231"].synonyms


def test_the_duo_owl_release_is_keyed_by_id_not_by_iri(ontology_dir: Path) -> None:
    release = read_duo_owl(ontology_dir / "duo.owl")
    by_id = {t.curie: t for t in release.terms}
    assert len(release.terms) == 39
    assert release.obsolete_count == 4
    assert release.version == "2021-02-23"
    assert sum(1 for t in release.terms if t.shorthand and not t.obsolete) == 23
    # NPOA's IRI is DUO_00000044; its id is DUO:0000044.
    assert by_id["DUO:0000044"].shorthand == "NPOA"
    assert by_id["DUO:0000044"].parents == ["DUO:0000017"]
    assert "DUO:00000044" not in by_id
    assert by_id["DUO:0000046"].parents == ["DUO:0000018"]  # NCU under NPUNCU
    assert by_id["DUO:0000007"].parents == ["DUO:0000006"]  # DS under HMB
    assert len(read_duo_owl(ontology_dir / "duo-basic.owl").terms) == 35


def test_the_duo_csv_release_has_codes_but_no_hierarchy(ontology_dir: Path) -> None:
    release = read_duo_csv(ontology_dir / "duo.csv")
    assert len(release.terms) == 25
    assert release.complete is False
    assert {t.shorthand for t in release.terms} >= {"GRU", "HMB", "DS", "NPOA", "NCU"}


def test_a_file_that_is_not_a_release_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(OntologyFileError):
        read_release(bad)
    empty = tmp_path / "empty.obo"
    empty.write_text("format-version: 1.2\n")
    with pytest.raises(OntologyFileError):
        read_release(empty)


def test_the_closure_handles_several_parents_and_cycles() -> None:
    closure = ancestor_closure(
        {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": [], "x": ["y"], "y": ["x"]}
    )
    assert closure["a"] == {"b", "c", "d"}
    assert closure["d"] == set()
    assert "x" not in closure["x"]


@pytest.mark.django_db
def test_doid_imports_with_counts_and_a_reimport_changes_nothing(ontology_dir: Path) -> None:
    first = import_path(ontology_dir / "doid.obo.gz")
    assert (first.terms, first.obsolete, first.is_a_links) == (13982, 2481, first.is_a_links)
    assert OntologyTerm.objects.filter(ontology="DOID").count() == 13982
    assert OntologyIsA.objects.filter(ontology="DOID").count() == first.is_a_links
    assert OntologyAncestor.objects.filter(term="DOID:1612", ancestor="DOID:162").exists()
    assert OntologyAncestor.objects.filter(term="DOID:10155", ancestor="DOID:5295").exists()
    release = OntologyRelease.objects.get(ontology="DOID")
    assert (release.source, release.version) == ("doid.obo.gz", "2024-01-31")
    rows = OntologyAncestor.objects.count()

    again = import_path(ontology_dir / "doid.obo.gz")
    assert again.changed == 0
    assert OntologyAncestor.objects.count() == rows

    # An obsolete id outside the built-in slice now resolves to its replacement …
    assert purpose_parse({"diseases": ["DOID:0080091"]}).diseases == ("DOID:0080094",)
    # … and an obsolete id without one is refused by name.
    no_replacement = OntologyTerm.objects.filter(
        ontology="DOID", obsolete=True, replaced_by=""
    ).values_list("curie", flat=True)[5]
    with pytest.raises(ValidationError) as caught:
        purpose_parse({"diseases": [no_replacement]})
    assert no_replacement in caught.value.message
    resolved = ontology_for(["DOID:1648"])  # an alt_id of breast cancer
    assert resolved.resolve("DOID:1648") == ("DOID:1612", "")


@pytest.mark.django_db
def test_duo_owl_then_csv_import_and_reimport_changes_nothing(ontology_dir: Path) -> None:
    owl = import_path(ontology_dir / "duo.owl")
    assert (owl.terms, owl.obsolete, owl.is_a_links) == (39, 4, 26)
    assert OntologyTerm.objects.get(curie="DUO:0000044").shorthand == "NPOA"
    assert import_path(ontology_dir / "duo.owl").changed == 0
    csv = import_path(ontology_dir / "duo.csv")
    assert csv.terms == 25
    # The CSV carries no hierarchy: the OWL's links stay.
    assert OntologyIsA.objects.filter(ontology="DUO").count() == 26
    assert import_path(ontology_dir / "duo.csv").changed == 0


@pytest.mark.django_db
def test_the_command_without_path_loads_builtin_then_the_directory_idempotently(
    ontology_dir: Path,
) -> None:
    out = io.StringIO()
    call_command("import_ontology", stdout=out)
    text = out.getvalue()
    assert "13982 terms (2481 obsolete)" in text
    assert "39 terms (4 obsolete)" in text
    out = io.StringIO()
    call_command("import_ontology", stdout=out)
    assert "0 created, 0 updated, 0 link and 0 closure rows changed" in out.getvalue()
    assert "created, " in out.getvalue()
    assert " 1 created" not in out.getvalue()


@pytest.mark.django_db
def test_the_command_with_a_path_imports_that_file(ontology_dir: Path) -> None:
    out = io.StringIO()
    call_command("import_ontology", str(ontology_dir / "duo.csv"), stdout=out)
    assert "DUO" in out.getvalue() and "25 terms" in out.getvalue()


MONDO_SAMPLE = """format-version: 1.2
data-version: http://purl.obolibrary.org/obo/mondo/releases/2024-02-06/mondo.owl
ontology: mondo

[Term]
id: MONDO:0000001
name: disease
synonym: "disorder" EXACT []

[Term]
id: MONDO:0004992
name: cancer
is_a: MONDO:0000001 {source="DOID:162"} ! disease

[Term]
id: MONDO:0007254
name: breast cancer
alt_id: MONDO:0021100
is_a: MONDO:0004992 ! cancer
is_a: UBERON:0000310 ! a foreign parent, dropped

[Term]
id: MONDO:0000002
name: obsolete thing
is_obsolete: true
replaced_by: MONDO:0007254

[Term]
id: UBERON:0000310
name: breast

[Typedef]
id: part_of
name: part of
"""


@pytest.mark.django_db
def test_a_mondo_obo_release_imports_like_doid(tmp_path: Path) -> None:
    path = tmp_path / "mondo.obo"
    path.write_text(MONDO_SAMPLE)
    stats = import_path(path)
    assert (stats.ontology, stats.version, stats.terms, stats.obsolete) == (
        "MONDO",
        "2024-02-06",
        4,
        1,
    )
    assert stats.is_a_links == 2  # the UBERON parent is not MONDO's
    assert import_path(path).changed == 0
    purpose = purpose_parse({"diseases": ["MONDO:0021100", "MONDO:0000002"]})
    assert purpose.diseases == ("MONDO:0007254",)
    ontology = ontology_for(["MONDO:0007254"])
    assert ontology.is_a("MONDO:0007254", "MONDO:0000001")
