"""The inbox writes each message in its reader's language (issue 22): as stored when the
reader still reads that language, else again from its template and stored context."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from accounts.language import user_language_set
from accounts.models import User
from notifications.inbox import in_reader_language
from notifications.models import Notification
from notifications.rendering import render_message_in
from notifications.services import notify

pytestmark = pytest.mark.django_db

CONTEXT = {
    "reference": "DAR-2026-000097",
    "title": "Variants",
    "committee_name": "Genomics DAC",
    "message": "Say how results will be published.",
}


def test_every_demo_message_is_written_again_from_its_stored_context_word_for_word():
    """What makes writing them again safe: the stored context holds all the templates use."""
    messages = Notification.objects.exclude(recipient=None).select_related("recipient")
    kinds = set()
    for message in messages:
        kinds.add(message.kind)
        subject, body_text, _html = render_message_in(
            message.language or "en",
            message.kind,
            message.context,
            recipient=message.recipient,
            receipt_seq=message.receipt_seq,
        )
        assert (subject, body_text) == (message.subject, message.body_text), message.kind
    assert len(kinds) >= 15


def french_message(researcher1: Any) -> Notification:
    user_language_set(user=researcher1, language="fr", actor=researcher1)
    with transaction.atomic():
        message = notify("access_request_changes_requested", researcher1, "read:1", CONTEXT)
    assert message is not None
    Notification.objects.filter(pk=message.pk).update(
        status=Notification.Status.SENT, sent_at=timezone.now()
    )
    return message


def test_a_message_is_shown_as_stored_in_the_language_it_was_written_in(researcher1):
    message = french_message(researcher1)
    reading = in_reader_language(message, researcher1, "fr")
    assert (reading.subject, reading.body_text) == (message.subject, message.body_text)


def test_after_switching_to_arabic_the_reader_reads_the_french_message_in_arabic(researcher1):
    message = french_message(researcher1)
    user_language_set(user=researcher1, language="ar", actor=researcher1)
    client = Client()
    client.force_login(User.objects.get(pk=researcher1.pk))
    page = client.get("/inbox/").content.decode()
    with translation.override("ar"):
        arabic = translation.gettext("The committee asks for changes to %(reference)s")
    assert '<html lang="ar" dir="rtl">' in page
    assert arabic % {"reference": "DAR-2026-000097"} in page
    assert message.subject not in page


def test_a_message_whose_template_is_gone_is_shown_as_stored(researcher1):
    message = french_message(researcher1)
    message.kind = "no_such_kind"
    reading = in_reader_language(message, researcher1, "es")
    assert reading.subject == message.subject
