"""GET /api/v1/audit/events/ (filters, keyset pagination, 400 on junk) and the streamed
export with its manifest."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from accounts.audit_actions import AccountAudit
from audit import export
from audit.audit_actions import LogAudit
from audit.models import AuditEvent, ChainHead
from audit.services import audit_record

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events/"


@pytest.fixture
def auditor_api(api_client_for, auditor1):
    return api_client_for(auditor1)


def test_auditors_read_events_in_seq_order_from_the_start(auditor_api) -> None:
    response = auditor_api.get(EVENTS, {"limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert [e["seq"] for e in body["results"]] == [1, 2, 3]
    first = body["results"][0]
    assert set(first) == {
        "seq",
        "occurred_at",
        "action",
        "actor",
        "object",
        "data",
        "client_ip",
        "request_id",
        "prev_hash",
        "hash",
    }
    assert first["occurred_at"].endswith("Z")
    assert "after_seq=3" in body["next"] and "limit=3" in body["next"]


def test_following_next_walks_the_whole_log_without_repeats(auditor_api) -> None:
    seen: list[int] = []
    url: str | None = f"{EVENTS}?limit=7"
    while url:
        body = auditor_api.get(url).json()
        seen.extend(e["seq"] for e in body["results"])
        url = body["next"]
    head = ChainHead.objects.get(pk=1).seq
    # Reading the log through a token writes api_token events; it never skips one.
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= head


def test_the_list_query_count_does_not_grow_with_the_page(
    auditor_api, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(8):
        small = auditor_api.get(EVENTS, {"limit": 2})
    with django_assert_max_num_queries(8):
        large = auditor_api.get(EVENTS, {"limit": 200})
    assert small.status_code == large.status_code == 200


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"action": "user.created"}, lambda e: e["action"] == "user.created"),
        (
            {"object": "committee:genomics-dac"},
            lambda e: e["object"] == {"type": "committee", "id": "genomics-dac"},
        ),
        ({"actor": "system:setup"}, lambda e: e["actor"] == "system:setup"),
        ({"from": "2000-01-01", "to": "2999-12-31"}, lambda e: True),
        ({"after_seq": "5"}, lambda e: e["seq"] > 5),
    ],
)
def test_filters_narrow_the_list(auditor_api, params, check) -> None:
    response = auditor_api.get(EVENTS, params)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and all(check(e) for e in results)


def test_the_actor_filter_finds_a_person_s_events(auditor_api, researcher1) -> None:
    with transaction.atomic():
        audit_record(actor=researcher1, action=AccountAudit.USER_LOGIN, target=researcher1)
    results = auditor_api.get(EVENTS, {"actor": "researcher1"}).json()["results"]
    assert results and {e["actor"] for e in results} == {"researcher1"}
    assert auditor_api.get(EVENTS, {"actor": "no-such-user"}).json()["results"] == []


def test_a_time_window_in_the_past_is_empty(auditor_api) -> None:
    body = auditor_api.get(EVENTS, {"to": "1999-12-31"}).json()
    assert body == {"results": [], "next": None, "limit": 50}


@pytest.mark.parametrize(
    "params",
    [
        {"after_seq": "x"},
        {"after_seq": "-1"},
        {"after_seq": "99999999999999999999999"},
        {"limit": "0"},
        {"limit": "201"},
        {"action": "not.an.action"},
        {"object": "no-colon"},
        {"object": ":id"},
        {"from": "yesterday"},
        {"to": "2026-02-30"},
        {"from": "2026-02-02", "to": "2026-02-01"},
        {"before_seq": "3"},
        {"to": "9999-12-31"},
        {"object": "user:a\x00b"},
        {"actor": "x\x00"},
        {"from": "2026-01-01\x00"},
    ],
)
def test_junk_filters_are_a_400_naming_the_parameter(auditor_api, params) -> None:
    response = auditor_api.get(EVENTS, params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["details"]


def test_people_without_the_auditor_role_get_403_and_visitors_401(
    api_client_for, researcher1, chair1, anonymous_api
) -> None:
    assert api_client_for(researcher1).get(EVENTS).status_code == 403
    assert api_client_for(chair1).get("/api/v1/audit/export/?format=csv").status_code == 403
    assert anonymous_api.get(EVENTS).status_code == 401


def test_administrators_read_the_log_too(api_client_for, admin) -> None:
    assert api_client_for(admin).get(EVENTS).status_code == 200


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_export_streams_and_its_manifest_verifies_it(auditor_api, tmp_path, fmt) -> None:
    response = auditor_api.get("/api/v1/audit/export/", {"format": fmt})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith(export.CONTENT_TYPES[fmt].split(";")[0])
    through = int(response["X-Audit-Through-Seq"])
    link = response["Link"]
    assert 'rel="describedby"' in link and f"through_seq={through}" in link
    content = _body(response)
    # The download is audited before it starts.
    exported = AuditEvent.objects.filter(action=LogAudit.AUDIT_EXPORTED).order_by("-seq")[0]
    assert exported.actor_label == "auditor1" and exported.data["through_seq"] == through

    manifest_url = link[link.index("<") + 1 : link.index(">")]
    manifest_response = auditor_api.get(manifest_url)
    assert manifest_response.status_code == 200
    manifest = json.loads(manifest_response.content)
    assert manifest["last_seq"] == through and manifest["format"] == fmt
    path = tmp_path / manifest["file"]
    path.write_bytes(content)
    (tmp_path / (manifest["file"] + ".manifest.json")).write_bytes(manifest_response.content)
    assert export.verify_export(path)["row_count"] == through


def test_a_junk_export_request_is_a_400_before_anything_streams(auditor_api) -> None:
    for params in (
        {"format": "xml"},
        {},
        {"format": "csv", "from": "junk"},
        {"format": "csv", "through_seq": "-2"},
    ):
        response = auditor_api.get("/api/v1/audit/export/", params)
        assert response.status_code == 400, params
        assert not response.streaming
        assert response.json()["error"]["code"] == "invalid"
