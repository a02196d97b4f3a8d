"""A committee person's register of declared interests: /accounts/interests/ lists it and
adds to it; /accounts/interests/<id>/end/ ends an entry. The chairs read the current
entries beside each request they review (access_requests.review)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from dac_portal.errors import PermissionDenied
from dac_portal.views import acting_user, handles_service_errors


class InterestForm(forms.Form):
    description = forms.CharField(
        label=_("Interest to declare"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A consultancy, a shared grant, a family tie, a stake in a company: anything that "
            "could be seen to affect your judgement of some requests."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def interests(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not user.committee_memberships.exists():
        raise PermissionDenied("Only committee people keep a register of declared interests.")
    form = InterestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.declared_interest_add(actor=user, description=form.cleaned_data["description"])
        messages.success(request, _("Interest declared: your committee's chairs can see it."))
        return redirect("accounts:interests")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/interests.html",
        {"form": form, "interests": list(selectors.declared_interests_of(user=user))},
        status=status,
    )


@login_required
@require_POST
@handles_service_errors
def interest_end(request: HttpRequest, public_id: str) -> HttpResponse:
    user = acting_user(request)
    interest = selectors.declared_interest_get_for_user(user=user, public_id=public_id)
    services.declared_interest_end(interest=interest, actor=user)
    messages.success(request, _("The interest is marked as ended."))
    return redirect("accounts:interests")
