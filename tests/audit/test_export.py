"""`export_audit_log` writes every hashed field with a signed manifest; `verify_audit_export`
checks both offline and refuses edited files and manifests signed by another key."""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from audit import export, keys
from audit.audit_actions import LogAudit
from audit.chain import HASHED_FIELDS
from audit.models import AuditEvent, ChainHead
from audit.services import audit_record
from notifications.audit_actions import NotificationAudit

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(command, tmp_path):
    def make(fmt: str = "csv", *args: str) -> tuple[Path, Path, dict]:
        with transaction.atomic():
            audit_record(
                actor=None,
                system="test",
                action=NotificationAudit.NOTIFICATION_SENT,
                target=("notification", "N-1"),
                data={"text": 'quote " comma , newline\nend', "n": 1.5, "ü": ["ß"]},
            )
        output = tmp_path / f"audit.{fmt}"
        code, _out, err = command(
            "export_audit_log", "--format", fmt, "--output", str(output), *args
        )
        assert code == 0, err
        manifest_path = tmp_path / f"audit.{fmt}.manifest.json"
        return output, manifest_path, json.loads(manifest_path.read_text())

    return make


def _resign(manifest: dict, key: Ed25519PrivateKey) -> dict:
    manifest = {**manifest, "key_id": keys.key_id(key.public_key())}
    signature = key.sign(export.manifest_message(manifest))
    manifest["signature"] = base64.b64encode(signature).decode()
    return manifest


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_verifies_offline(exported, command, fmt) -> None:
    output, _manifest_path, manifest = exported(fmt)
    head = ChainHead.objects.get(pk=1)
    # The export's own audit event comes after the rows it exported.
    assert manifest["last_seq"] == head.seq - 1
    assert manifest["row_count"] == head.seq - 1 and manifest["first_seq"] == 1
    assert manifest["key_id"] == keys.current_key_id()
    assert manifest["file_sha256"] == export.file_sha256(output)
    code, out, err = command("verify_audit_export", str(output))
    assert code == 0, err
    assert f"{manifest['row_count']} events" in out


def test_the_export_is_audited_with_its_range_and_file_hash(exported) -> None:
    _output, _manifest_path, manifest = exported("jsonl")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == LogAudit.AUDIT_EXPORTED
    assert event.actor_label == "system:export_audit_log"
    assert event.data["row_count"] == manifest["row_count"]
    assert event.data["file_sha256"] == manifest["file_sha256"]
    assert event.data["format"] == "jsonl"


def test_every_hashed_field_is_in_each_csv_row(exported) -> None:
    output, _manifest_path, manifest = exported("csv")
    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert set(HASHED_FIELDS) | {"hash"} == set(rows[0])
    assert len(rows) == manifest["row_count"]
    last = rows[-1]
    assert json.loads(last["data"]) == {
        "n": "1.5",
        "text": 'quote " comma , newline\nend',
        "ü": ["ß"],
    }


def test_an_edited_csv_export_fails_verification(exported, command) -> None:
    output, _manifest_path, _manifest = exported("csv")
    text = output.read_text(encoding="utf-8")
    output.write_text(text.replace("researcher1", "researcher9", 1), encoding="utf-8")
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 1
    assert "SHA-256" in err


def test_an_edited_export_with_a_matching_hash_in_the_manifest_fails_on_the_signature(
    exported, command
) -> None:
    output, manifest_path, manifest = exported("jsonl")
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[1])
    row["actor_label"] = "nobody"
    lines[1] = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    output.write_text("".join(lines), encoding="utf-8")
    manifest["file_sha256"] = export.file_sha256(output)
    manifest_path.write_text(json.dumps(manifest))
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 1
    assert "signature" in err


def test_an_edited_export_re_signed_with_another_key_is_refused(exported, command) -> None:
    output, manifest_path, manifest = exported("jsonl")
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[2]  # drop one event, fix the counts, re-sign with the forger's key
    output.write_text("".join(lines), encoding="utf-8")
    forged = {**manifest, "file_sha256": export.file_sha256(output), "row_count": len(lines)}
    forger = Ed25519PrivateKey.generate()
    manifest_path.write_text(json.dumps(_resign(forged, forger)))
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 1
    assert "not a trusted audit key" in err


def test_a_file_re_signed_by_an_untrusted_key_passes_only_its_signature_check_when_trusted(
    exported, command, tmp_path
) -> None:
    """Trusting the forger's key explicitly gets past the signature, but the chain inside
    the file still shows the removed event."""
    output, manifest_path, manifest = exported("csv")
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[3]
    output.write_text("".join(lines), encoding="utf-8")
    forged = {**manifest, "file_sha256": export.file_sha256(output), "row_count": len(lines) - 1}
    forger = Ed25519PrivateKey.generate()
    manifest_path.write_text(json.dumps(_resign(forged, forger)))
    pem = tmp_path / "forger.pem"
    pem.write_text(keys.public_pem(forger.public_key()))
    code, _out, err = command("verify_audit_export", str(output), "--public-key", str(pem))
    assert code == 1
    assert "gap" in err and "seq 3 is missing" in err


def test_a_verifier_with_only_the_right_public_key_accepts_the_export(
    exported, command, tmp_path
) -> None:
    output, _manifest_path, _manifest = exported("jsonl")
    pem = tmp_path / "audit.pem"
    pem.write_text(keys.public_pem(keys.signing_key().public_key()))
    code, _out, err = command("verify_audit_export", str(output), "--public-key", str(pem))
    assert code == 0, err
    other = tmp_path / "other.pem"
    other.write_text(keys.public_pem(Ed25519PrivateKey.generate().public_key()))
    code, _out, err = command("verify_audit_export", str(output), "--public-key", str(other))
    assert code == 1 and "not a trusted audit key" in err


def test_a_date_range_exports_a_contiguous_slice_that_verifies(exported, command) -> None:
    output, _manifest_path, manifest = exported("csv", "--from", "2000-01-01", "--to", "2999-12-31")
    assert manifest["from"] == "2000-01-01T00:00:00.000000Z"
    assert manifest["to"] == "3000-01-01T00:00:00.000000Z"
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 0, err


def test_an_empty_range_exports_a_header_only_file_that_verifies(exported, command) -> None:
    output, _manifest_path, manifest = exported("csv", "--from", "1990-01-01", "--to", "1990-01-02")
    assert manifest["row_count"] == 0 and manifest["first_seq"] is None
    assert output.read_text().count("\n") == 1
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 0, err


def test_a_middle_slice_verifies_with_its_first_link_named_in_the_manifest(db, tmp_path) -> None:
    rng = export.ExportRange("jsonl", None, None, 5, 3, 5)
    stats = export.ExportStats()
    output = tmp_path / "slice.jsonl"
    output.write_bytes(b"".join(export.render(export.iter_events(rng), "jsonl", stats)))
    manifest = export.build_manifest(
        rng, stats, file_name=output.name, created_at=AuditEvent.objects.get(seq=5).occurred_at
    )
    (tmp_path / "slice.jsonl.manifest.json").write_bytes(export.manifest_json(manifest))
    assert manifest["first_prev_hash"] == AuditEvent.objects.get(seq=2).hash
    assert export.verify_export(output)["row_count"] == 3


def test_bad_dates_are_refused_by_the_export_command(command, tmp_path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        command(
            "export_audit_log",
            "--format",
            "csv",
            "--from",
            "yesterday",
            "--output",
            str(tmp_path / "x"),
        )
    with pytest.raises(CommandError):
        command(
            "export_audit_log",
            "--format",
            "csv",
            "--from",
            "2026-02-02",
            "--to",
            "2026-01-01",
            "--output",
            str(tmp_path / "x"),
        )


def test_a_long_export_draws_a_progress_bar_on_stderr(command, tmp_path) -> None:
    code, out, err = command(
        "export_audit_log", "--format", "jsonl", "--output", str(tmp_path / "p.jsonl")
    )
    assert code == 0
    assert "export [" in err and "rows" in err and "Exported" in out


def test_a_missing_or_garbled_manifest_is_reported(command, tmp_path) -> None:
    output = tmp_path / "lonely.csv"
    output.write_text("seq\n")
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 1 and "manifest" in err
    (tmp_path / "lonely.csv.manifest.json").write_text("[1, 2]")
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 1 and "not a JSON object" in err


@pytest.mark.parametrize("extra", [[], ["--no-copy"]])
def test_csv_exports_by_copy_and_by_python_verify_alike(command, tmp_path, extra) -> None:
    """On PostgreSQL the CSV file comes from COPY … TO STDOUT unless --no-copy; both
    verify, and both describe the same rows (elsewhere both paths are the Python one)."""
    output = tmp_path / "a.csv"
    code, _out, err = command(
        "export_audit_log",
        "--format",
        "csv",
        "--output",
        str(output),
        "--from-seq",
        "3",
        "--through-seq",
        "9",
        *extra,
    )
    assert code == 0, err
    manifest = export.verify_export(output)
    assert (manifest["first_seq"], manifest["last_seq"], manifest["row_count"]) == (3, 9, 7)
    assert manifest["first_prev_hash"] == AuditEvent.objects.get(seq=2).hash


@pytest.mark.parametrize("extra", [[], ["--no-copy"]])
def test_csv_cells_that_spreadsheets_would_run_are_defused_and_the_file_still_verifies(
    command, tmp_path, extra
) -> None:
    """Issue 12, item 6: a request id, object id or name starting with = + - @ is written
    behind a single quote; the verifier reads the quote back off (the manifest says the
    cells are escaped), so the hashes still match."""
    with transaction.atomic():
        audit_record(
            actor=None,
            system="test",
            action=NotificationAudit.NOTIFICATION_SENT,
            target=("notification", '=HYPERLINK("http://evil")'),
            data={"text": "x"},
        )
        audit_record(
            actor=None,
            system="test",
            action=NotificationAudit.NOTIFICATION_SENT,
            target=("notification", "'already quoted"),
            data={},
        )
    output = tmp_path / "defused.csv"
    code, _out, err = command(
        "export_audit_log", "--format", "csv", "--output", str(output), *extra
    )
    assert code == 0, err
    object_ids = [row["object_id"] for row in csv.DictReader(output.open(newline=""))]
    assert '\'=HYPERLINK("http://evil")' in object_ids
    assert "''already quoted" in object_ids
    assert not any(cell[:1] in "=+-@" for cell in object_ids if cell)
    assert (
        json.loads(output.with_name("defused.csv.manifest.json").read_text())["cell_escape"]
        == "formula-quote"
    )
    code, _out, err = command("verify_audit_export", str(output))
    assert code == 0, err
