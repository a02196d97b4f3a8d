"""Each person's language (issue 22): chosen on the account page or with the footer switch,
read from the browser at a first sign-in, and used for their pages and their e-mails, so
two recipients of one message each read it in their own language."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import translation

from accounts.language import language_of, supported, user_language_set
from audit.models import AuditEvent
from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_a_person_who_chooses_french_reads_the_portal_in_french_whatever_the_browser(
    researcher1: Any,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(researcher1)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    researcher1.refresh_from_db()
    assert researcher1.language == "fr"
    event = AuditEvent.objects.filter(action="user.language_set").latest("seq")
    assert event.data["new"] == "fr" and event.actor_id == researcher1.pk
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")  # no language cookie: only the account says
    fresh.force_login(researcher1)
    page = fresh.get("/accounts/profile/").content.decode()
    assert 'lang="fr"' in page and "Mon compte" in page


def test_the_account_page_offers_the_choice(researcher1: Any) -> None:
    client = Client()
    client.force_login(researcher1)
    page = client.get("/accounts/profile/").content.decode()
    assert 'name="language"' in page and 'action="/i18n/setlang/"' in page


def test_a_first_sign_in_keeps_the_browsers_language(researcher2: Any) -> None:
    researcher2.language = ""
    researcher2.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    client.post("/accounts/login/", {"username": "researcher2", "password": settings.DEMO_PASSWORD})
    researcher2.refresh_from_db()
    assert researcher2.language == "fr"


def test_a_language_the_portal_does_not_speak_changes_nothing(researcher1: Any) -> None:
    before = researcher1.language
    assert supported("xx") == "" and supported("FR-ca") == "fr"
    assert user_language_set(user=researcher1, language="xx", actor=researcher1) is False
    assert user_language_set(user=researcher1, language=None, actor=researcher1) is False
    researcher1.refresh_from_db()
    assert researcher1.language == before
    assert language_of(None) == settings.LANGUAGE_CODE


CHANGES_ASKED = {
    "reference": "DAR-2026-000099",
    "title": "Variants",
    "committee_name": "Genomics DAC",
    "message": "Say how results will be published.",
}
SUBJECT = "The committee asks for changes to %(reference)s"


def one_message_to_both(first: Any, second: Any, languages: tuple[str, str]) -> tuple[Any, Any]:
    """The same notification to two people who read `languages`, queued in one event."""
    for person, language in zip((first, second), languages, strict=True):
        user_language_set(user=person, language=language, actor=person)
    with transaction.atomic():
        messages = tuple(
            notify("access_request_changes_requested", person, f"lang:{language}", CHANGES_ASKED)
            for person, language in zip((first, second), languages, strict=True)
        )
    assert None not in messages
    return messages


def test_two_recipients_of_one_message_each_read_it_in_their_own_language(
    researcher1: Any, researcher2: Any
) -> None:
    french, english = one_message_to_both(researcher1, researcher2, ("fr", "en"))
    assert english.subject == "The committee asks for changes to DAR-2026-000099"
    assert french.subject != english.subject and "DAR-2026-000099" in french.subject
    assert "Dear" in english.body_text and "Dear" not in french.body_text
    assert '<html lang="fr" dir="ltr">' in french.body_html


def test_a_french_and_an_arabic_recipient_of_one_notification_each_get_their_own_email(
    researcher1: Any, researcher2: Any
) -> None:
    """Issue 22: the same event, two e-mails, each in its reader's language (Arabic right
    to left)."""
    french, arabic = one_message_to_both(researcher1, researcher2, ("fr", "ar"))
    for message, language in ((french, "fr"), (arabic, "ar")):
        with translation.override(language):
            expected = translation.gettext(SUBJECT) % {"reference": "DAR-2026-000099"}
        assert message.subject == expected and message.language == language
    assert '<html lang="ar" dir="rtl">' in arabic.body_html
