"""What the consent app puts on a steward's home page (dac_portal/dashboard.py): open
re-consent flags and datasets still without a consent scope, on the committees they
steward."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import CommitteeRole
from accounts.roles import roles_of
from consent.models import Dataset, ReconsentFlag
from dac_portal.dashboard import Panel, WorkItem, register


def _stewarded(user: Any) -> list[int]:
    return [cid for cid, held in roles_of(user).committees.items() if CommitteeRole.STEWARD in held]


def _steward_items(user: Any, now: datetime) -> list[WorkItem]:
    committees = _stewarded(user)
    flags = ReconsentFlag.objects.filter(
        cleared_at__isnull=True, dataset__committee_id__in=committees
    ).count()
    without_scope = Dataset.objects.filter(
        committee_id__in=committees, consent_scopes__isnull=True
    ).count()
    home = reverse("consent:steward")
    return [
        WorkItem(_("Datasets waiting for re-consent"), flags, home, key="reconsent_open"),
        WorkItem(
            _("Datasets without a consent scope"), without_scope, home, key="datasets_without_scope"
        ),
    ]


register(
    Panel(
        "consent.steward",
        _("Your datasets"),
        lambda user: bool(_stewarded(user)),
        _steward_items,
        position=50,
    )
)
