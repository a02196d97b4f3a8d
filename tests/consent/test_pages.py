"""The catalogue and steward pages, server-rendered and usable without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from consent.models import ConsentScope, ConsentWithdrawal, Dataset, Study

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_public_catalogue_lists_and_filters_datasets() -> None:
    page = Client().get("/datasets/?permission=DS&disease=DOID:1612").content.decode()
    assert "DACD000004" in page and "DACD000006" not in page
    assert "Use allowed only for research on cancer" in page


def test_a_dataset_page_shows_current_and_earlier_consent_versions() -> None:
    page = Client().get("/datasets/DACD000006/").content.decode()
    assert "Use allowed only for research on diabetes mellitus" in page
    assert "Earlier consent versions" in page
    assert "Use allowed only for health, medical or biomedical research" in page


def test_a_steward_records_a_consent_version_through_the_form(steward1: Any) -> None:
    client = client_for(steward1)
    response = client.post(
        "/steward/datasets/DACD000004/consent/",
        {
            "permission": "DS",
            "diseases": "DOID:1612",
            "modifiers": "NCU, DUO:0000021, GS, MOR",
            "gs_region": "Europe",
            "mor_date": "2027-06-30",
            "note": "Re-consent",
        },
        follow=True,
    )
    assert response.status_code == 200
    scope = ConsentScope.objects.get(dataset__accession="DACD000004", version=2)
    assert scope.modifiers == [
        {"code": "NCU"},
        {"code": "IRB"},
        {"code": "GS", "region": "Europe"},
        {"code": "MOR", "date": "2027-06-30"},
    ]
    page = response.content.decode()
    assert "Use allowed only for research on breast cancer, non-commercial" in page
    assert "only within Europe" in page


def test_a_bad_consent_form_comes_back_with_every_problem(steward1: Any) -> None:
    response = client_for(steward1).post(
        "/steward/datasets/DACD000004/consent/",
        {"permission": "XYZ", "diseases": "DOID:424242", "modifiers": "QQ"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    for name in ("XYZ", "DOID:424242", "QQ"):
        assert name in page
    assert ConsentScope.objects.filter(dataset__accession="DACD000004").count() == 1


def test_a_steward_registers_a_study_and_a_dataset(steward1: Any) -> None:
    client = client_for(steward1)
    response = client.post(
        "/steward/studies/new/",
        {
            "accession": "dacs000050",
            "title": "Pages study",
            "description": "",
            "committee": "genomics-dac",
        },
    )
    assert response.status_code == 302
    assert Study.objects.filter(accession="DACS000050").exists()
    response = client.post(
        "/steward/datasets/new/",
        {
            "accession": "DACD000050",
            "study": "DACS000050",
            "title": "Pages dataset",
            "participant_count": "5",
            "data_types": "genotypes",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/steward/datasets/DACD000050/consent/"
    response = client.post(
        "/steward/datasets/DACD000050/edit/",
        {"title": "Renamed", "participant_count": "6", "data_types": "genotypes"},
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(accession="DACD000050")
    assert (dataset.title, dataset.participant_count, dataset.is_public) == ("Renamed", 6, False)


def test_a_duplicate_study_accession_is_shown_on_the_form(steward1: Any) -> None:
    response = client_for(steward1).post(
        "/steward/studies/new/",
        {"accession": "DACS000001", "title": "Dup", "committee": "genomics-dac"},
    )
    assert response.status_code in (400, 409)


def test_a_steward_records_a_withdrawal(steward1: Any) -> None:
    response = client_for(steward1).post(
        "/steward/datasets/DACD000004/withdrawals/",
        {"participant_count": "2", "pseudonymous_ids": "P-1001\nP-1002"},
        follow=True,
    )
    assert response.status_code == 200
    assert ConsentWithdrawal.objects.get(dataset__accession="DACD000004").pseudonymous_ids == [
        "P-1001",
        "P-1002",
    ]


def test_names_are_refused_as_pseudonymous_ids(steward1: Any) -> None:
    response = client_for(steward1).post(
        "/steward/datasets/DACD000004/withdrawals/",
        {"participant_count": "1", "pseudonymous_ids": "Jane Doe"},
    )
    assert response.status_code == 400
    assert not ConsentWithdrawal.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/consent/ontologyterm/?q=cancer",
        "/admin/consent/consentscope/",
        "/admin/consent/dataset/",
        "/admin/consent/ontologyrelease/",
    ],
)
def test_the_admin_shows_consent_data_read_only(admin: Any, path: str) -> None:
    client = client_for(admin)
    assert client.get(path).status_code == 200
    assert client.get("/admin/consent/consentscope/add/").status_code == 403
