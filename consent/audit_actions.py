"""The audit actions consent records, with their words (audit/registry.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.registry import reason, register, sentence


class ConsentAudit(models.TextChoices):
    ONTOLOGY_IMPORTED = "ontology.imported", _("Ontology imported")
    STUDY_CREATED = "study.created", _("Study registered")
    STUDY_UPDATED = "study.updated", _("Study edited")
    DATASET_CREATED = "dataset.created", _("Dataset registered")
    DATASET_UPDATED = "dataset.updated", _("Dataset edited")
    CONSENT_SCOPE_CREATED = "consent_scope.created", _("Consent recorded")
    CONSENT_WITHDRAWAL_RECORDED = (
        "consent.withdrawal_recorded",
        _("Consent withdrawal recorded"),
    )
    CONSENT_RECONSENT_FLAGGED = "consent.reconsent_flagged", _("Re-consent needed")
    CONSENT_RECONSENT_CLEARED = "consent.reconsent_cleared", _("Re-consent completed")
    CATALOGUE_CHECKED = "catalogue.checked", _("Catalogue file checked")
    CATALOGUE_IMPORTED = "catalogue.imported", _("Catalogue file imported")


def _withdrawal(data: Mapping[str, Any]) -> str:
    count = data.get("participant_count")
    return (
        gettext("%(count)s participants of %(dataset)s")
        % {"count": count, "dataset": data.get("dataset", "")}
        if count
        else ""
    )


def _scope(data: Mapping[str, Any]) -> str:
    version = data.get("version")
    return gettext("version %(version)s") % {"version": version} if version else ""


register(
    ConsentAudit,
    app="consent",
    describers={
        ConsentAudit.CONSENT_WITHDRAWAL_RECORDED: _withdrawal,
        ConsentAudit.CONSENT_SCOPE_CREATED: _scope,
        ConsentAudit.CONSENT_RECONSENT_FLAGGED: lambda data: sentence(reason(data)),
    },
)
