"""With the database unreachable, pages and the API answer 503 in words (never a 500, never a
host, port or driver message) and /readyz names the database within its budget, whether
the database refuses connections or accepts them and never answers.

The default database alias is pointed at a loopback port for the duration of a request
(tests/faults.py); the tests' own connection is set aside and comes back afterwards."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from tests.faults import default_database_at, free_port, silent_listener

pytestmark = pytest.mark.django_db

# Words that would tell a visitor where the database is or what drives it.
LEAKS = ("127.0.0.1", "localhost", "psycopg", "postgres", "sqlite", "operationalerror", "refused")


def _assert_no_leak(response: Any, port: int) -> None:
    text = response.content.decode().lower()
    for word in (*LEAKS, str(port)):
        assert word not in text, f"the answer mentions {word!r}"


def test_a_page_answers_503_in_words_when_the_database_is_unreachable(researcher1: Any) -> None:
    # Django's test client re-raises a view's exception by default; a server does not.
    client = Client(raise_request_exception=False)
    client.force_login(researcher1)  # the session is read from the database
    port = free_port()
    with default_database_at(port):
        response = client.get("/requests/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<h1>Temporarily unavailable</h1>" in html
    assert "cannot reach its database" in html
    assert 'class="site-header"' in html  # the base layout rendered without the database
    _assert_no_leak(response, port)


def test_the_api_answers_a_503_json_error_when_the_database_is_unreachable(
    researcher1: Any, api_client_for: Any
) -> None:
    client = api_client_for(researcher1)  # its Bearer token is looked up in the database
    client.raise_request_exception = False
    port = free_port()
    with default_database_at(port):
        response = client.get("/api/v1/requests/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body == {
        "error": {
            "code": "service_unavailable",
            "message": body["error"]["message"],
            "details": {},
        }
    }
    assert "cannot reach its database" in body["error"]["message"]
    _assert_no_leak(response, port)


def test_a_write_answers_503_and_the_portal_serves_again_once_the_database_is_back(
    researcher1: Any, api_client_for: Any
) -> None:
    client = api_client_for(researcher1)
    client.raise_request_exception = False
    with default_database_at(free_port()):
        refused = client.post("/api/v1/requests/", {"title": "x"}, format="json")
    assert refused.status_code == 503
    assert client.get("/api/v1/requests/").status_code == 200


def test_readyz_names_an_unreachable_database(client: Any) -> None:
    with default_database_at(free_port()):
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 3.0
    assert response.json()["down"] == ["database"]
    assert response.json()["checks"]["broker"] == "ok"


def test_readyz_names_a_database_that_accepts_connections_but_never_answers(
    client: Any,
) -> None:
    with silent_listener() as port, default_database_at(port):
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 3.0, f"/readyz took {elapsed:.1f}s"
    assert response.json()["down"] == ["database"]


def test_a_page_answers_503_when_the_database_accepts_connections_but_never_answers(
    researcher1: Any,
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(researcher1)
    # The helper gives the stand-in database the 2-second connect timeout that
    # DATABASE_CONNECT_TIMEOUT gives the real one (5 s by default).
    with silent_listener() as port, default_database_at(port, connect_timeout=2):
        started = time.monotonic()
        response = client.get("/requests/")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 5.0
    _assert_no_leak(response, port)
