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


def visible_text(page: Any, username: str, language: str, path: str) -> str:
    User.objects.filter(username=username).update(language=language)
    sign_in(page, username)
    page.goto(path)
    text = page.inner_text("body")
    page.context.clear_cookies()
    return text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_show_no_english_sentence_the_catalogue_translates(
    page: Any, settings: Any, language: str
) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sentences = translated_sentences(language)
    for name, username, path in pages():
        english = visible_text(page, username, "en", path)
        shown = {s for s in sentences if s in english}
        assert len(shown) >= 3, f"{name}: the English page shows translated sentences"
        text = visible_text(page, username, language, path)
        left = sorted(s for s in shown if s in text)
        assert not left, f"{name} in {language} still says: {left[:5]}"


def test_arabic_pages_read_right_to_left_and_pass_axe(page: Any, settings: Any) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    for name, username, path in pages():
        User.objects.filter(username=username).update(language="ar")
        sign_in(page, username)
        page.goto(path)
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.get_attribute("html", "lang") == "ar"
        # Mirrored: the main heading starts at the right edge of the page.
        heading = page.get_by_role("heading", level=1).first.bounding_box()
        assert heading is not None and heading["x"] + heading["width"] > 1280 / 2
        assert check_accessibility(page, f"arabic-{name}") == []
        assert fits_a_phone(page, f"arabic-{name}")
        page.context.clear_cookies()
