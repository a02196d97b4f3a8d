"""The unread count beside the inbox in the header: one capped count on a partial index,
for signed-in people only."""

from __future__ import annotations

from typing import Any

from notifications.inbox import UNREAD_CAP, unread_count


def unread(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = unread_count(user)
    return {
        "inbox_unread": count,
        "inbox_unread_shown": f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count),
    }
