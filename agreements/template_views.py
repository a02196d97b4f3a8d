"""Pages where a committee's stewards and chair keep its data use agreement: the
template's versions with a preview, a form that adds the next version, and (chair only)
the agreement policy. /agreement-templates/ lists the committees the person manages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Committee
from accounts.permissions import can, require
from agreements import rendering, selectors, services
from agreements.models import AgreementTemplate
from agreements.template_forms import PolicyForm, TemplateVersionForm
from dac_portal.errors import ValidationError
from dac_portal.views import acting_user, handles_service_errors

MANAGE = "agreement_template.manage"
VERSIONS_SHOWN = 50


def managed_committees(user: Any) -> list[Committee]:
    """The committees whose agreement `user` keeps (stewards and chairs)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [c for c in Committee.objects.order_by("name") if can(user, MANAGE, c)]


@login_required
@handles_service_errors
def template_index(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    committees = managed_committees(user)
    if not committees:
        require(user, MANAGE, None, message="Only stewards and chairs keep agreement templates.")
    current = _current_templates(committees)
    rows = [{"committee": c, "current": current.get(c.pk)} for c in committees]
    return render(request, "agreements/template_index.html", {"rows": rows})


def _current_templates(committees: list[Committee]) -> dict[int, AgreementTemplate]:
    """Each committee's newest version, in one query whatever the number of versions."""
    newest = (
        AgreementTemplate.objects.filter(committee=OuterRef("committee"))
        .order_by("-version")
        .values("version")[:1]
    )
    return {
        t.committee_id: t
        for t in AgreementTemplate.objects.filter(
            committee__in=committees, version=Subquery(newest)
        ).select_related("created_by")
    }


def _page(
    request: HttpRequest,
    committee: Committee,
    *,
    version_form: TemplateVersionForm | None = None,
    policy_form: PolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    versions = list(
        AgreementTemplate.objects.filter(committee=committee)
        .select_related("created_by")
        .order_by("-version")[:VERSIONS_SHOWN]
    )
    current = versions[0] if versions else None
    if version_form is None:
        initial = {"title": current.title, "body": current.body} if current else {}
        version_form = TemplateVersionForm(initial=initial)
    is_chair = can(user, "committee.chair", committee)
    policy = selectors.policy_for(committee)
    if policy_form is None and is_chair:
        # The form's fields are the policy's own names: its initial values follow them.
        policy_form = PolicyForm(
            initial={name: getattr(policy, name) for name in PolicyForm.base_fields}
        )
    context = {
        "committee": committee,
        "current": current,
        # The preview shows the template as written, placeholders unfilled; to_html
        # sanitises it exactly as agreements are rendered for signing.
        "preview": mark_safe(rendering.to_html(current.body, heading_offset=2))  # noqa: S308
        if current
        else "",
        "current_sha256": rendering.sha256_hex(current.body) if current else "",
        "versions": versions,
        "version_form": version_form,
        "placeholders": sorted(rendering.PLACEHOLDERS.items()),
        "policy": policy,
        "policy_form": policy_form if is_chair else None,
    }
    return render(request, "agreements/template_manage.html", context, status=status)


@login_required
@handles_service_errors
def template_manage(request: HttpRequest, slug: str) -> HttpResponse:
    user = acting_user(request)
    committee = selectors.committee_get(slug=slug)
    require(user, MANAGE, committee, message="Only stewards and chairs keep agreement templates.")
    if request.method != "POST":
        return _page(request, committee)
    form = TemplateVersionForm(request.POST)
    if not form.is_valid():
        return _page(request, committee, version_form=form, status=400)
    try:
        template = services.agreement_template_create(
            committee=committee,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            actor=user,
        )
    except ValidationError as exc:
        # Unknown placeholders and the like: show them at the field, keep what was typed.
        form.add_error(None, exc.message)
        for field, errors in (exc.details or {}).items():
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(field if field in form.fields else None, str(error))
        return _page(request, committee, version_form=form, status=400)
    messages.success(
        request,
        _("Version %(version)s of the agreement is now the one new agreements use.")
        % {"version": template.version},
    )
    return redirect("agreements:template", slug=committee.slug)


@login_required
@require_POST
@handles_service_errors
def template_policy(request: HttpRequest, slug: str) -> HttpResponse:
    user = acting_user(request)
    committee = selectors.committee_get(slug=slug)
    require(user, "committee.chair", committee, message="Only the chair sets the policy.")
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _page(request, committee, policy_form=form, status=400)
    services.agreement_policy_set(committee=committee, actor=user, **form.cleaned_data)
    messages.success(request, _("Agreement policy saved."))
    return redirect("agreements:template", slug=committee.slug)
