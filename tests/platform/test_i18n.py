"""Every page is translatable; the French catalogue ships and is used."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_the_french_catalogue_translates_the_interface():
    with translation.override("fr"):
        assert translation.gettext("Sign in") != "Sign in"
        assert translation.gettext("Lay summary") == "Résumé grand public"


def test_a_french_browser_gets_the_pages_in_french(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    with translation.override("fr"):
        assert translation.gettext("Skip to main content") in html


def test_the_language_switch_sets_the_language_for_the_session(client):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="fr"' in client.get("/").content.decode()
