"""The catalogue import page (issue 21; docs/catalogue.md, "Import page"): upload and check
a file, read the report, then import it on purpose. Thin: consent.catalogue_upload does
the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent import catalogue_upload, forms
from consent.models import CatalogueUpload
from consent.selectors import stewarded_committees
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from dac_portal.views import acting_user, handles_service_errors

# Rows shown on the report page; the counts above the table cover them all.
REPORT_ROWS_SHOWN = 500


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def catalogue_import(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not stewarded_committees(user):
        raise PermissionDenied(_("Only data stewards can import a catalogue."))
    form = forms.CatalogueUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                checked = catalogue_upload.catalogue_upload_check(
                    actor=user, filename=upload.name, content=upload.read()
                )
            except ValidationError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("consent:catalogue-import-report", upload_id=checked.pk)
        status = 400
    return render(
        request,
        "consent/catalogue_import.html",
        {"form": form, "uploads": catalogue_upload.recent_uploads(user)},
        status=status,
    )


def _report_context(upload: CatalogueUpload, form: Any) -> dict[str, Any]:
    refused = [r for r in upload.report if r["action"] == "refused"]
    others = [r for r in upload.report if r["action"] != "refused"]
    return {
        "upload": upload,
        "form": form,
        "counts": upload.imported_counts or upload.counts,
        "refused": refused[:REPORT_ROWS_SHOWN],
        "others": others[:REPORT_ROWS_SHOWN],
        "more_refused": max(0, len(refused) - REPORT_ROWS_SHOWN),
        "more_others": max(0, len(others) - REPORT_ROWS_SHOWN),
    }


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def catalogue_import_report(request: HttpRequest, upload_id: int) -> HttpResponse:
    user = acting_user(request)
    upload = catalogue_upload.catalogue_upload_get(actor=user, upload_id=upload_id)
    # Bound on every POST: an empty one (no box ticked) is still an import.
    form = forms.CatalogueImportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            upload = catalogue_upload.catalogue_upload_import(
                actor=user, upload=upload, skip_refused=form.cleaned_data["skip_refused"]
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            counts = upload.imported_counts
            messages.success(
                request,
                _("Imported: %(create)s created, %(change)s changed.")
                % {"create": counts.get("create", 0), "change": counts.get("change", 0)},
            )
            return redirect("consent:catalogue-import-report", upload_id=upload.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "consent/catalogue_import_report.html",
        _report_context(upload, form),
        status=status,
    )
