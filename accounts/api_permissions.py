"""DRF permission classes shared by every API view.

Service accounts (data hosts) hold tokens that may read entitlements and nothing else: the
default permission refuses them everywhere, and the entitlements view opts in explicitly.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission


class NotServiceAccount(BasePermission):
    message = "Service accounts may only read entitlements."

    def has_permission(self, request: Any, view: Any) -> bool:
        return not getattr(request.user, "is_service_account", False)
