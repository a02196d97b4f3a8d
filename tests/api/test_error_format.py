"""Every API error is JSON in one format; junk input never answers 500."""

from __future__ import annotations

import pytest
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dac_portal.errors import Conflict, InvalidTransition, NotFound

pytestmark = pytest.mark.django_db


def _error(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_anonymous_api_call_is_a_json_401(anonymous_api):
    response = anonymous_api.get("/api/v1/me/")
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


def test_an_unknown_api_path_is_a_404(api_client_for, researcher1):
    response = api_client_for(researcher1).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(api_client_for, researcher1):
    response = api_client_for(researcher1).delete("/api/v1/me/")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "body",
    [b"{", b"\xff\xfe", b"[1, 2", b"null", b'"text"', b"12", b"{" * 5000],
    ids=["truncated", "not-utf8", "bad-array", "null", "string", "number", "deep"],
)
def test_unparseable_json_is_a_400_not_a_500(api_client_for, researcher1, body):
    client = api_client_for(researcher1)
    response = client.generic("POST", "/api/v1/_test/echo/", body, content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid"


def test_field_errors_are_listed_in_details(api_client_for, researcher1):
    response = api_client_for(researcher1).post(
        "/api/v1/_test/echo/", {"count": "many"}, format="json"
    )
    assert response.status_code == 400
    error = _error(response)
    assert "count" in error["details"] and "name" in error["details"]


def test_service_errors_keep_their_status_and_details(api_client_for, researcher1):
    client = api_client_for(researcher1)
    conflict = client.post("/api/v1/_test/raise/", {"kind": "transition"}, format="json")
    assert conflict.status_code == 409
    error = _error(conflict)
    assert error["code"] == "invalid_transition"
    assert error["details"] == {
        "status": "draft",
        "action": "decide",
        "allowed_actions": ["submit", "withdraw"],
    }
    missing = client.post("/api/v1/_test/raise/", {"kind": "missing"}, format="json")
    assert missing.status_code == 404 and _error(missing)["code"] == "not_found"


def test_a_junk_page_size_falls_back_to_the_default(api_client_for, researcher1):
    response = api_client_for(researcher1).get("/api/v1/_test/echo/?page_size=lots")
    assert response.status_code == 200


class _EchoSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class _EchoApi(APIView):
    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        serializer = _EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class _RaiseApi(APIView):
    def post(self, request):
        if request.data.get("kind") == "transition":
            raise InvalidTransition(
                status="draft", action="decide", allowed_actions=["withdraw", "submit"]
            )
        if request.data.get("kind") == "missing":
            raise NotFound("No such request.")
        raise Conflict("Nope.")


urlpatterns = [
    path("api/v1/_test/echo/", _EchoApi.as_view()),
    path("api/v1/_test/raise/", _RaiseApi.as_view()),
]


@pytest.fixture(autouse=True)
def _test_urls(settings):
    from django.urls import clear_url_caches

    from dac_portal import urls as project_urls

    module = type(project_urls)("test_error_urls")
    module.urlpatterns = urlpatterns + project_urls.urlpatterns
    for handler in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, handler, getattr(project_urls, handler))
    import sys

    sys.modules["test_error_urls"] = module
    settings.ROOT_URLCONF = "test_error_urls"
    clear_url_caches()
    yield
    clear_url_caches()
