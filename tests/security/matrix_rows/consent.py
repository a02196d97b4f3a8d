"""Matrix rows for the catalogue, steward pages and consent API."""

from typing import Any

from tests.security.matrix import Row

SIGNED_IN = {"anonymous": 401, "*": 200}
EVALUATE = {
    "dataset": "DACD000004",
    "purpose": {"diseases": ["DOID:1612"]},
}

EVERYONE = {"anonymous": 200, "*": 200}
STEWARDS = {"anonymous": 302, "steward1": 200, "admin": 200, "*": 403}
STEWARDS_OBJ = {"anonymous": 302, "steward1": 200, "admin": 200, "*": 404}
# Invalid bodies: stewards get the form back (400), nothing changes for anyone.
STEWARDS_POST = {"anonymous": 302, "steward1": 400, "admin": 400, "*": 403}
STEWARDS_OBJ_POST = {"anonymous": 302, "steward1": 400, "admin": 400, "*": 404}
DS4 = "/steward/datasets/DACD000004"


def _demo_upload(demo: Any) -> str:
    """steward1's checked catalogue file (consent.demo): only its uploader sees it."""
    from consent.models import CatalogueUpload

    upload = CatalogueUpload.objects.filter(uploaded_by__username="steward1").first()
    assert upload is not None, "seed_demo makes steward1's upload"
    return f"/steward/import/{upload.pk}/"


ROWS = [
    Row(
        "consent:disease-search",
        "GET",
        "/diseases/?q=cancer",
        {"anonymous": 200, "*": 200},
        note="public, like the catalogue",
    ),
    Row("consent:catalogue", "GET", "/datasets/", EVERYONE),
    Row(
        "consent:catalogue",
        "GET",
        "/datasets/?permission=DS&disease=DOID:1612",
        EVERYONE,
        note="filtered",
    ),
    *(
        Row(
            "consent:catalogue-export",
            "GET",
            f"/datasets/export/?format={fmt}",
            EVERYONE,
            note=f"{fmt}, public for harvesters",
        )
        for fmt in ("csv", "json", "jsonld")
    ),
    Row(
        "consent:catalogue-export",
        "GET",
        "/datasets/export/?format=xml",
        {"anonymous": 400, "*": 400},
        note="unknown format",
    ),
    Row("consent:dataset", "GET", "/datasets/DACD000004/", EVERYONE),
    Row(
        "consent:dataset",
        "GET",
        "/datasets/NOPE000001/",
        {"anonymous": 404, "*": 404},
        note="unknown",
    ),
    Row("consent:steward", "GET", "/steward/", STEWARDS),
    Row("consent:catalogue-import", "GET", "/steward/import/", STEWARDS),
    Row(
        "consent:catalogue-import",
        "POST",
        "/steward/import/",
        STEWARDS_POST,
        body={},
        form=True,
        note="no file",
    ),
    Row(
        "consent:catalogue-import-report",
        "GET",
        _demo_upload,
        {"anonymous": 302, "steward1": 200, "*": 404},
        note="only the uploader",
    ),
    Row(
        "consent:catalogue-import-report",
        "POST",
        _demo_upload,
        {"anonymous": 302, "steward1": 409, "*": 404},
        body={},
        form=True,
        note="a refused row, not left out: nothing imported",
    ),
    Row("consent:study-create", "GET", "/steward/studies/new/", STEWARDS),
    Row(
        "consent:study-create",
        "POST",
        "/steward/studies/new/",
        STEWARDS_POST,
        body={"title": ""},
        form=True,
    ),
    Row("consent:study-edit", "GET", "/steward/studies/DACS000001/edit/", STEWARDS_OBJ),
    Row(
        "consent:study-edit",
        "POST",
        "/steward/studies/DACS000001/edit/",
        STEWARDS_OBJ_POST,
        body={"title": ""},
        form=True,
    ),
    Row("consent:dataset-create", "GET", "/steward/datasets/new/", STEWARDS),
    Row(
        "consent:dataset-create",
        "POST",
        "/steward/datasets/new/",
        STEWARDS_POST,
        body={"title": ""},
        form=True,
    ),
    Row("consent:dataset-edit", "GET", f"{DS4}/edit/", STEWARDS_OBJ),
    Row(
        "consent:dataset-edit",
        "POST",
        f"{DS4}/edit/",
        STEWARDS_OBJ_POST,
        body={"title": ""},
        form=True,
    ),
    Row("consent:scope-create", "GET", f"{DS4}/consent/", STEWARDS_OBJ),
    Row(
        "consent:scope-create",
        "POST",
        f"{DS4}/consent/",
        STEWARDS_OBJ_POST,
        body={"permission": "XYZ"},
        form=True,
    ),
    Row(
        "consent:scope-create",
        "GET",
        "/steward/datasets/NOPE000001/consent/",
        {"anonymous": 302, "*": 404},
        note="unknown",
    ),
    Row("consent:withdrawals", "GET", f"{DS4}/withdrawals/", STEWARDS_OBJ),
    Row(
        "consent:withdrawals",
        "POST",
        f"{DS4}/withdrawals/",
        STEWARDS_OBJ_POST,
        body={"participant_count": "0"},
        form=True,
    ),
    Row("api-datasets", "GET", "/api/v1/datasets/", SIGNED_IN),
    Row("api-dataset", "GET", "/api/v1/datasets/DACD000004/", SIGNED_IN),
    Row(
        "api-dataset",
        "GET",
        "/api/v1/datasets/NOPE000001/",
        {"anonymous": 401, "*": 404},
        note="unknown accession",
    ),
    Row("api-consent-evaluate", "POST", "/api/v1/consent/evaluate/", SIGNED_IN, body=EVALUATE),
    Row(
        "api-consent-evaluate",
        "POST",
        "/api/v1/consent/evaluate/",
        {"anonymous": 401, "*": 400},
        body={"data_use": {"permission": "XYZ"}, "purpose": {}},
        note="unknown code",
    ),
]
