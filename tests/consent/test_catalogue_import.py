"""Bulk import of the catalogue (issue 21): a valid file creates exactly its rows, audited;
the same file again changes nothing; a file with bad rows names each row and field and
writes nothing, unless the bad rows are skipped on purpose; CSV and JSON agree; an imported
consent evaluates like one entered through the form."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from consent import bulk_import, services
from consent.models import ConsentScope, Dataset, Study
from dac_portal.errors import Conflict

pytestmark = pytest.mark.django_db

HEADER = [
    "accession",
    "title",
    "study",
    "study_title",
    "committee",
    "permission",
    "modifiers",
    "diseases",
    "participant_count",
    "is_public",
]


def row(i: int, **overrides: Any) -> dict[str, Any]:
    return {
        "accession": f"DACD{700000 + i}",
        "title": f"Imported exomes {i}",
        "study": "DACS000002",
        "study_title": "",
        "committee": "genomics-dac",
        "permission": "DS",
        "modifiers": "NCU;PUB",
        "diseases": "DOID:9351",
        "participant_count": str(100 + i),
        "is_public": "true",
        **overrides,
    }


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def state() -> tuple[int, int, int, int]:
    return (
        Study.objects.count(),
        Dataset.objects.count(),
        ConsentScope.objects.count(),
        AuditEvent.objects.count(),
    )


def run(path: Path, *args: str) -> None:
    call_command("import_catalogue", str(path), "--actor", "steward1", *args)


def test_a_valid_file_creates_exactly_its_rows_and_audits_each(tmp_path, capsys):
    rows = [row(i) for i in range(20)]
    rows.append(row(20, study="DACS700001", study_title="Imported cohort"))
    before = state()
    run(write_csv(tmp_path / "catalogue.csv", rows))
    after = state()
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (1, 21, 21)
    assert AuditEvent.objects.filter(action="dataset.created", object_id="DACD700003").exists()
    assert AuditEvent.objects.filter(action="study.created", object_id="DACS700001").exists()
    assert "21 create, 0 change, 0 unchanged, 0 refused" in capsys.readouterr().out
    scope = ConsentScope.objects.get(dataset__accession="DACD700000")
    assert (scope.version, scope.permission, scope.diseases) == (1, "DS", ["DOID:9351"])


def test_the_same_file_again_changes_nothing(tmp_path, capsys):
    path = write_csv(tmp_path / "catalogue.csv", [row(i) for i in range(5)])
    run(path)
    before = state()
    run(path)
    assert state() == before
    assert "0 create, 0 change, 5 unchanged" in capsys.readouterr().out


def test_a_changed_row_changes_its_fields_and_adds_a_consent_version(tmp_path, capsys):
    run(write_csv(tmp_path / "a.csv", [row(1)]))
    run(write_csv(tmp_path / "b.csv", [row(1, title="Renamed", permission="GRU", diseases="")]))
    dataset = Dataset.objects.get(accession="DACD700001")
    assert dataset.title == "Renamed"
    versions = list(dataset.consent_scopes.order_by("version").values_list("permission", flat=True))
    assert versions == ["DS", "GRU"]
    assert "change title, consent" in capsys.readouterr().out


def test_three_bad_rows_among_two_hundred_are_named_and_nothing_is_written(tmp_path, capsys):
    rows = [row(i) for i in range(200)]
    rows[17] = row(17, permission="DUO:9999999")
    rows[88] = row(88, diseases="DOID:000000042")
    rows[150] = row(150, committee="no-such-dac")
    path = write_csv(tmp_path / "catalogue.csv", rows)
    before = state()
    with pytest.raises(SystemExit) as exited:
        run(path)
    assert exited.value.code == 1
    assert state() == before
    out = capsys.readouterr().out
    refused = [line for line in out.splitlines() if "refused" in line]
    assert [line.split(" ")[1] for line in refused] == ["19", "90", "152"]  # header is row 1
    assert "permission" in refused[0] and "diseases" in refused[1] and "committee" in refused[2]
    run(path, "--skip-bad")
    assert state()[1] == before[1] + 197


def test_csv_and_json_give_the_same_plan(tmp_path, capsys):
    rows = [row(i) for i in range(4)]
    call_command("import_catalogue", str(write_csv(tmp_path / "c.csv", rows)), "--dry-run")
    as_json = [{**r, "modifiers": ["NCU", "PUB"], "diseases": ["DOID:9351"]} for r in rows]
    (tmp_path / "c.json").write_text(json.dumps(as_json))
    call_command("import_catalogue", str(tmp_path / "c.json"), "--dry-run")
    out = capsys.readouterr().out.splitlines()
    csv_lines = [line.split(": ", 1)[1] for line in out[:4]]
    json_lines = [line.split(": ", 1)[1] for line in out[5:9]]
    assert csv_lines == json_lines == ["create"] * 4
    assert not Dataset.objects.filter(accession="DACD700000").exists()  # a dry run


def test_an_imported_consent_evaluates_like_one_entered_through_the_form(tmp_path, steward1):
    run(write_csv(tmp_path / "c.csv", [row(1)]))
    imported = Dataset.objects.get(accession="DACD700001")
    twin = services.dataset_create(
        accession="DACD900002",
        study=Study.objects.get(accession="DACS000002"),
        title="Twin",
        actor=steward1,
    )
    services.consent_scope_create(
        dataset=twin,
        data_use={"permission": "DS", "diseases": ["DOID:9351"], "modifiers": ["NCU", "PUB"]},
        actor=steward1,
    )
    for purpose in ({"diseases": ["DOID:9351"]}, {"diseases": ["DOID:162"]}, {"commercial": True}):
        parsed = services.purpose_parse(purpose)
        assert (
            services.consent_evaluate_dataset(dataset=imported, purpose=parsed).as_dict()
            == services.consent_evaluate_dataset(dataset=twin, purpose=parsed).as_dict()
        )


def test_only_a_steward_of_the_committee_imports_and_bad_files_are_clear_errors(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(1)])
    before = state()
    with pytest.raises(CommandError, match="may not manage"):
        call_command("import_catalogue", str(path), "--actor", "researcher1")
    with pytest.raises(CommandError, match="--actor"):
        call_command("import_catalogue", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_catalogue", str(tmp_path / "none.csv"), "--dry-run")
    (tmp_path / "c.txt").write_text("x")
    with pytest.raises(CommandError, match=r"\.csv or \.json"):
        call_command("import_catalogue", str(tmp_path / "c.txt"), "--dry-run")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_catalogue", str(tmp_path / "bad.json"), "--dry-run")
    assert state()[:3] == before[:3]


def test_rows_are_checked_and_written_chunk_by_chunk_with_the_same_outcome(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(bulk_import, "CHUNK", 3)
    run(write_csv(tmp_path / "a.csv", [row(1), row(2)]))
    rows = [row(i) for i in range(10)]
    rows[2] = row(2, title="Renamed")  # a change, in the first chunk
    rows[4] = row(4, study="DACS700009", study_title="New cohort")  # a new study, chunk 2
    rows[7] = row(7, study="DACS700009", study_title="New cohort")  # the same, chunk 3
    rows[9] = row(3)  # row 4's accession again, two chunks later
    path = write_csv(tmp_path / "b.csv", rows)
    with pytest.raises(SystemExit):
        run(path)
    out = capsys.readouterr().out
    assert "row 11 (DACD700003): refused — accession: DACD700003 is in the file twice" in out
    assert "row 4 (DACD700002): change title" in out
    before = state()
    run(path, "--skip-bad")
    assert "7 create, 1 change, 1 unchanged, 1 refused" in capsys.readouterr().out
    assert (state()[0] - before[0], state()[1] - before[1], state()[2] - before[2]) == (1, 7, 7)
    assert Dataset.objects.filter(study__accession="DACS700009").count() == 2
    run(path, "--skip-bad")
    assert "0 create, 0 change, 9 unchanged, 1 refused" in capsys.readouterr().out


def test_the_plan_is_light_and_the_import_reads_the_file_it_checked(tmp_path, steward1):
    path = write_csv(tmp_path / "c.csv", [row(1), row(2, permission="XYZ")])
    rows, catalogue = bulk_import.plan(path)
    assert [(r.number, r.values, r.action) for r in rows] == [
        (2, {"accession": "DACD700001"}, "create"),
        (3, {"accession": "DACD700002"}, "refused"),
    ]
    assert rows[1].problems and rows[1].problems[0].startswith("permission:")
    write_csv(path, [row(1, title="Edited after the check")])
    before = state()
    with pytest.raises(Conflict, match="changed since it was checked"):
        bulk_import.catalogue_import(rows=rows, catalogue=catalogue, actor=steward1)
    assert state() == before


def test_a_catalogue_changed_since_the_check_stops_the_import(tmp_path, steward1):
    path = write_csv(tmp_path / "c.csv", [row(1)])
    rows, catalogue = bulk_import.plan(path)
    run(path)  # someone imports it in between
    before = state()
    with pytest.raises(Conflict, match="planned as create but now checks as unchanged"):
        bulk_import.catalogue_import(rows=list(rows), catalogue=catalogue, actor=steward1)
    assert state() == before


def test_a_json_file_is_imported_chunk_by_chunk_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bulk_import, "CHUNK", 2)
    rows = [{**row(i), "modifiers": ["NCU", "PUB"], "diseases": ["DOID:9351"]} for i in range(5)]
    rows[3]["participant_count"] = "many"
    (tmp_path / "c.json").write_text(json.dumps(rows))
    run(tmp_path / "c.json", "--skip-bad")
    out = capsys.readouterr().out
    assert "row 4 (DACD700003): refused — participant_count: 'many'" in out
    assert "4 create, 0 change, 0 unchanged, 1 refused" in out
    imported = set(Dataset.objects.filter(accession__startswith="DACD7").values_list("accession"))
    assert imported == {("DACD700000",), ("DACD700001",), ("DACD700002",), ("DACD700004",)}
