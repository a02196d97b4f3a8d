"""Sign-ins, sign-outs and failed sign-ins go into the audit log; a sign-in or a link
through an identity provider also records what it brought (accounts.federation)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from allauth.socialaccount.signals import social_account_added
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.audit_actions import AccountAudit
from accounts.federation import claims as claim_readers
from accounts.federation import pending, services
from accounts.language import user_language_set
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


@receiver(user_logged_in)
def _first_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """At a first sign-in, the language the browser asked for becomes the person's own
    (what LocaleMiddleware chose: the switch's cookie, else Accept-Language)."""
    if request is not None and not user.language:
        user_language_set(user=user, language=getattr(request, "LANGUAGE_CODE", ""), actor=user)


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


@receiver(allauth_user_logged_in)
def _federated_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is None:
        return
    provider_id = sociallogin.account.provider
    id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
    services.federated_sign_in(
        request=request,
        user=user,
        provider_id=provider_id,
        multi_factor=claim_readers.multi_factor(id_token),
        pending=pending.take(request, provider_id),
    )


@receiver(social_account_added)
def _identity_linked(sender: Any, request: HttpRequest, sociallogin: Any, **kwargs: Any) -> None:
    provider_id = sociallogin.account.provider
    services.identity_linked(
        user=sociallogin.user, provider_id=provider_id, pending=pending.take(request, provider_id)
    )
