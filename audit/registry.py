"""The audit actions, registered by the app that records them.

Each app declares its actions in its own `audit_actions.py`: a TextChoices whose values are
the codes stored in AuditEvent.action (part of the public contract, docs/api.md: add new
ones freely, never rename one) and whose labels say in words what happened, plus, where
the payload has more to tell, a describer that renders it as a sentence. This module
imports every installed app's `audit_actions.py` before it answers (the way Django's admin
finds `admin.py`), so the audit log, the timelines and the e-mails show "Grant revoked:
the holder broke the agreement" where they once showed `grant.revoked`.

`audit_record` refuses a code nobody registered, so a typo cannot reach the log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

# A describer turns one event's payload into words, in the reader's language; it gets the
# event's `data` (a dict) and returns "" when it has nothing to add to the label.
Describer = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class RegisteredAction:
    code: str
    label: str | Promise
    app: str
    describer: Describer | None = None


_actions: dict[str, RegisteredAction] = {}
_status_labels: dict[str, Any] = {}
_discovered = False
_lock = threading.Lock()


def register(
    choices: type[models.TextChoices],
    *,
    app: str,
    describers: Mapping[str, Describer] | None = None,
) -> type[models.TextChoices]:
    """Register every member of `choices` as an action of `app`."""
    describers = dict(describers or {})
    for code, label in choices.choices:
        existing = _actions.get(code)
        if existing is not None and existing.app != app:
            raise ValueError(f"Audit action {code!r} is already registered by {existing.app}.")
        _actions[code] = RegisteredAction(code, label, app, describers.pop(code, None))
    if describers:
        raise ValueError(f"Describers for unknown actions: {sorted(describers)}.")
    return choices


def register_statuses(*choices: type[models.TextChoices]) -> None:
    """Status labels for "from … to …" (`status_change`), so that a stored status code is
    read in the reader's language; the first label registered for a code is kept."""
    for enum in choices:
        for code, label in enum.choices:
            _status_labels.setdefault(code, label)


def _status_words(code: Any) -> str:
    label = _status_labels.get(str(code))
    return str(label).lower() if label is not None else str(code).replace("_", " ")


def discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("audit_actions")
            _discovered = True


def registered() -> dict[str, RegisteredAction]:
    discover()
    return dict(_actions)


def is_registered(code: str) -> bool:
    discover()
    return code in _actions


def label_for(code: str) -> str:
    """The action in words; an unknown (retired) code is shown as it was stored."""
    discover()
    action = _actions.get(code)
    return str(action.label) if action else code


def describe(code: str, data: Mapping[str, Any] | None) -> str:
    """The payload in words: the action's describer, else the status change and reason
    most actions record; "" when there is nothing to say or the payload is not what the
    describer knows (an old event must never break the page that lists it)."""
    discover()
    action = _actions.get(code)
    if action is None or not isinstance(data, Mapping):
        return ""
    try:
        if action.describer is not None:
            return action.describer(data)
        return sentence(status_change(data), reason(data))
    except (KeyError, TypeError, ValueError, AttributeError):
        return ""


def choices() -> list[tuple[str, str]]:
    """(code, label) of every action, sorted by label, for filters."""
    discover()
    return sorted(((a.code, str(a.label)) for a in _actions.values()), key=lambda c: c[1])


# -- helpers for the apps' describers -----------------------------------------------------


def status_change(data: Mapping[str, Any]) -> str:
    """ "From draft to submitted", from the old_status/new_status most transitions record."""
    old, new = data.get("old_status"), data.get("new_status")
    if not old or not new or old == new:
        return ""
    return _("from %(old)s to %(new)s") % {"old": _status_words(old), "new": _status_words(new)}


def sentence(*parts: str) -> str:
    """The non-empty parts, joined into one sentence."""
    return "; ".join(part for part in parts if part)


def reason(data: Mapping[str, Any], key: str = "reason") -> str:
    value = data.get(key)
    return _("reason: %(reason)s") % {"reason": value} if value else ""
