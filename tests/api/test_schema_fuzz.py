"""Schemathesis against /api/schema/: no 5xx on any generated input, and every answer
matches the schema (status, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from dac_portal.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_schema(db):
    # Like Django's test client: keep the test's database connection (and its transaction)
    # open across the WSGI calls instead of closing it when each request finishes.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.from_pytest_fixture("web_schema")

CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
)


@pytest.fixture
def researcher_token(researcher1):
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=researcher1, name="fuzz", days=1, actor=researcher1)
    return raw


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_5xx_and_matches_its_schema(case, researcher_token):
    response = case.call_wsgi(headers={"Authorization": f"Bearer {researcher_token}"})
    # Every check but "ignored_auth": which role may call what is the authorization matrix's
    # job (tests/security/), with real tokens for every demo role.
    case.validate_response(response, checks=CHECKS)
