"""The webhook pages: a steward's (or administrator's) subscriptions, a new one, and one
subscription with its deliveries, attempts and *retry now*."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Committee
from accounts.permissions import is_admin, require
from accounts.roles import roles_of
from dac_portal.errors import ValidationError
from dac_portal.views import acting_user, handles_service_errors
from data_hosts import selectors, services
from data_hosts.forms import WebhookForm

DELIVERIES_SHOWN = 50


def _committees(request: HttpRequest):  # type: ignore[no-untyped-def]
    user = acting_user(request)
    if is_admin(user):
        return Committee.objects.order_by("name")
    return Committee.objects.filter(pk__in=roles_of(user).committees_where("steward"))


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    require(user, "webhook.create", message="Only data stewards and administrators keep webhooks.")
    form = WebhookForm(request.POST or None, committees=_committees(request))
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.subscription_create(
                actor=user,
                url=form.cleaned_data["url"],
                events=list(form.cleaned_data["events"]),
                committees=[c.slug for c in form.cleaned_data["committees"]],
                secret=form.cleaned_data["secret"] or None,
            )
        except ValidationError as exc:
            for field, errors in exc.details.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request, _("Subscription created. Copy the secret now: it will not be shown again.")
            )
            return render(
                request,
                "data_hosts/webhook_created.html",
                {"subscription": subscription, "secret": secret},
            )
    return render(
        request,
        "data_hosts/webhook_list.html",
        {"subscriptions": selectors.subscriptions_for(user), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
@handles_service_errors
def webhook_detail(request: HttpRequest, webhook: str) -> HttpResponse:
    subscription = selectors.subscription_get(acting_user(request), webhook)
    return render(
        request,
        "data_hosts/webhook_detail.html",
        {
            "subscription": subscription,
            "deliveries": selectors.deliveries_of(subscription)[:DELIVERIES_SHOWN],
        },
    )


@login_required
@require_POST
@handles_service_errors
def webhook_delete(request: HttpRequest, webhook: str) -> HttpResponse:
    subscription = selectors.subscription_get(acting_user(request), webhook)
    services.subscription_delete(subscription=subscription, actor=acting_user(request))
    messages.success(request, _("Subscription deleted: nothing more will be sent to it."))
    return redirect("data_hosts:webhooks")


@login_required
@require_POST
@handles_service_errors
def delivery_retry(request: HttpRequest, webhook: str, delivery_id: int) -> HttpResponse:
    subscription = selectors.subscription_get(acting_user(request), webhook)
    delivery = selectors.delivery_get(subscription, delivery_id)
    outcome = services.delivery_retry_now(delivery=delivery, actor=acting_user(request))
    words = {
        "delivered": _("Delivered."),
        "deferred": _("Still failing: it will be tried again later."),
        "failed": _("Still failing: given up."),
        "skipped": _("Another attempt is under way."),
    }
    messages.info(request, words.get(outcome, outcome))
    return redirect("data_hosts:webhook", webhook=subscription.public_id)
