"""Each person's language (issue 22): chosen on their account page or with the footer switch,
first read from their browser at their first sign-in, and used for their pages, their
e-mails and their in-portal messages. Visitors who are not signed in follow their browser
and the footer switch (Django's LocaleMiddleware), as before."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation

from accounts.audit_actions import AccountAudit
from accounts.models import User
from audit.services import audit_record


def supported(language: Any) -> str:
    """The portal's own code for `language` (a code or a browser's tag such as fr-CA), or ""
    when the portal does not speak it."""
    if not isinstance(language, str) or not language:
        return ""
    try:
        code = translation.get_supported_language_variant(language.strip().lower())
    except LookupError:
        return ""
    return code if code in dict(settings.LANGUAGES) else ""


def user_language_set(*, user: User, language: Any, actor: User | None) -> bool:
    """Store `user`'s language (audited); False, with nothing written, when the portal does
    not speak it or it is already theirs."""
    code = supported(language)
    if not code or code == user.language:
        return False
    with transaction.atomic():
        old = User.objects.select_for_update().values_list("language", flat=True).get(pk=user.pk)
        User.objects.filter(pk=user.pk).update(language=code)
        user.language = code
        audit_record(
            actor=actor,
            system=None if actor is not None else "accounts.language",
            action=AccountAudit.USER_LANGUAGE_SET,
            target=("user", user.public_id),
            data={"old": old, "new": code},
        )
    return True


def language_of(person: Any) -> str:
    """The language to write to `person` in: theirs when they chose one (or their browser's
    was read at sign-in), else the portal's default (someone without an account too)."""
    return supported(getattr(person, "language", "")) or settings.LANGUAGE_CODE
