"""Findings come back (issue 21; WHO 3.3 and 3.7): the holder reports findings and DOIs
with a progress report or the close-out, and the grant's committee publishes them on the
public register, or withdraws them."""

from __future__ import annotations

import pytest

from agreements import doi, services
from agreements.models import Findings, ProgressReport
from dac_portal.errors import InvalidTransition, PermissionDenied, ValidationError
from tests.agreements.conftest import events

pytestmark = pytest.mark.django_db

FINDINGS = {
    "summary": "Risk scores work as well across ancestries when weighted for them.",
    "publications": ["https://doi.org/10.1234/ABC.5678", "doi:10.98765/x-1"],
    "return_of_results": "A leaflet for the community advisory board.",
}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10.1234/abc", "10.1234/abc"),
        ("https://doi.org/10.1234/ABC.def", "10.1234/abc.def"),
        ("http://dx.doi.org/10.123456789/x", "10.123456789/x"),
        ("DOI:10.5555/Demo", "10.5555/demo"),
        ("  doi: 10.5555/demo  ", "10.5555/demo"),
    ],
)
def test_a_doi_is_stored_bare_and_in_lower_case(typed, stored):
    assert doi.normalise_doi(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["10.123/abc", "10.1234567890/abc", "10.1234/", "11.1234/abc", "10.1234/a b", "paper 1", ""],
)
def test_what_is_not_a_doi_is_refused(typed):
    assert doi.normalise_doi(typed) is None


def test_a_report_with_findings_stores_them_normalised_and_audits_them(active_grant, researcher1):
    report = services.progress_report_submit(
        grant=active_grant, actor=researcher1, summary="Year one.", findings=FINDINGS
    )
    findings = Findings.objects.get(progress_report=report)
    assert findings.grant == active_grant
    assert findings.dois == ["10.1234/abc.5678", "10.98765/x-1"]
    assert findings.summary == FINDINGS["summary"]
    assert findings.status == "submitted" and findings.published_at is None
    (event,) = events("grant.progress_reported", object_id=active_grant.reference)
    assert event.data["findings"]["dois"] == ["10.1234/abc.5678", "10.98765/x-1"]


def test_findings_are_optional_in_a_report(active_grant, researcher1):
    services.progress_report_submit(grant=active_grant, actor=researcher1, summary="Year one.")
    assert not Findings.objects.filter(grant=active_grant).exists()
    assert ProgressReport.objects.filter(grant=active_grant).count() == 1


def test_a_bad_doi_refuses_the_report_naming_it_and_writes_nothing(active_grant, researcher1):
    bad = {**FINDINGS, "publications": ["10.1234/fine", "not-a-doi"]}
    with pytest.raises(ValidationError) as refused:
        services.progress_report_submit(
            grant=active_grant, actor=researcher1, summary="Year one.", findings=bad
        )
    assert "not-a-doi" in str(refused.value)
    assert not ProgressReport.objects.filter(grant=active_grant).exists()
    assert not Findings.objects.filter(grant=active_grant).exists()
    assert not events("grant.progress_reported", object_id=active_grant.reference)


def test_the_report_api_takes_findings_and_refuses_a_bad_doi_with_400(
    active_grant, researcher1, api_client_for
):
    api = api_client_for(researcher1)
    url = f"/api/v1/grants/{active_grant.reference}/progress-reports/"
    bad = api.post(
        url,
        {"summary": "Y1", "findings": {**FINDINGS, "publications": ["10.12/short"]}},
        format="json",
    )
    assert bad.status_code == 400
    assert "10.12/short" in str(bad.json()["error"])
    assert not ProgressReport.objects.filter(grant=active_grant).exists()

    ok = api.post(url, {"summary": "Y1", "findings": FINDINGS}, format="json")
    assert ok.status_code == 201
    body = ok.json()
    assert body["findings"]["publications"] == ["10.1234/abc.5678", "10.98765/x-1"]
    assert body["findings"]["status"] == "submitted"


def test_the_old_report_body_still_works(active_grant, researcher1, api_client_for):
    api = api_client_for(researcher1)
    url = f"/api/v1/grants/{active_grant.reference}/progress-reports/"
    ok = api.post(url, {"summary": "Y1", "publications": "Paper 1"}, format="json")
    assert ok.status_code == 201
    assert ok.json()["publications"] == "Paper 1"
    assert ok.json()["findings"] is None


def test_at_close_out_the_holder_gives_findings_or_says_there_are_none_yet(
    active_grant, researcher1, official1
):
    with pytest.raises(ValidationError):
        services.grant_attest_destruction(
            grant=active_grant,
            actor=researcher1,
            statement="Wiped.",
            findings={"publications": ["10.1234/abc"]},
        )
    assert not Findings.objects.filter(grant=active_grant).exists()
    services.grant_attest_destruction(
        grant=active_grant,
        actor=researcher1,
        statement="Wiped.",
        findings={"no_findings_yet": True},
    )
    assert not Findings.objects.filter(grant=active_grant).exists()
    (event,) = events("grant.closeout_attested", object_id=active_grant.reference)
    assert event.data["findings"]["no_findings_yet"] is True


def test_close_out_findings_are_stored_with_the_holders_attestation(active_grant, researcher1):
    close_out = services.grant_attest_destruction(
        grant=active_grant, actor=researcher1, statement="Wiped.", findings=FINDINGS
    )
    assert Findings.objects.get(close_out=close_out).dois[0] == "10.1234/abc.5678"


@pytest.fixture
def findings(active_grant, researcher1):
    report = services.progress_report_submit(
        grant=active_grant, actor=researcher1, summary="Year one.", findings=FINDINGS
    )
    return Findings.objects.get(progress_report=report)


def test_the_chair_publishes_and_withdraws_findings_each_audited(findings, chair1):
    published = services.findings_publish(findings=findings, actor=chair1)
    assert published.status == "published" and published.published_by == chair1
    (event,) = events("findings.published", object_id=str(findings.public_id))
    assert event.actor == chair1
    assert event.data["grant"] == findings.grant.reference
    with pytest.raises(InvalidTransition):
        services.findings_publish(findings=findings, actor=chair1)
    withdrawn = services.findings_unpublish(findings=findings, actor=chair1)
    assert withdrawn.status == "submitted" and withdrawn.published_at is None
    assert events("findings.unpublished", object_id=str(findings.public_id))


def test_a_steward_publishes_too(findings, steward1):
    assert services.findings_publish(findings=findings, actor=steward1).status == "published"


@pytest.mark.parametrize("who", ["researcher1", "member1", "official1"])
def test_the_holder_a_member_or_the_official_may_not_publish(findings, who, demo_user):
    with pytest.raises(PermissionDenied):
        services.findings_publish(findings=findings, actor=demo_user(who))
    assert not events("findings.published", object_id=str(findings.public_id))


def test_the_publication_api_answers_the_chair_and_refuses_others(
    findings, chair1, researcher1, researcher2, api_client_for
):
    url = f"/api/v1/grants/{findings.grant.reference}/findings/{findings.public_id}/publication/"
    assert api_client_for(researcher1).post(url).status_code == 403
    assert api_client_for(researcher2).post(url).status_code == 404
    ok = api_client_for(chair1).post(url)
    assert ok.status_code == 200 and ok.json()["status"] == "published"
    assert api_client_for(researcher1).delete(url).status_code == 403
    gone = api_client_for(chair1).delete(url)
    assert gone.status_code == 200 and gone.json()["status"] == "submitted"
    unknown = url.replace(str(findings.public_id), "00000000-0000-4000-8000-000000000000")
    assert api_client_for(chair1).post(unknown).status_code == 404


def test_the_grant_page_offers_the_chair_a_publish_button_and_shows_the_holder_the_state(
    findings, chair1, researcher1, client
):
    grant = findings.grant
    client.force_login(researcher1)
    page = client.get(f"/grants/{grant.reference}/").content.decode()
    assert "Not published" in page
    assert 'href="https://doi.org/10.1234/abc.5678"' in page
    assert "Publish on the public register" not in page
    action = f"/grants/{grant.reference}/findings/{findings.public_id}/publish/"
    assert client.post(action).status_code == 403

    client.force_login(chair1)
    page = client.get(f"/grants/{grant.reference}/").content.decode()
    assert "Publish on the public register" in page and action in page
    response = client.post(action)
    assert response.status_code == 302
    findings.refresh_from_db()
    assert findings.status == "published"
    page = client.get(f"/grants/{grant.reference}/").content.decode()
    assert "Withdraw from the public register" in page
    assert "Findings published on the public register" in page  # the history, in words


def test_the_report_form_names_a_bad_doi_and_keeps_what_was_typed(
    active_grant, researcher1, client
):
    client.force_login(researcher1)
    response = client.post(
        f"/grants/{active_grant.reference}/actions/report/",
        {
            "report-summary": "Year one went well.",
            "report-findings_summary": "We found things.",
            "report-findings_publications": "10.1234/good\nbad-doi",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not a DOI: bad-doi" in page
    assert "Year one went well." in page and "We found things." in page
    assert not ProgressReport.objects.filter(grant=active_grant).exists()

    response = client.post(
        f"/grants/{active_grant.reference}/actions/report/",
        {
            "report-summary": "Year one went well.",
            "report-findings_summary": "We found things.",
            "report-findings_publications": "https://doi.org/10.1234/Good",
        },
    )
    assert response.status_code == 302
    assert Findings.objects.get(grant=active_grant).dois == ["10.1234/good"]


def test_the_holders_close_out_form_asks_for_findings_and_the_officials_does_not(
    active_grant, researcher1, official1, client
):
    url = f"/grants/{active_grant.reference}/actions/attest_destruction/"
    client.force_login(researcher1)
    refused = client.post(url, {"attest_destruction-statement": "Wiped."})
    assert refused.status_code == 400
    assert "tick that there are none yet" in refused.content.decode()
    done = client.post(
        url,
        {"attest_destruction-statement": "Wiped.", "attest_destruction-findings_none_yet": "on"},
    )
    assert done.status_code == 302
    client.force_login(official1)
    page = client.get(f"/grants/{active_grant.reference}/").content.decode()
    assert "attest_destruction-findings_summary" not in page
    assert client.post(url, {"attest_destruction-statement": "Confirmed."}).status_code == 302
