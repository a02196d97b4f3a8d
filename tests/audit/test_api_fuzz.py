"""Schemathesis on the audit endpoints as an auditor (the project-wide fuzz runs as a
researcher, who only ever gets 403 here): no 5xx on any input, answers match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from dac_portal.wsgi import application
from tests.api.fuzzing import CHECKS

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_schema(db):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.from_wsgi("/api/schema/", application).include(
            path_regex="^/api/v1/audit/"
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.from_pytest_fixture("audit_schema")


@pytest.fixture
def auditor_token(auditor1):
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=auditor1, name="fuzz", days=1, actor=auditor1)
    return raw


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_audit_api_never_answers_5xx_and_matches_its_schema(case, auditor_token):
    response = case.call_wsgi(headers={"Authorization": f"Bearer {auditor_token}"})
    case.validate_response(response, checks=CHECKS)
