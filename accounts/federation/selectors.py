"""Reading what federated sign-in stored: visas, linked identities, unmapped domains."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import InstitutionDomain, ResearcherVisa
from dac_portal.federation_settings import OidcProvider


def visas_of(user: Any) -> QuerySet[ResearcherVisa]:
    """Every stored visa, current first (the profile shows expired ones as expired)."""
    return ResearcherVisa.objects.filter(user=user).order_by("-expires_at", "type")


def bona_fide_visa(user: Any) -> ResearcherVisa | None:
    """The person's current ResearcherStatus visa, the latest asserted, if any."""
    return (
        ResearcherVisa.objects.filter(
            user=user,
            type=ResearcherVisa.Type.RESEARCHER_STATUS,
            expires_at__gt=timezone.now(),
        )
        .order_by("-asserted")
        .first()
    )


def identities_of(user: Any) -> list[SocialAccount]:
    return list(SocialAccount.objects.filter(user=user).order_by("provider"))


def providers() -> list[OidcProvider]:
    return list(settings.OIDC_PROVIDERS)


def provider_names() -> dict[str, str]:
    return {p.id: p.name for p in settings.OIDC_PROVIDERS}


def unmapped_domains() -> QuerySet[InstitutionDomain]:
    return InstitutionDomain.objects.filter(institution__isnull=True).order_by("-first_seen_at")


def mapped_domains() -> QuerySet[InstitutionDomain]:
    return (
        InstitutionDomain.objects.filter(institution__isnull=False)
        .select_related("institution")
        .order_by("domain")
    )
