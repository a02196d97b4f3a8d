"""Reads about accounts, filtered to what the caller may see."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import F, QuerySet

from accounts.models import ApiToken, DeclaredInterest, User
from dac_portal.errors import NotFound


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise NotFound("No such token.")
    return token


def declared_interests_of(*, user: User) -> QuerySet[DeclaredInterest]:
    """A person's own register, current entries first."""
    return DeclaredInterest.objects.filter(user=user).order_by(
        F("ended_at").desc(nulls_first=True), "-declared_at"
    )


def declared_interest_get_for_user(*, user: User, public_id: Any) -> DeclaredInterest:
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("No such declared interest.") from None
    interest = DeclaredInterest.objects.filter(public_id=wanted, user=user).first()
    if interest is None:
        raise NotFound("No such declared interest.")
    return interest


def current_interests_of(user_ids: Any) -> dict[int, list[DeclaredInterest]]:
    """The current (not ended) declared interests of these people, by person: what a chair
    reads beside a request. One query."""
    found: dict[int, list[DeclaredInterest]] = {}
    for interest in DeclaredInterest.objects.filter(
        user_id__in=list(user_ids), ended_at__isnull=True
    ).order_by("-declared_at"):
        found.setdefault(interest.user_id, []).append(interest)
    return found
