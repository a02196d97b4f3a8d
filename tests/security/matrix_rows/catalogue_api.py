"""Matrix rows for the catalogue's write API (issue 21): everyone signed in reads studies
and consent versions; only the stewards of the governing committee (the demo's
genomics-dac: steward1) and the superuser register and change."""

from __future__ import annotations

from tests.security.matrix import Row

SIGNED_IN = {"anonymous": 401, "*": 200}


def stewards(status: int) -> dict[str, int]:
    return {"anonymous": 401, "steward1": status, "admin": status, "*": 403}


ROWS = [
    Row("api-studies", "GET", "/api/v1/studies/", SIGNED_IN),
    Row(
        "api-studies",
        "POST",
        "/api/v1/studies/",
        stewards(201),
        body={"title": "Matrix study", "committee": "genomics-dac"},
    ),
    Row(
        "api-datasets",
        "POST",
        "/api/v1/datasets/",
        stewards(201),
        body={
            "title": "Matrix dataset",
            "study": "DACS000001",
            "consent": {"permission": "GRU"},
        },
    ),
    Row(
        "api-dataset",
        "PATCH",
        "/api/v1/datasets/DACD000001/",
        stewards(200),
        body={"title": "Matrix title"},
    ),
    Row(
        "api-dataset-consent-scopes",
        "GET",
        "/api/v1/datasets/DACD000006/consent-scopes/",
        SIGNED_IN,
    ),
    Row(
        "api-dataset-consent-scopes",
        "POST",
        "/api/v1/datasets/DACD000007/consent-scopes/",
        stewards(201),
        body={"permission": "HMB"},
    ),
]
