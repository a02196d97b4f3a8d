"""Reads about accounts, filtered to what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiToken, User
from dac_portal.errors import NotFound


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise NotFound("No such token.")
    return token
