"""The answers of the request endpoints match the OpenAPI schema they publish, for real
calls on the demo requests (the schemathesis fuzz covers generated inputs)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from dac_portal.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(db):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(researcher1):
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=researcher1, name="schema", days=1, actor=researcher1)
    return raw


def _ref(key):
    from access_requests.demo import find

    return find(key).reference


CALLS = [
    ("/api/v1/requests/", "GET", {}, None),
    ("/api/v1/requests/", "POST", {}, {"title": "Schema", "datasets": ["DACD000005"]}),
    ("/api/v1/requests/", "POST", {}, {"title": 5, "datasets": "x"}),
    ("/api/v1/requests/{reference}/", "GET", {"reference": "under_review"}, None),
    ("/api/v1/requests/{reference}/", "GET", {"reference": None}, None),
    ("/api/v1/requests/{reference}/", "PATCH", {"reference": "draft"}, {"title": "New"}),
    ("/api/v1/requests/{reference}/submit/", "POST", {"reference": "draft"}, None),
    ("/api/v1/requests/{reference}/resubmit/", "POST", {"reference": "draft"}, None),
    ("/api/v1/requests/{reference}/withdraw/", "POST", {"reference": "draft"}, {"reason": "x"}),
    ("/api/v1/requests/{reference}/endorse/", "POST", {"reference": "awaiting_endorsement"}, None),
    ("/api/v1/requests/{reference}/status/", "GET", {"reference": "under_review"}, None),
    ("/api/v1/requests/{reference}/events/", "GET", {"reference": "under_review"}, None),
]


@pytest.mark.parametrize(("path", "method", "params", "body"), CALLS)
def test_each_answer_matches_the_published_schema(schema, token, path, method, params, body):
    path_parameters = {
        name: (_ref(key) if key else "DAR-1999-000001") for name, key in params.items()
    }
    extra = {"body": body, "media_type": "application/json"} if body is not None else {}
    case = schema[path][method].make_case(
        path_parameters=path_parameters, headers={"Authorization": f"Bearer {token}"}, **extra
    )
    response = case.call_wsgi()
    assert response.status_code < 500, response.data
    case.validate_response(response)


def test_the_schema_lists_every_request_endpoint(schema):
    paths = set(json.loads(json.dumps(list(schema.raw_schema["paths"]))))
    for path, *_rest in CALLS:
        assert path in paths
    assert "/api/v1/requests/{reference}/documents/" in paths
