"""Template context: the signed-in person's roles, for the header."""

from typing import Any

from accounts.roles import roles_of


def roles(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = roles_of(user)
    return {"my_roles": held, "my_role_labels": held.labels()}
