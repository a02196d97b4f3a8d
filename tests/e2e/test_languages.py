"""The portal in the six UN languages, in Chromium (issue 22): for each language, the home
page, the catalogue, the request form and the committee's review page show none of the
English sentences its catalogue translates; Arabic pages read right to left
(`dir="rtl"`), pass axe, and are kept as screenshots at 1280 and 375 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from access_requests.demo import find
from accounts.models import User
from tests.e2e.conftest import check_accessibility, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]
PLACEHOLDER = re.compile(r"%|\{|<|&")


def pages() -> list[tuple[str, str, str]]:
    """(name, who, path): what an applicant and a chair open most."""
    under_review = find("under_review")
    assert under_review is not None
    return [
        ("home", "researcher1", "/"),
        ("catalogue", "researcher1", "/datasets/"),
        ("request-form", "researcher1", "/requests/new/"),
        ("review", "chair1", f"/review/{under_review.reference}/"),
    ]


def translated_sentences(language: str) -> set[str]:
    """The English sentences the language's catalogue translates (no placeholders: those
    are filled in, so they cannot be searched for as they are)."""
    path = Path(settings.BASE_DIR) / "locale" / to_locale(language) / "LC_MESSAGES" / "django.po"
    return {
        entry.msgid
        for entry in polib.pofile(str(path))
        if not entry.obsolete
        and not entry.msgid_plural
        and entry.msgstr
        and entry.msgstr != entry.msgid
        and " " in entry.msgid
        and len(entry.msgid) >= 12
        and not PLACEHOLDER.search(entry.msgid)
    }


def texts_as(page: Any, username: str, language: str, paths: list[str]) -> list[str]:
    """The visible text of each page, for one person reading in `language` (one sign-in)."""
    User.objects.filter(username=username).update(language=language)
    sign_in(page, username)
    texts = []
    for path in paths:
        page.goto(path)
        texts.append(page.inner_text("body"))
    page.context.clear_cookies()
    return texts


def texts_in(page: Any, language: str) -> dict[str, str]:
    """Each page's visible text in `language`, signing in once per person."""
    shown: dict[str, str] = {}
    for username in ("researcher1", "chair1"):
        mine = [(name, path) for name, who, path in pages() if who == username]
        texts = texts_as(page, username, language, [path for _name, path in mine])
        shown.update({name: text for (name, _path), text in zip(mine, texts, strict=True)})
    return shown


# The English pages, read once for every language's test (the demo data is the same).
ENGLISH: dict[str, str] = {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_show_no_english_sentence_the_catalogue_translates(
    page: Any, settings: Any, language: str
) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    if not ENGLISH:
        ENGLISH.update(texts_in(page, "en"))
    sentences = translated_sentences(language)
    translated = texts_in(page, language)
    for name, english in ENGLISH.items():
        shown = {s for s in sentences if s in english}
        assert len(shown) >= 3, f"{name}: the English page shows translated sentences"
        left = sorted(s for s in shown if s in translated[name])
        assert not left, f"{name} in {language} still says: {left[:5]}"


def test_arabic_pages_read_right_to_left_and_pass_axe(page: Any, settings: Any) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    for username in ("researcher1", "chair1"):
        User.objects.filter(username=username).update(language="ar")
        sign_in(page, username)
        for name, _who, path in (p for p in pages() if p[1] == username):
            page.goto(path)
            assert page.get_attribute("html", "dir") == "rtl"
            assert page.get_attribute("html", "lang") == "ar"
            # Mirrored: the main heading ends at the right edge of the page.
            heading = page.get_by_role("heading", level=1).first.bounding_box()
            assert heading is not None and heading["x"] + heading["width"] > 1280 / 2
            assert check_accessibility(page, f"arabic-{name}") == []
            assert fits_a_phone(page, f"arabic-{name}")
        page.context.clear_cookies()
