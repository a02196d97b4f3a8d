"""Consent reasons are stored with their English message and parameters and read in the
reader's language (issue 22): a request evaluated in English reads in French, Arabic or
Chinese for a reader of that language, and a reason stored before (text only) still reads."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from access_requests.demo import find
from accounts.models import User
from consent.matching import reason_text

pytestmark = pytest.mark.django_db


def stored_reason() -> dict:
    request = find("under_review")
    assert request is not None
    row = request.requested_datasets.get()
    return row.consent_evaluation["reasons"][0]


def test_a_reason_evaluated_in_english_keeps_its_message_and_parameters():
    reason = stored_reason()
    assert reason["msgid"] == "Every disease of the purpose is within %(allowed)s."
    assert reason["message"] == reason["msgid"] % reason["params"]


@pytest.mark.parametrize("language", ["fr", "ar", "zh-hans", "ru", "es"])
def test_a_reader_reads_the_stored_reason_in_their_own_language(language):
    reason = stored_reason()
    with translation.override(language):
        text = reason_text(reason)
        expected = translation.gettext(reason["msgid"]) % reason["params"]
    assert text == expected and text != reason["message"]
    assert reason["params"]["allowed"] in text  # the disease's name, as the ontology gives it


def test_the_request_page_shows_the_reason_in_the_applicants_language():
    applicant = User.objects.get(username="researcher1")
    applicant.language = "fr"
    applicant.save(update_fields=["language"])
    client = Client()
    client.force_login(applicant)
    request = find("under_review")
    page = client.get(f"/requests/{request.reference}/").content.decode()
    reason = stored_reason()
    with translation.override("fr"):
        french = translation.gettext(reason["msgid"]) % reason["params"]
    assert french in page and reason["message"] not in page


def test_a_reason_stored_as_text_only_reads_as_it_was_stored():
    assert reason_text({"code": "NO_SCOPE", "message": "Stored before issue 22."}) == (
        "Stored before issue 22."
    )
