"""What the accounts app puts on an administrator's home page (dac_portal/dashboard.py):
home-organisation domains seen at federated sign-in that wait to be mapped to an
institution (docs/identity.md). One capped count on a partial index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import InstitutionDomain
from accounts.permissions import is_admin
from dac_portal.dashboard import CAP, Panel, WorkItem, register


def _administrator_items(user: Any, now: datetime) -> list[WorkItem]:
    waiting = InstitutionDomain.objects.filter(institution__isnull=True)
    first = waiting.order_by("first_seen_at").values_list("first_seen_at", flat=True).first()
    return [
        WorkItem(
            _("domains waiting to be mapped to an institution"),
            waiting[: CAP + 1].count(),
            reverse("accounts:institution-domains"),
            due=first,
            always=True,
            key="unmapped_domains",
        )
    ]


register(
    Panel(
        "accounts.administrator",
        _("Sign-in and institutions"),
        is_admin,
        _administrator_items,
        position=80,
    )
)
