"""The REST endpoints of docs/api.md: shapes, refusals (400 with field errors, 404 for what the
caller may not see, 409 with status and allowed actions), and constant query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access_requests import services
from access_requests.models import AccessRequest, Document
from audit.models import AuditEvent
from tests.access_requests.conftest import last_event

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def post(client, path, body=None):
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def draft(researcher1, make_dataset):
    return services.access_request_create(
        applicant=researcher1,
        data={"title": "A draft", "datasets": [make_dataset().accession]},
        actor=researcher1,
    )


def test_post_creates_a_draft_and_answers_201_with_its_reference(
    researcher1, api_client_for, make_dataset
):
    dataset = make_dataset()
    response = post(
        api_client_for(researcher1),
        "/api/v1/requests/",
        {"title": "Blood pressure", "datasets": [dataset.accession]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("DAR-") and body["status"] == "draft"
    assert body["datasets"][0]["accession"] == dataset.accession
    assert body["allowed_actions"] == [
        "add_document",
        "file_ethics_approval",
        "submit",
        "update",
        "withdraw",
    ]
    assert body["applicant"]["id"] == str(researcher1.public_id)
    assert last_event("access_request.created", body["reference"]) is not None


def test_the_list_shows_only_the_callers_requests(researcher1, researcher2, api_client_for, draft):
    mine = api_client_for(researcher1).get("/api/v1/requests/").json()
    assert draft.reference in [r["reference"] for r in mine["results"]]
    theirs = api_client_for(researcher2).get("/api/v1/requests/").json()
    assert draft.reference not in [r["reference"] for r in theirs["results"]]


def test_the_list_filters_by_status(researcher1, api_client_for, draft):
    client = api_client_for(researcher1)
    drafts = client.get("/api/v1/requests/?status=draft").json()["results"]
    assert drafts and {r["status"] for r in drafts} == {"draft"}
    assert draft.reference not in [
        r["reference"] for r in client.get("/api/v1/requests/?status=approved").json()["results"]
    ]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("post", "submit/"),
        ("post", "withdraw/"),
        ("post", "resubmit/"),
        ("post", "endorse/"),
        ("get", "status/"),
        ("get", "events/"),
        ("post", "documents/"),
    ],
)
def test_someone_elses_request_is_404_never_403(
    researcher2, official1, api_client_for, draft, method, suffix
):
    path = f"/api/v1/requests/{draft.reference}/{suffix}"
    for user in (researcher2, official1):  # the official may not see a draft either
        client = api_client_for(user)
        if method == "get":
            response = client.get(path)
        elif method == "patch":
            response = patch(client, path, {"title": "x"})
        else:
            response = post(client, path)
        assert response.status_code == 404, (user, response.content)
        assert response.json()["error"]["code"] == "not_found"
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.title == "A draft"


def test_an_unknown_reference_is_404(researcher1, api_client_for):
    assert api_client_for(researcher1).get("/api/v1/requests/DAR-1999-000001/").status_code == 404


def test_patch_edits_a_draft(researcher1, api_client_for, draft):
    response = patch(
        api_client_for(researcher1),
        f"/api/v1/requests/{draft.reference}/",
        {"title": "Better", "attestations": {"security_measures": True}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Better"
    assert response.json()["attestations"]["security_measures"] is True


def test_an_illegal_transition_is_409_with_status_and_allowed_actions(
    researcher1, api_client_for, draft
):
    client = api_client_for(researcher1)
    assert post(client, f"/api/v1/requests/{draft.reference}/withdraw/").status_code == 200
    count = AuditEvent.objects.count()
    response = post(client, f"/api/v1/requests/{draft.reference}/resubmit/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["details"]["status"] == "withdrawn"
    assert error["details"]["allowed_actions"] == []
    assert AuditEvent.objects.count() == count


def test_resubmitting_a_draft_is_409_listing_what_can_be_done(researcher1, api_client_for, draft):
    response = post(api_client_for(researcher1), f"/api/v1/requests/{draft.reference}/resubmit/")
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {
        "status": "draft",
        "action": "resubmit",
        "allowed_actions": [
            "add_document",
            "file_ethics_approval",
            "submit",
            "update",
            "withdraw",
        ],
    }


def test_an_incomplete_draft_is_refused_with_field_errors(researcher1, api_client_for, draft):
    response = post(api_client_for(researcher1), f"/api/v1/requests/{draft.reference}/submit/")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {"lay_summary", "research_use_statement", "purpose", "attestations"} <= set(details)


def test_withdraw_accepts_a_reason_and_refuses_unknown_fields(researcher1, api_client_for, draft):
    client = api_client_for(researcher1)
    bad = post(client, f"/api/v1/requests/{draft.reference}/withdraw/", {"why": "x"})
    assert bad.status_code == 400
    ok = post(client, f"/api/v1/requests/{draft.reference}/withdraw/", {"reason": "Funding"})
    assert ok.status_code == 200 and ok.json()["status"] == "withdrawn"


# -- junk of every JSON type to every field ------------------------------------------------

JUNK = [None, True, 0, 1.5, "text", [], {}, [1], {"a": 1}]
# For each field, the junk values that are of its right type and so not junk for it.
RIGHT_TYPE = {
    "title": ["text"],
    "lay_summary": ["text"],
    "research_use_statement": ["text"],
    "purpose": [{}],  # an empty purpose is general research
    "datasets": [[]],
    "collaborators": [[]],
    "attestations": [{}],
}
CASES = [
    (field, value)
    for field in RIGHT_TYPE
    for value in JUNK
    if not any(value == ok and type(value) is type(ok) for ok in RIGHT_TYPE[field])
]


@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}={v!r}" for f, v in CASES])
def test_junk_in_any_field_is_a_400_and_stores_nothing(
    researcher1, api_client_for, make_dataset, draft, field, value
):
    client = api_client_for(researcher1)
    body = {"title": "Junk test", "datasets": [make_dataset().accession], field: value}
    requests_before = AccessRequest.objects.count()
    events_before = AuditEvent.objects.count()
    created = post(client, "/api/v1/requests/", body)
    assert created.status_code == 400, (field, value, created.content)
    assert field in created.json()["error"]["details"]
    patched = patch(client, f"/api/v1/requests/{draft.reference}/", {field: value})
    assert patched.status_code == 400, (field, value, patched.content)
    assert AccessRequest.objects.count() == requests_before
    assert AuditEvent.objects.count() == events_before
    draft.refresh_from_db()
    assert draft.title == "A draft"


@pytest.mark.parametrize("body", [None, True, 1, "x", [], [{"title": "x"}]])
def test_a_body_that_is_not_an_object_is_a_400(researcher1, api_client_for, draft, body):
    client = api_client_for(researcher1)
    raw = json.dumps(body)
    assert client.post("/api/v1/requests/", raw, content_type="application/json").status_code == 400
    assert (
        client.patch(
            f"/api/v1/requests/{draft.reference}/", raw, content_type="application/json"
        ).status_code
        == 400
    )


def test_unknown_fields_and_malformed_json_are_400(researcher1, api_client_for, draft):
    client = api_client_for(researcher1)
    assert post(client, "/api/v1/requests/", {"datasets": [], "colour": "red"}).status_code == 400
    broken = client.post("/api/v1/requests/", "{not json", content_type="application/json")
    assert broken.status_code == 400


# -- status and events ---------------------------------------------------------------------


def test_status_answers_the_polled_shape_in_at_most_4_queries(
    researcher1, api_client_for, draft, django_assert_max_num_queries
):
    client = api_client_for(researcher1)
    client.get(f"/api/v1/requests/{draft.reference}/status/")  # token last_used touched once
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/requests/{draft.reference}/status/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"reference", "status", "outcome", "updated_at", "datasets"}
    assert body["status"] == "draft"
    assert body["datasets"] == [
        {
            "accession": draft.requested_datasets.get().dataset.accession,
            "decision": None,
            "consent_result": None,
        }
    ]


def test_status_costs_the_same_for_a_committee_member(
    researcher1, member1, api_client_for, draft, django_assert_max_num_queries
):
    AccessRequest.objects.filter(pk=draft.pk).update(
        status="under_review", routed_at=draft.created_at
    )
    client = api_client_for(member1)
    client.get(f"/api/v1/requests/{draft.reference}/status/")
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/requests/{draft.reference}/status/")
    assert response.status_code == 200


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


def test_a_list_page_costs_the_same_queries_for_10_and_100_rows(
    researcher1, api_client_for, make_dataset
):
    for _ in range(100):
        services.access_request_create(
            applicant=researcher1,
            data={"datasets": [make_dataset().accession, make_dataset().accession]},
            actor=researcher1,
        )
    client = api_client_for(researcher1)
    client.get("/api/v1/requests/")
    small, small_body = _queries(client, "/api/v1/requests/?page_size=10")
    large, large_body = _queries(client, "/api/v1/requests/?page_size=100")
    assert len(small_body["results"]) == 10 and len(large_body["results"]) == 100
    assert small == large


def test_events_show_the_timeline_and_hide_committee_notes_from_the_applicant(
    researcher1, member1, api_client_for, draft
):
    from django.db import transaction

    from audit.services import audit_record

    AccessRequest.objects.filter(pk=draft.pk).update(
        status="under_review", routed_at=draft.created_at
    )
    with transaction.atomic():
        audit_record(
            actor=member1, action="access_request.vote_cast", target=draft, data={"vote": "approve"}
        )
        audit_record(
            actor=member1,
            action="access_request.updated",
            target=draft,
            data={"committee_only": True, "note": "between us"},
        )
    mine = api_client_for(researcher1).get(f"/api/v1/requests/{draft.reference}/events/").json()
    actions = [e["action"] for e in mine["results"]]
    assert actions == ["access_request.created"]
    theirs = api_client_for(member1).get(f"/api/v1/requests/{draft.reference}/events/").json()
    assert [e["action"] for e in theirs["results"]] == [
        "access_request.created",
        "access_request.vote_cast",
        "access_request.updated",
    ]


# -- documents -----------------------------------------------------------------------------


def _upload(client, reference, content, name="ethics.pdf", kind="ethics_approval"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/requests/{reference}/documents/",
        {"file": SimpleUploadedFile(name, content), "kind": kind},
        format="multipart",
    )


def test_a_pdf_is_stored_encrypted_and_downloaded_as_an_attachment(
    researcher1, researcher2, api_client_for, draft
):
    client = api_client_for(researcher1)
    response = _upload(client, draft.reference, PDF_BYTES, name="../../etc/Ethics approval.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "application/pdf" and body["filename"] == "Ethics approval.pdf"
    stored = Document.objects.get(public_id=body["id"])
    assert PDF_BYTES not in bytes(stored.ciphertext)
    event = last_event("access_request.document_added", draft.reference)
    assert event.data["sha256"] == stored.sha256
    download = client.get(body["url"])
    assert download.status_code == 200
    assert download.content == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment;")
    assert api_client_for(researcher2).get(body["url"]).status_code == 404


def test_a_file_that_only_claims_to_be_a_pdf_is_refused(researcher1, api_client_for, draft):
    response = _upload(api_client_for(researcher1), draft.reference, b"<html>hi</html>")
    assert response.status_code == 400
    assert not Document.objects.filter(access_request=draft).exists()


def test_a_docx_is_recognised_by_its_content(researcher1, api_client_for, draft):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    response = _upload(
        api_client_for(researcher1), draft.reference, buffer.getvalue(), name="p.bin"
    )
    assert response.status_code == 201
    assert response.json()["filename"] == "p.docx"


def test_a_too_large_upload_is_413(researcher1, api_client_for, draft, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    response = _upload(api_client_for(researcher1), draft.reference, PDF_BYTES + b"x" * 200)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Document.objects.filter(access_request=draft).exists()


def test_an_unknown_document_is_404(researcher1, api_client_for, draft):
    client = api_client_for(researcher1)
    for doc_id in ("not-a-uuid", "2f1f7f3e-0000-4000-8000-000000000000"):
        assert (
            client.get(f"/api/v1/requests/{draft.reference}/documents/{doc_id}/").status_code == 404
        )


# -- the journey over REST (consent evaluation) --------------------------------------------


def test_submit_and_endorse_over_rest(researcher1, official1, api_client_for, complete_data):
    client = api_client_for(researcher1)
    created = post(client, "/api/v1/requests/", complete_data()).json()
    ref = created["reference"]
    submitted = post(client, f"/api/v1/requests/{ref}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["datasets"][0]["consent_result"] == "compatible"
    official = api_client_for(official1)
    assert official.get(f"/api/v1/requests/{ref}/").json()["allowed_actions"] == ["endorse"]
    endorsed = post(official, f"/api/v1/requests/{ref}/endorse/")
    assert endorsed.status_code == 200 and endorsed.json()["status"] == "under_review"
    status = client.get(f"/api/v1/requests/{ref}/status/").json()
    assert status["status"] == "under_review"
    assert status["datasets"][0]["consent_result"] == "compatible"


def test_an_incompatible_dataset_is_a_400_naming_its_reasons(
    researcher1, api_client_for, make_dataset, complete_data
):
    poa = make_dataset(permission="POA")
    client = api_client_for(researcher1)
    ref = post(client, "/api/v1/requests/", complete_data(datasets=[poa.accession])).json()[
        "reference"
    ]
    response = post(client, f"/api/v1/requests/{ref}/submit/")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "consent_incompatible"
    assert error["details"]["datasets"][poa.accession]["reasons"]
    assert client.get(f"/api/v1/requests/{ref}/status/").json()["status"] == "draft"
