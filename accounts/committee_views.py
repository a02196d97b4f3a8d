"""Committee membership in the portal: a chair's members page (invite by e-mail, change a
role or term, end a membership, whether lay representatives vote), the invitation link,
and the profile a committee person chooses to publish. Thin: forms shape the input,
accounts.membership changes state, accounts.selectors reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import decision_policy, membership, selectors, training
from accounts.committee_forms import (
    CommitteeProfileForm,
    DecisionPolicyForm,
    InvitationForm,
    LayVotingForm,
    MembershipForm,
    TrainingPolicyForm,
)
from accounts.models import Committee
from dac_portal.errors import PermissionDenied
from dac_portal.views import acting_user, handles_service_errors


def _setting_form(committee: Committee, name: str, data: Any = None) -> Any:
    """One of the members page's settings forms, by its name in the template: with the
    committee's values, bound to `data` when given (the POST of that form)."""
    if name == "lay_form":
        votes = "yes" if committee.lay_representatives_vote else "no"
        return LayVotingForm(data, initial={"lay_representatives_vote": votes})
    if name == "training_form":
        months = committee.training_required_months
        return TrainingPolicyForm(data, initial={"training_required_months": months})
    others = Committee.objects.exclude(pk=committee.pk).order_by("name").only("slug", "name")
    return DecisionPolicyForm(data, committee=committee, others=others)


SETTING_FORMS = ("lay_form", "training_form", "policy_form")


def _members_page(
    request: HttpRequest, committee: Committee, *, refused: dict[str, Any] | None = None
) -> HttpResponse:
    """The members page; with a form that failed (`refused`: its name in the template and
    the form), that form with its errors, and 400."""
    bound = refused or {}
    context = {
        "committee": committee,
        # Each person's role and term change on their own page (a link per card): a
        # committee of hundreds stays one light page.
        "members": selectors.committee_members(committee),
        "invitations": list(selectors.pending_invitations(committee)),
        "invite_form": bound.get("invite_form") or InvitationForm(),
        **{name: bound.get(name) or _setting_form(committee, name) for name in SETTING_FORMS},
    }
    return render(
        request, "accounts/committee_members.html", context, status=400 if refused else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the members page; POST: send an invitation."""
    user = acting_user(request)
    committee = selectors.committee_for_chair(user=user, slug=slug)
    if request.method == "GET":
        return _members_page(request, committee)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _members_page(request, committee, refused={"invite_form": form})
    membership.committee_invitation_send(committee=committee, actor=user, **form.cleaned_data)
    messages.success(
        request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
    )
    return redirect("committees:members", slug=committee.slug)


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def member_change(request: HttpRequest, slug: str, membership_id: str) -> HttpResponse:
    """GET: one person's role and term, as a form; POST: change them."""
    user = acting_user(request)
    committee = selectors.committee_for_chair(user=user, slug=slug)
    held = selectors.membership_get(committee=committee, membership_id=membership_id)
    form = MembershipForm(request.POST or None, membership=held)
    if request.method == "POST" and form.is_valid():
        membership.committee_membership_change(membership=held, actor=user, **form.cleaned_data)
        messages.success(request, _("Saved: %(name)s.") % {"name": held.user})
        return redirect("committees:members", slug=committee.slug)
    return render(
        request,
        "accounts/committee_member.html",
        {"committee": committee, "seat": held, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@handles_service_errors
def member_end(request: HttpRequest, slug: str, membership_id: str) -> HttpResponse:
    user = acting_user(request)
    committee = selectors.committee_for_chair(user=user, slug=slug)
    held = selectors.membership_get(committee=committee, membership_id=membership_id)
    membership.committee_membership_end(membership=held, actor=user)
    messages.success(request, _("%(name)s's role has ended.") % {"name": held.user})
    return redirect("committees:members", slug=committee.slug)


@login_required
@require_POST
@handles_service_errors
def invitation_cancel(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    user = acting_user(request)
    committee = selectors.committee_for_chair(user=user, slug=slug)
    invitation = selectors.invitation_get(committee=committee, public_id=public_id)
    membership.committee_invitation_cancel(invitation=invitation, actor=user)
    messages.success(request, _("Invitation cancelled."))
    return redirect("committees:members", slug=committee.slug)


# The settings a chair saves from the members page: the form's name in the template, and
# the one service that checks and saves what it holds.
SETTINGS: dict[str, tuple[str, Callable[..., Any]]] = {
    "lay-voting": (
        "lay_form",
        lambda c, u, d: membership.committee_lay_voting_set(
            committee=c, votes=d["lay_representatives_vote"], actor=u
        ),
    ),
    "training": (
        "training_form",
        lambda c, u, d: training.committee_training_policy_set(
            committee=c, months=d["training_required_months"], actor=u
        ),
    ),
    "decision-policy": (
        "policy_form",
        lambda c, u, d: decision_policy.committee_decision_policy_set(committee=c, actor=u, **d),
    ),
}


@login_required
@require_POST
@handles_service_errors
def setting_save(request: HttpRequest, slug: str, setting: str) -> HttpResponse:
    """One of the settings forms of the members page: whether lay representatives vote,
    the training required, and how renewals and appeals are decided."""
    user = acting_user(request)
    committee = selectors.committee_for_chair(user=user, slug=slug)
    name, save = SETTINGS[setting]
    form = _setting_form(committee, name, request.POST)
    if not form.is_valid():
        return _members_page(request, committee, refused={name: form})
    save(committee, user, form.cleaned_data)
    messages.success(request, _("Saved."))
    return redirect("committees:members", slug=committee.slug)


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the invitation offers; POST: take up the role."""
    user = acting_user(request)
    invitation = selectors.invitation_by_link(token)
    if request.method == "POST":
        taken = membership.committee_invitation_accept(token=token, actor=user)
        messages.success(
            request,
            _("Welcome to %(committee)s, as %(role)s.")
            % {"committee": taken.committee.name, "role": taken.get_role_display()},
        )
        return redirect("accounts:committee-profile")
    return render(
        request,
        "accounts/committee_invitation.html",
        {
            "invitation": invitation,
            "right_account": (user.email or "").lower() == invitation.email,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def committee_profile(request: HttpRequest) -> HttpResponse:
    """What a committee person publishes on their committees' public pages."""
    user = acting_user(request)
    if not user.committee_memberships.exists():
        raise PermissionDenied("Only committee people publish a committee profile.")
    current = selectors.committee_profile_of(user)
    initial = {"region": current.region, "expertise": current.expertise} if current else {}
    form = CommitteeProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        membership.committee_profile_set(actor=user, **form.cleaned_data)
        messages.success(request, _("Saved: your committees' public pages show it."))
        return redirect("accounts:committee-profile")
    return render(
        request,
        "accounts/committee_profile.html",
        {"form": form, "seats": selectors.seats_of(user)},
        status=400 if request.method == "POST" else 200,
    )
