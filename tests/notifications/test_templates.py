"""Every notification kind shipped in templates/notifications/ has a text and an HTML
template that render a one-line subject, the same in both."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from notifications.rendering import render_message

KINDS_DIR = Path(settings.BASE_DIR) / "templates" / "notifications"
KINDS = sorted(p.stem for p in KINDS_DIR.glob("*.txt") if p.stem != "base")

pytestmark = pytest.mark.django_db


def test_the_base_layouts_exist() -> None:
    assert (KINDS_DIR / "base.txt").exists()
    assert (KINDS_DIR / "base.html").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_both_templates_and_one_subject_line(kind: str, researcher1: Any) -> None:
    assert (KINDS_DIR / f"{kind}.html").exists(), f"{kind}.html is missing"
    context = {"recipient": researcher1, "portal_url": "https://dac.example.org"}
    subject, body_text, body_html = render_message(kind, context)
    assert subject
    assert "{%" not in body_text and "{{" not in body_text
    title = re.search(r"<title>(.*?)</title>", body_html, re.S)
    assert title is not None
    assert " ".join(unescape(title.group(1)).split()) == subject, (
        "the text template's subject block must be one line, equal to the HTML title"
    )
    assert body_text.startswith("Dear ")
