"""The audit page: filter the log, one object's history, download an export and its
manifest, and see (or run) the last verification. Works without JavaScript."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import sessions
from audit import export, selectors
from audit.api import export_file_name, manifest_query, manifest_response, stream_export
from audit.forms import DEFAULT_LIMIT, AuditFilterForm, ExportForm
from audit.services import audit_log_verify
from dac_portal.errors import Conflict, ValidationError
from dac_portal.views import handles_service_errors

# Verifying from the page runs inside the request: fine for small logs; larger ones are
# verified by `manage.py verify_audit_log` (cron or the operator), which records the result
# shown here just the same.
VERIFY_IN_REQUEST_MAX = 200_000


def _page_links(request: HttpRequest, page: selectors.EventPage) -> dict[str, str | None]:
    """Older/newer keyset links that keep the filters."""
    base = request.GET.copy()
    for key in ("after_seq", "before_seq"):
        base.pop(key, None)
    older = newer = None
    has_older = page.has_more if page.descending else bool(request.GET.get("after_seq"))
    has_newer = bool(request.GET.get("before_seq")) if page.descending else page.has_more
    if page.events and has_older:
        query = base.copy()
        query["before_seq"] = str(page.min_seq)
        older = f"?{query.urlencode()}"
    if page.events and has_newer:
        query = base.copy()
        query["after_seq"] = str(page.max_seq)
        newer = f"?{query.urlencode()}"
    return {"older": older, "newer": newer}


def _render_log(request: HttpRequest, *, object_ref: tuple[str, str] | None = None) -> HttpResponse:
    selectors.audit_require_read(user=request.user)
    params = request.GET.copy()
    if object_ref is not None:
        params["object"] = f"{object_ref[0]}:{object_ref[1]}"
    form = AuditFilterForm(params)
    head = selectors.audit_head(user=request.user)
    context: dict[str, Any] = {
        "form": form,
        "object_ref": object_ref,
        "head": head,
        "last_run": selectors.verification_run_latest(user=request.user),
        "export_form": ExportForm(
            initial={"format": "csv", "through_seq": head.seq}, auto_id="export_%s"
        ),
        "verify_allowed": head.seq <= VERIFY_IN_REQUEST_MAX,
    }
    if not form.is_valid():
        context.update(events=[], links={})
        return render(request, "audit/log.html", context, status=400)
    page = selectors.audit_event_page(
        user=request.user,
        event_filter=form.event_filter(),
        after_seq=form.cleaned_data.get("after_seq"),
        before_seq=form.cleaned_data.get("before_seq"),
        limit=form.cleaned_data.get("limit") or DEFAULT_LIMIT,
        # An object's history reads from its beginning; the whole log from the newest.
        newest_first=object_ref is None,
    )
    # The whole log shows the newest on top, an object's history its beginning on top,
    # whichever way the keyset page was read.
    events = page.events
    if page.descending == (object_ref is not None):
        events = list(reversed(events))
    context.update(events=events, links=_page_links(request, page))
    return render(request, "audit/log.html", context)


@login_required
@require_GET
@handles_service_errors
def log(request: HttpRequest) -> HttpResponse:
    return _render_log(request)


@login_required
@require_GET
@handles_service_errors
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    return _render_log(request, object_ref=(object_type, object_id))


def _export_range_from(request: HttpRequest) -> export.ExportRange:
    form = ExportForm(request.GET)
    if not form.is_valid():
        raise ValidationError(
            _("The export request is not valid: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()
                )
            }
        )
    data = form.cleaned_data
    return export.resolve_range(
        fmt=data["format"],
        date_from=data.get("from"),
        date_to=data.get("to"),
        through_seq=data.get("through_seq"),
    )


@login_required
@require_GET
@handles_service_errors
def export_download(request: HttpRequest) -> HttpResponse:
    selectors.audit_require_read(user=request.user)
    if not sessions.recently_authenticated(request):
        # A whole copy of the audit trail leaves the portal: a recent password check first
        # (accounts.sessions), then back to this very download.
        return sessions.reauth_redirect(request, request.get_full_path())
    export_range = _export_range_from(request)
    manifest_url = request.build_absolute_uri(
        reverse("audit:export-manifest") + "?" + manifest_query(export_range, request.GET)
    )
    # A streamed body is still an HTTP response; the cast only satisfies the decorator.
    return cast(
        HttpResponse, stream_export(export_range, manifest_url=manifest_url, actor=request.user)
    )


@login_required
@require_GET
@handles_service_errors
def export_manifest(request: HttpRequest) -> HttpResponse:
    selectors.audit_require_read(user=request.user)
    export_range = _export_range_from(request)
    return manifest_response(export_range, file_name=export_file_name(export_range))


@login_required
@require_POST
@handles_service_errors
def verify(request: HttpRequest) -> HttpResponse:
    head = selectors.audit_head(user=request.user)
    if head.seq > VERIFY_IN_REQUEST_MAX:
        raise Conflict(
            _(
                "The log is too long to verify within a page request; run "
                "“manage.py verify_audit_log” instead."
            )
        )
    run = audit_log_verify(actor=request.user)
    if run.ok:
        messages.success(
            request, _("The audit log verified: %(count)s events.") % {"count": run.events_verified}
        )
    else:
        messages.error(
            request,
            _("Verification failed at seq %(seq)s: %(message)s")
            % {"seq": run.first_bad_seq, "message": run.message},
        )
    return redirect("audit:log")
