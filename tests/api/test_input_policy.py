"""The API's one input policy (dac_portal.input_policy; issue 12, finding 3): text that
cannot be stored, JSON nested too deeply or too large, and undeclared or malformed query
parameters are refused at the edge with a 400 (413 for size) naming the field, and
nothing is written. On PostgreSQL a NUL character reaching a query used to be a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from access_requests.models import AccessRequest
from audit.models import AuditEvent
from dac_portal.api import ApiView
from dac_portal.input_policy import declared_query_parameters

pytestmark = pytest.mark.django_db


def _details(response: Any) -> dict[str, Any]:
    body = response.json()
    return body["error"]["details"]


def _request_body(**override: Any) -> dict[str, Any]:
    return {
        "title": "A title",
        "lay_summary": "Summary",
        "research_use_statement": "Statement",
        "purpose": {"hmb": True},
        "datasets": [],
        **override,
    }


# -- query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/requests/?status=%00", "/api/v1/grants/?status=%00"])
def test_a_nul_byte_in_a_list_filter_is_a_400_naming_the_parameter(
    api_client_for, researcher1, path
):
    response = api_client_for(researcher1).get(path)
    assert response.status_code == 400
    assert "status" in _details(response)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page_size=false", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("status=granted", "status"),
        ("status=draft&status=submitted", "status"),
        ("colour=blue", "colour"),
    ],
)
def test_a_malformed_or_unknown_query_parameter_is_a_400(
    api_client_for, researcher1, query, parameter
):
    response = api_client_for(researcher1).get(f"/api/v1/requests/?{query}")
    assert response.status_code == 400
    assert parameter in _details(response)


def test_declared_parameters_with_good_values_still_work(api_client_for, researcher1):
    response = api_client_for(researcher1).get("/api/v1/requests/?status=draft&page=1&page_size=5")
    assert response.status_code == 200


def _list_paths() -> list[str]:
    return sorted(
        path
        for (path, method), parameters in declared_query_parameters().items()
        if method == "GET" and "page_size" in parameters and "{" not in path
    )


def test_every_list_endpoint_refuses_an_unknown_parameter(api_client_for, admin, demo_user):
    paths = _list_paths()
    assert len(paths) >= 5, paths
    client = api_client_for(admin)
    for path in paths:
        response = client.get(path + "?surprise=1")
        assert response.status_code == 400, (path, response.content)
        assert "surprise" in _details(response), path


def test_an_unknown_parameter_on_a_detail_endpoint_is_refused_too(api_client_for, researcher1):
    reference = AccessRequest.objects.filter(applicant=researcher1).first().reference
    response = api_client_for(researcher1).get(f"/api/v1/requests/{reference}/status/?x=1")
    assert response.status_code == 400


# -- bodies ------------------------------------------------------------------------------------


def _post_raw(client: Any, path: str, raw: bytes | str) -> Any:
    return client.generic("POST", path, raw, content_type="application/json")


def test_a_lone_surrogate_in_json_is_a_400_naming_the_field_and_nothing_is_created(
    api_client_for, researcher1
):
    client = api_client_for(researcher1)
    before = (AccessRequest.objects.count(), AuditEvent.objects.count())
    raw = '{"title": "\\ud800", "lay_summary": "x", "purpose": {"hmb": true}}'
    response = _post_raw(client, "/api/v1/requests/", raw)
    assert response.status_code == 400
    assert "title" in _details(response)
    assert (AccessRequest.objects.count(), AuditEvent.objects.count()) == before


def test_a_nul_byte_deep_inside_json_is_named_by_its_path(api_client_for, researcher1):
    body = _request_body(purpose={"diseases": ["DOID:1\x00"]})
    response = api_client_for(researcher1).post("/api/v1/requests/", body, format="json")
    assert response.status_code == 400
    assert "purpose.diseases.0" in _details(response)


def test_a_nul_byte_in_a_key_is_refused(api_client_for, researcher1):
    response = api_client_for(researcher1).post(
        "/api/v1/requests/", {"ti\x00tle": "x"}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [100_000, 2_000, 40])
def test_deeply_nested_json_is_a_400(api_client_for, researcher1, depth):
    before = AccessRequest.objects.count()
    raw = '{"title": ' + "[" * depth + "]" * depth + "}"
    response = _post_raw(api_client_for(researcher1), "/api/v1/requests/", raw)
    assert response.status_code == 400, response.content[:300]
    assert AccessRequest.objects.count() == before


def test_nesting_within_the_limit_is_left_to_the_view(api_client_for, researcher1):
    raw = '{"title": ' + "[" * 10 + "]" * 10 + "}"
    response = _post_raw(api_client_for(researcher1), "/api/v1/requests/", raw)
    # The view's own validation answers (a title must be text): still a 400, but its own.
    assert response.status_code == 400
    assert "title" in _details(response)


def test_a_body_over_the_limit_is_a_413(api_client_for, researcher1, settings):
    settings.API_MAX_JSON_BYTES = 1000
    raw = '{"title": "' + "x" * 2000 + '"}'
    response = _post_raw(api_client_for(researcher1), "/api/v1/requests/", raw)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_nan_is_not_json(api_client_for, researcher1):
    response = _post_raw(api_client_for(researcher1), "/api/v1/requests/", '{"title": NaN}')
    assert response.status_code == 400


def test_a_nul_byte_in_a_form_field_of_an_upload_is_a_400(api_client_for, researcher1):
    reference = AccessRequest.objects.filter(applicant=researcher1, status="draft").first()
    assert reference is not None
    response = api_client_for(researcher1).post(
        f"/api/v1/requests/{reference.reference}/documents/",
        {"kind": "ethics\x00approval"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "kind" in _details(response)


# -- every API view takes part -----------------------------------------------------------------


def _api_views(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _api_views(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
            found.append((route, getattr(pattern.callback, "cls", None)))
    return found


def test_every_api_view_applies_the_input_policy():
    views = _api_views(get_resolver().url_patterns)
    assert len(views) > 20
    outside = [route for route, cls in views if cls is None or not issubclass(cls, ApiView)]
    assert outside == []
