"""The catalogue import page (issue 21): a steward uploads a file, reads the check (what
would be created, changed or refused, row by row), then imports it on purpose, once. Other
people get 403 or 404; a file that is not a catalogue is a 400 with nothing kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from audit.models import AuditEvent
from consent.models import CatalogueUpload, Dataset, Study
from consent.services import dataset_create

pytestmark = pytest.mark.django_db

HEADER = "accession,title,study,permission,modifiers,diseases,participant_count\n"
GOOD = (
    HEADER
    + "DACD800001,Uploaded exomes one,DACS000002,DS,NCU;PUB,DOID:9351,120\n"
    + "DACD800002,Uploaded exomes two,DACS000002,HMB,,,80\n"
)
BAD_ROW = "DACD800003,Uploaded exomes three,DACS000002,NOPE,,,10\n"


def signed_in(username: str) -> Client:
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def upload(client: Client, text: str, name: str = "catalogue.csv") -> Any:
    return client.post("/steward/import/", {"file": SimpleUploadedFile(name, text.encode("utf-8"))})


def last_upload() -> CatalogueUpload:
    return CatalogueUpload.objects.order_by("-id").first()


def test_checking_a_file_writes_nothing_of_the_catalogue_and_shows_each_row():
    datasets = Dataset.objects.count()
    response = upload(signed_in("steward1"), GOOD + BAD_ROW)
    checked = last_upload()
    assert response.status_code == 302
    assert response["Location"] == f"/steward/import/{checked.pk}/"
    assert Dataset.objects.count() == datasets
    assert checked.counts == {"create": 2, "change": 0, "unchanged": 0, "refused": 1}
    event = AuditEvent.objects.get(action="catalogue.checked", object_id=str(checked.pk))
    assert event.data["refused"] == 1 and event.data["sha256"] == checked.sha256

    page = signed_in("steward1").get(response["Location"]).content.decode()
    assert "DACD800001" in page and "DACD800002" in page
    assert "Row" in page and "permission:" in page  # row 4 refused, naming its field


def test_a_file_with_refused_rows_imports_nothing_unless_they_are_left_out_on_purpose():
    client = signed_in("steward1")
    upload(client, GOOD + BAD_ROW)
    checked = last_upload()
    datasets = Dataset.objects.count()
    response = client.post(f"/steward/import/{checked.pk}/", {})
    assert response.status_code == 409
    assert "1 row is refused" in response.content.decode()
    assert Dataset.objects.count() == datasets
    checked.refresh_from_db()
    assert checked.imported_at is None

    response = client.post(f"/steward/import/{checked.pk}/", {"skip_refused": "on"})
    assert response.status_code == 302
    assert set(
        Dataset.objects.filter(accession__startswith="DACD8000").values_list("accession", flat=True)
    ) == {"DACD800001", "DACD800002"}
    checked.refresh_from_db()
    assert checked.imported_at is not None and checked.skipped_refused
    assert AuditEvent.objects.filter(action="catalogue.imported").count() == 1
    assert AuditEvent.objects.filter(action="dataset.created", data__imported=True).count() == 2


def test_an_upload_is_imported_once_and_the_second_time_is_a_409_changing_nothing():
    client = signed_in("steward1")
    upload(client, GOOD)
    checked = last_upload()
    assert client.post(f"/steward/import/{checked.pk}/", {}).status_code == 302
    events = AuditEvent.objects.count()
    response = client.post(f"/steward/import/{checked.pk}/", {})
    assert response.status_code == 409
    assert AuditEvent.objects.count() == events


def test_the_import_checks_the_file_again_so_a_dataset_registered_since_is_changed_not_doubled():
    from accounts.models import User

    client = signed_in("steward1")
    upload(client, GOOD)
    checked = last_upload()
    dataset_create(
        accession="DACD800001",
        study=Study.objects.get(accession="DACS000002"),
        title="Registered by hand meanwhile",
        description="",
        participant_count=1,
        data_types=[],
        actor=User.objects.get(username="steward1"),
    )
    assert client.post(f"/steward/import/{checked.pk}/", {}).status_code == 302
    checked.refresh_from_db()
    assert checked.imported_counts["create"] == 1 and checked.imported_counts["change"] == 1
    assert Dataset.objects.get(accession="DACD800001").title == "Uploaded exomes one"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("catalogue.txt", GOOD.encode(), "Upload a .csv or a .json file."),
        ("catalogue.csv", "accession\n".encode("utf-16"), "The file is not UTF-8 text."),
        ("catalogue.csv", HEADER.encode(), "The file has no rows."),
        ("catalogue.json", b'{"not": "a list"}', "The file cannot be read"),
    ],
)
def test_a_file_that_is_not_a_catalogue_is_a_400_and_nothing_is_kept(name, content, message):
    client = signed_in("steward1")
    uploads, events = CatalogueUpload.objects.count(), AuditEvent.objects.count()
    response = client.post("/steward/import/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (CatalogueUpload.objects.count(), AuditEvent.objects.count()) == (uploads, events)


@override_settings(CATALOGUE_UPLOAD_MAX_BYTES=100)
def test_a_file_too_large_for_the_page_points_to_the_command():
    response = upload(signed_in("steward1"), GOOD)
    assert response.status_code == 400
    assert "manage.py import_catalogue" in response.content.decode()


def test_only_stewards_may_upload_and_only_the_uploader_sees_or_imports_it():
    assert signed_in("researcher1").get("/steward/import/").status_code == 403
    assert upload(signed_in("chair1"), GOOD).status_code == 403
    upload(signed_in("steward1"), GOOD)
    checked = last_upload()
    for other in ("steward2", "researcher1", "chair1"):
        client = signed_in(other)
        assert client.get(f"/steward/import/{checked.pk}/").status_code == 404
        assert client.post(f"/steward/import/{checked.pk}/", {}).status_code == 404
    assert Client().get(f"/steward/import/{checked.pk}/").status_code == 302  # to sign in


def test_a_steward_may_not_import_rows_of_a_committee_they_do_not_steward():
    """steward2 stewards the rare disease committee only: a file of the demo committee's
    study is refused at import (403), with nothing written."""
    client = signed_in("steward2")
    upload(client, GOOD)
    checked = last_upload()
    datasets = Dataset.objects.count()
    response = client.post(f"/steward/import/{checked.pk}/", {})
    assert response.status_code == 403
    assert Dataset.objects.count() == datasets


def test_the_demo_upload_shows_a_dataset_to_create_one_to_change_and_one_refused():
    demo = CatalogueUpload.objects.get(uploaded_by__username="steward1")
    assert demo.counts == {"create": 1, "change": 1, "unchanged": 0, "refused": 1}
