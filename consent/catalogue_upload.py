"""The catalogue import page's services (issue 21; docs/catalogue.md, "Import page"): a
steward uploads a CSV or JSON file, the portal checks it and keeps the report; the steward
reads it and imports on purpose, skipping refused rows only when they say so.

The same checks and the same writes as `manage.py import_catalogue` (consent.bulk_import):
the import plans the stored file again against the database of that moment, so a dataset
registered since the check is changed, not created twice.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from consent import bulk_import
from consent.audit_actions import ConsentAudit
from consent.models import CatalogueUpload
from consent.selectors import stewarded_committees
from dac_portal.errors import Conflict, NotFound, PermissionDenied, ValidationError

ACTIONS = ("create", "change", "unchanged", "refused")
SUFFIXES = (".csv", ".json")


@contextmanager
def _staged(filename: str, text: str) -> Iterator[Path]:
    """The upload as a file, for as long as bulk_import reads it (it reads a path, and the
    import reads the file a second time to apply it), then removed."""
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_text(text, encoding="utf-8")
        yield path


def _plan(path: Path) -> tuple[bulk_import.Plan, bulk_import.Catalogue]:
    try:
        return bulk_import.plan(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("The file cannot be read: %(problem)s") % {"problem": exc},
            details={"file": [str(exc)]},
        ) from exc


def _decoded(filename: str, content: bytes) -> str:
    if not filename.lower().endswith(SUFFIXES):
        raise ValidationError(
            _("Upload a .csv or a .json file."), details={"file": ["not .csv or .json"]}
        )
    if len(content) > settings.CATALOGUE_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s MB; import it with manage.py import_catalogue.")
            % {"limit": settings.CATALOGUE_UPLOAD_MAX_BYTES // 1_000_000},
            details={"file": ["too large"]},
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file is not UTF-8 text."), details={"file": ["not UTF-8"]}
        ) from exc


def _report(rows: Iterable[bulk_import.Row]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    counts = {action: 0 for action in ACTIONS}
    report = []
    for row in rows:
        counts[row.action] += 1
        if row.action != "unchanged":
            report.append(
                {
                    "number": row.number,
                    "accession": str(row.values.get("accession") or ""),
                    "action": row.action,
                    "changed": list(row.changed),
                    "problems": list(row.problems),
                }
            )
    return counts, report


def catalogue_upload_check(*, actor: User, filename: str, content: bytes) -> CatalogueUpload:
    """Check an uploaded file and keep it with its report; nothing of the catalogue is
    written. 403 for anyone who stewards no committee; 400 for a file that is not a CSV or
    JSON catalogue (with nothing kept)."""
    if not stewarded_committees(actor):
        raise PermissionDenied(_("Only data stewards can import a catalogue."))
    filename = Path(filename or "").name[:255]
    text = _decoded(filename, content)
    with _staged(filename, text) as path:
        counts, report = _report(_plan(path)[0])
    if not sum(counts.values()):
        raise ValidationError(_("The file has no rows."), details={"file": ["empty"]})
    with transaction.atomic():
        upload = CatalogueUpload.objects.create(
            uploaded_by=actor,
            filename=filename,
            content=text,
            sha256=hashlib.sha256(content).hexdigest(),
            counts=counts,
            report=report,
        )
        audit_record(
            actor=actor,
            action=ConsentAudit.CATALOGUE_CHECKED,
            target=upload,
            data={"filename": filename, "sha256": upload.sha256, **counts},
        )
    return upload


def catalogue_upload_get(*, actor: User, upload_id: Any) -> CatalogueUpload:
    """An upload, for the steward who made it only (anyone else: 404, as if absent)."""
    upload = CatalogueUpload.objects.filter(pk=upload_id, uploaded_by=actor).first()
    if upload is None:
        raise NotFound(_("No such upload."))
    return upload


def catalogue_upload_import(
    *, actor: User, upload: CatalogueUpload, skip_refused: bool = False
) -> CatalogueUpload:
    """Import a checked upload, once: planned again against today's database, refused rows
    stop it (409) unless `skip_refused`; the rows, their audit events and the upload's
    record of it commit together or not at all."""
    with _staged(upload.filename, upload.content) as path:
        rows, catalogue = _plan(path)
        counts, report = _report(rows)
        with transaction.atomic():
            upload = CatalogueUpload.objects.select_for_update().get(pk=upload.pk)
            _refuse_unless_importable(upload, counts, skip_refused)
            # The plan itself: refused rows are left out, the rest applied chunk by chunk.
            bulk_import.catalogue_import(rows=rows, catalogue=catalogue, actor=actor)
            upload.imported_at = timezone.now()
            upload.imported_counts = counts
            upload.report = report
            upload.skipped_refused = bool(counts["refused"])
            upload.save(
                update_fields=["imported_at", "imported_counts", "report", "skipped_refused"]
            )
            audit_record(
                actor=actor,
                action=ConsentAudit.CATALOGUE_IMPORTED,
                target=upload,
                data={"filename": upload.filename, "sha256": upload.sha256, **counts},
            )
    return upload


def _refuse_unless_importable(
    upload: CatalogueUpload, counts: dict[str, int], skip_refused: bool
) -> None:
    if upload.imported_at is not None:
        raise Conflict(_("This file has already been imported."), code="already_imported")
    if counts["refused"] and not skip_refused:
        raise Conflict(
            ngettext(
                "%(count)s row is refused: fix it and upload the file again, or import the "
                "other rows on purpose.",
                "%(count)s rows are refused: fix them and upload the file again, or "
                "import the other rows on purpose.",
                counts["refused"],
            )
            % {"count": counts["refused"]},
            code="refused_rows",
            details={"refused": counts["refused"]},
        )


def recent_uploads(actor: User, limit: int = 10) -> list[CatalogueUpload]:
    return list(
        CatalogueUpload.objects.filter(uploaded_by=actor).defer("content", "report")[:limit]
    )
