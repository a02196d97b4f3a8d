"""Every language the portal offers has a complete catalogue (issue 22): no untranslated or
fuzzy entry, the same placeholders as the English, as many plural forms as the language
has, and a compiled .mo that says exactly what the .po says."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdr]|%[sdr]|\{[a-z_0-9]*\}")
COUNT = re.compile(r"%\((count|n)\)[sd]")


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / to_locale(code) / "LC_MESSAGES" / "django.po"))


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalogue declares its plural forms"
    return int(match.group(1))


def test_the_portal_offers_the_six_un_languages():
    assert {code for code, _name in settings.LANGUAGES} == {"ar", "zh-hans", "en", "fr", "ru", "es"}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(code):
    po = catalogue(code)
    entries = [e for e in po if not e.obsolete]
    assert len(entries) > 1500
    untranslated = [e.msgid for e in entries if not e.translated()]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders_and_have_every_plural_form(code):
    po = catalogue(code)
    forms = nplurals(po)
    wrong = []
    for entry in (e for e in po if not e.obsolete):
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            if len(entry.msgstr_plural) != forms:
                wrong.append((entry.msgid, f"{len(entry.msgstr_plural)} forms, not {forms}"))
            for form in entry.msgstr_plural.values():
                found = set(PLACEHOLDER.findall(form))
                # A form may leave the count out ("one request", Arabic's "two requests").
                if found - expected or {p for p in expected if not COUNT.match(p)} - found:
                    wrong.append((entry.msgid, form))
        elif set(PLACEHOLDER.findall(entry.msgid)) != set(PLACEHOLDER.findall(entry.msgstr)):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(code):
    po = catalogue(code)
    path = LOCALE / to_locale(code) / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        e.msgid
        for e in po
        if not e.obsolete
        and not e.msgid_plural
        and (compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt else compiled.gettext(e.msgid))
        != e.msgstr
    ]
    assert not stale, f"run make messages: {len(stale)} entries differ, e.g. {stale[:3]}"


@pytest.mark.django_db
def test_an_audit_summary_names_the_statuses_in_the_readers_language():
    from django.utils import translation

    from audit.registry import describe

    data = {"old_status": "submitted", "new_status": "under_review"}
    assert (
        describe("access_request.endorsed", data)
        .lower()
        .startswith("from submitted, awaiting endorsement to under review")
    )
    with translation.override("fr"):
        french = describe("access_request.endorsed", data)
        assert translation.gettext("Under review").lower() in french
        assert "under review" not in french
