"""A message from its templates: `notifications/<kind>.txt` (subject on the first line, then
the text body) and `.html`. Used when a message is queued (in the recipient's language) and
when the inbox shows it again in its reader's language (issue 22)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


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
