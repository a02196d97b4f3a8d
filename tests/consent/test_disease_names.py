"""Diseases by name in the forms (consent/disease_names.py, issue 14): a person types a
name, the form keeps the id; a name that matches nothing or several is refused in words
with suggestions, never guessed."""

from __future__ import annotations

import pytest

from consent.disease_names import disease_labels, diseases_from_text

pytestmark = pytest.mark.django_db


def test_a_name_becomes_its_id_whatever_its_case() -> None:
    assert diseases_from_text("Breast Cancer, DOID:162") == (["DOID:1612", "DOID:162"], [])


def test_an_unknown_name_is_refused_with_the_nearest_names() -> None:
    ids, problems = diseases_from_text("diabetes")
    assert ids == []
    assert problems and "Did you mean" in problems[0] and "diabetes mellitus" in problems[0]


def test_a_stored_id_is_shown_back_by_its_name() -> None:
    assert disease_labels(["DOID:1612", "DOID:999999999"]) == ["breast cancer", "DOID:999999999"]


def test_the_request_form_and_the_catalogue_take_names(client, researcher1) -> None:
    client.force_login(researcher1)
    found = client.get("/datasets/", {"disease": "breast cancer"})
    assert found.status_code == 200
    refused = client.get("/datasets/", {"disease": "no such illness"})
    assert "No disease is called" in refused.content.decode()


def test_the_search_finds_diseases_by_part_of_their_name_in_name_order(client) -> None:
    html = client.get("/diseases/", {"q": "cancer"}).content.decode()
    assert 'data-curie="DOID:1612"' in html and "breast cancer" in html


def test_the_search_reads_page_after_page_without_repeats() -> None:
    from consent.disease_names import disease_search

    seen: list[str] = []
    page = disease_search("an", limit=3)
    while True:
        seen += [t.curie for t in page.terms]
        if not page.next_cursor:
            break
        page = disease_search("an", after=page.next_cursor, limit=3)
    assert len(seen) == len(set(seen)) > 3


def test_junk_in_the_search_is_a_400_or_an_empty_page(client) -> None:
    assert client.get("/diseases/", {"q": "a\x00"}).status_code == 400
    assert client.get("/diseases/", {"q": "cancer", "after": "%%%"}).status_code == 200
