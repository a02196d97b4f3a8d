"""The inbox pages: the list (GET /inbox/) and "mark all read" (POST /inbox/read/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dac_portal.views import acting_user
from notifications import inbox


@login_required
@require_GET
def inbox_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("before", "")
    if text and not text.isdigit():
        return render(request, "400.html", status=400)
    user = acting_user(request)
    page = inbox.inbox_page(user=user, before=int(text) if text else None)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": inbox.unread_count(user)},
    )


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    count = inbox.notifications_mark_read(user=user, actor=user)
    messages.success(request, _("%(count)d messages marked read.") % {"count": count})
    return redirect("notifications:inbox")
