"""The pages, through Django's test client: what each shows, and that every refusal
re-renders with the reason and changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from access_requests import services
from access_requests.models import AccessRequest, Document
from audit.models import AuditEvent
from tests.access_requests.conftest import ALL_ATTESTATIONS

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def browser_of(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def _form_data(dataset, **extra):
    data = {
        "title": "Page request",
        "lay_summary": "Plain words.",
        "research_use_statement": "Methods.",
        "datasets": [dataset.accession],
        "purpose_hmb": "on",
        "purpose_genetic_studies": "on",
        "action": "save",
    }
    data.update({f"attest_{key}": "on" for key in ALL_ATTESTATIONS})
    data.update(extra)
    return data


def test_my_requests_lists_status_next_step_and_due_date(browser_of, researcher1):
    page = browser_of(researcher1).get("/requests/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Germline risk variants in breast cancer" in html
    assert "The committee reviews it." in html
    assert "Start a new request" in html


def test_an_official_sees_what_awaits_their_endorsement(browser_of, official1):
    html = browser_of(official1).get("/requests/").content.decode()
    assert "Awaiting your endorsement" in html
    assert "Pharmacogenomics of antihypertensive response" in html


def test_the_form_saves_a_draft_with_its_document(browser_of, researcher1, make_dataset):
    dataset = make_dataset()
    data = _form_data(
        dataset, document_kind="ethics_approval", document=SimpleUploadedFile("ethics.pdf", PDF)
    )
    response = browser_of(researcher1).post("/requests/new/", data)
    assert response.status_code == 302
    created = AccessRequest.objects.get(applicant=researcher1, title="Page request")
    assert created.purpose["hmb"] is True
    assert created.attestations() == dict.fromkeys(ALL_ATTESTATIONS, True)
    assert Document.objects.get(access_request=created).kind == "ethics_approval"


def test_a_refused_document_saves_nothing_at_all(browser_of, researcher1, make_dataset):
    dataset = make_dataset()
    client = browser_of(researcher1)
    events = AuditEvent.objects.count()
    data = _form_data(dataset, document=SimpleUploadedFile("ethics.pdf", b"<html>no</html>"))
    response = client.post("/requests/new/", data)
    assert response.status_code == 400
    assert "Not a PDF, ODT or DOCX" in response.content.decode()
    assert not AccessRequest.objects.filter(title="Page request").exists()
    assert AuditEvent.objects.count() == events


def test_an_unknown_disease_code_is_shown_on_the_diseases_question(
    browser_of, researcher1, make_dataset
):
    data = _form_data(make_dataset(), diseases="DOID:0000000000")
    response = browser_of(researcher1).post("/requests/new/", data)
    assert response.status_code == 400
    assert "DOID:0000000000" in response.content.decode()
    assert not AccessRequest.objects.filter(title="Page request").exists()


def test_check_consent_without_javascript_shows_results_and_saves_nothing(
    browser_of, researcher1, make_dataset
):
    dataset = make_dataset(permission="POA")
    data = _form_data(dataset, action="check")
    response = browser_of(researcher1).post("/requests/new/", data)
    assert response.status_code == 200
    assert "result--incompatible" in response.content.decode()
    assert not AccessRequest.objects.filter(title="Page request").exists()


def test_the_live_check_answers_a_fragment(browser_of, researcher1, make_dataset):
    dataset = make_dataset()
    response = browser_of(researcher1).post(
        "/requests/consent-check/", {"datasets": [dataset.accession], "purpose_hmb": "on"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "result--compatible" in html


def test_submitting_an_incompatible_request_shows_the_reasons(
    browser_of, researcher1, make_dataset, complete_data
):
    poa = make_dataset(permission="POA")
    draft = services.access_request_create(
        applicant=researcher1, data=complete_data(datasets=[poa.accession]), actor=researcher1
    )
    response = browser_of(researcher1).post(f"/requests/{draft.reference}/actions/submit/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The request was not sent" in html and poa.accession in html
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_submitting_from_the_page_moves_the_request_on(browser_of, researcher1, complete_data):
    draft = services.access_request_create(
        applicant=researcher1, data=complete_data(), actor=researcher1
    )
    client = browser_of(researcher1)
    response = client.post(f"/requests/{draft.reference}/actions/submit/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    detail = client.get(f"/requests/{draft.reference}/").content.decode()
    assert "Withdraw request" in detail and "Submit request" not in detail
    assert "Request created" in detail and "— Request submitted (Amina Odhiambo)" in detail


def test_an_unknown_page_action_is_404(browser_of, researcher1, complete_data):
    draft = services.access_request_create(
        applicant=researcher1, data=complete_data(), actor=researcher1
    )
    response = browser_of(researcher1).post(f"/requests/{draft.reference}/actions/decide/")
    assert response.status_code == 404


def test_documents_upload_and_download_from_the_request_page(
    browser_of, researcher1, researcher2, complete_data
):
    draft = services.access_request_create(
        applicant=researcher1, data=complete_data(), actor=researcher1
    )
    client = browser_of(researcher1)
    response = client.post(
        f"/requests/{draft.reference}/documents/",
        {"kind": "protocol", "file": SimpleUploadedFile("protocol.pdf", PDF)},
    )
    assert response.status_code == 302
    document = Document.objects.get(access_request=draft)
    download = client.get(f"/requests/{draft.reference}/documents/{document.public_id}/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Disposition"] == 'attachment; filename="protocol.pdf"'
    client.force_login(researcher2)
    assert (
        client.get(f"/requests/{draft.reference}/documents/{document.public_id}/").status_code
        == 404
    )


def test_a_too_large_upload_on_the_page_is_413(browser_of, researcher1, complete_data, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    draft = services.access_request_create(
        applicant=researcher1, data=complete_data(), actor=researcher1
    )
    response = browser_of(researcher1).post(
        f"/requests/{draft.reference}/documents/",
        {"kind": "protocol", "file": SimpleUploadedFile("protocol.pdf", PDF)},
    )
    assert response.status_code == 413
    assert not Document.objects.filter(access_request=draft).exists()


def test_an_approved_requests_page_links_to_its_agreement(client):
    from access_requests.models import AccessRequest

    approved = AccessRequest.objects.filter(status="approved").select_related("applicant").first()
    assert approved is not None, "the demo data has an approved request"
    client.force_login(approved.applicant)
    html = client.get(f"/requests/{approved.reference}/").content.decode()
    assert f'href="/requests/{approved.reference}/agreement/"' in html


def test_a_dataset_already_open_comes_back_at_the_picker_with_every_entry_kept(
    browser_of, researcher1, make_dataset
):
    dataset = make_dataset()
    c = browser_of(researcher1)
    assert c.post("/requests/new/", _form_data(dataset)).status_code == 302
    first = AccessRequest.objects.filter(applicant=researcher1).latest("created_at")
    events = AuditEvent.objects.count()
    response = c.post(
        "/requests/new/",
        _form_data(dataset, title="KEPT-TITLE", lay_summary="KEPT-SUMMARY"),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "KEPT-TITLE" in html and "KEPT-SUMMARY" in html
    assert f"You already have an open request for {dataset.accession}" in html
    assert (
        f'<p class="field-error">You already have an open request for {dataset.accession}' in html
    )
    assert AuditEvent.objects.count() == events
    # The picker marks the dataset as taken, with the way to the open request.
    picker = c.get("/requests/new/").content.decode()
    row = picker.split(f'data-dataset="{dataset.accession}"')[1].split("</div>")[0]
    assert "disabled" in row and f"/requests/{first.reference}/" in row


def test_the_picker_shows_each_datasets_consent_in_words(browser_of, researcher1, make_dataset):
    dataset = make_dataset()
    html = browser_of(researcher1).get("/requests/new/").content.decode()
    row = html.split(f'data-dataset="{dataset.accession}"')[1].split("</div>")[0]
    assert "Consent: Use allowed only for health, medical or biomedical research" in row


def test_request_access_on_a_dataset_page_starts_a_request_with_it(
    browser_of, researcher1, make_dataset
):
    dataset = make_dataset()
    c = browser_of(researcher1)
    page = c.get(f"/datasets/{dataset.accession}/").content.decode()
    assert f"/requests/new/?dataset={dataset.accession}" in page
    form = c.get(f"/requests/new/?dataset={dataset.accession}").content.decode()
    row = form.split(f'data-dataset="{dataset.accession}"')[1].split("</div>")[0]
    assert "checked" in row
