"""Sign-ins, sign-outs and failed sign-ins go into the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit_actions import AccountAudit
from accounts.sessions import apply_session_limits, mark_authenticated
from audit.services import audit_record_atomic


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record_atomic(actor=user, action=AccountAudit.USER_LOGIN, target=("user", user.public_id))


@receiver(user_logged_in)
def _start_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Session bookkeeping, not a state change of the portal: the password was just checked
    # (a fresh sign-in counts as recent authentication), and privileged sessions are short.
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)
        apply_session_limits(request, user)


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        audit_record_atomic(
            actor=user, action=AccountAudit.USER_LOGOUT, target=("user", user.public_id)
        )


@receiver(user_login_failed)
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The attempted username is recorded (passwords never are); if it names a real account
    # the event points at it, so a person can see attempts on their account.
    username = str(credentials.get("username", ""))[:150]
    known = (
        get_user_model()
        .objects.filter(username=username)
        .values_list("public_id", flat=True)
        .first()
    )
    audit_record_atomic(
        actor=None,
        system="authentication",
        action=AccountAudit.USER_LOGIN_FAILED,
        target=("user", known) if known else None,
        data={"username": username},
    )
