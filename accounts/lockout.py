"""How many failed sign-ins lock an account out (django-axes' AXES_FAILURE_LIMIT callable).

Two limits, because one does not fit both attacks:
- per username *and* address (LOGIN_FAILURE_LIMIT_PER_ADDRESS, default 5): someone guessing
  from one machine is stopped quickly;
- per username from any address (LOGIN_FAILURE_LIMIT_PER_USERNAME, default 20): someone
  spraying one account from many addresses is stopped too. It is higher so that a stranger
  cannot lock a chair out of their account with a handful of wrong passwords.

Axes compares one number, the largest failure count over its lockout parameters
(AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]), with one limit. The
per-username count is always the largest (it includes every address), so the limit given
back is the per-address one once this address alone has reached it, and the per-username
one otherwise: an account is locked when either count reaches its own limit.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def failure_limit(request: Any, credentials: dict[str, Any] | None) -> int:
    per_address = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    per_username = max(settings.LOGIN_FAILURE_LIMIT_PER_USERNAME, per_address)
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    if username is None or address is None:
        return per_address
    from_here = (
        AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        or 0
    )
    return per_address if from_here >= per_address else per_username
