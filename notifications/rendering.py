"""A message from its templates: `notifications/<kind>.txt` (subject on the first line, then
the text body) and `.html`. Used when a message is queued (in the recipient's language) and
when the inbox shows it again in its reader's language (issue 22)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_message(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render `notifications/<kind>.txt` and `.html`. The text template's first line is
    the subject (templates extend notifications/base.txt, whose first line is the
    `subject` block). A missing template raises TemplateDoesNotExist: a programming error."""
    text = render_to_string(f"notifications/{kind}.txt", context)
    html = render_to_string(f"notifications/{kind}.html", context)
    subject_line, _sep, body = text.lstrip().partition("\n")
    subject = " ".join(subject_line.split())[:255]
    if not subject:
        raise ValueError(f"notifications/{kind}.txt rendered an empty subject line.")
    return subject, body.strip() + "\n", html.strip() + "\n"


def render_message_in(
    language: str,
    kind: str,
    context: dict[str, Any],
    *,
    recipient: Any,
    receipt_seq: int | None,
) -> tuple[str, str, str]:
    """The message in `language`, with what every template may use beside the message's own
    context: its recipient, the portal's address, whether a receipt is attached (the base
    templates then say what the file is; audit/receipts.py) and the language itself."""
    full = {
        **context,
        "recipient": recipient,
        "portal_url": settings.PORTAL_BASE_URL,
        "receipt_attached": receipt_seq is not None,
        "LANGUAGE_CODE": language,
    }
    with translation.override(language):
        return render_message(kind, full)
