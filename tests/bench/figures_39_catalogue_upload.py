"""The catalogue import page (issue 21; consent/catalogue_upload.py), through the whole
Django stack in process as steward1 (signed in): p95 of uploading and checking a file of
BENCH_UPLOAD_ROWS new datasets (1,000 by default; nothing of the catalogue written), and of
GET of the report page it redirects to, each ÷ the p95 of GET /steward/import/ (the upload
form) measured in the same loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, section

ROUNDS = int(os.environ.get("BENCH_UPLOAD_ROUNDS", "20"))
ROWS = int(os.environ.get("BENCH_UPLOAD_ROWS", "1000"))


def _file(rows: int) -> bytes:
    lines = ["accession,title,study,permission,modifiers,diseases,participant_count"]
    lines += [
        f"DACU{i:08d},Uploaded dataset {i},DACS000002,DS,NCU;PUB,DOID:9351,{i % 500}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _ms(call: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    response = call(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, response


def run(bench: Bench) -> Iterator[Figure]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from accounts.models import User
    from tests.bench.figures_45_review import _chair_client

    client = _chair_client(Client(), User.objects.get(username="steward1"))
    content = _file(ROWS)
    checked: list[float] = []
    reports: list[float] = []
    forms: list[float] = []
    with section(f"catalogue upload page, {ROWS} rows"):
        for _ in range(ROUNDS):
            upload = SimpleUploadedFile("bench.csv", content)
            took, response = _ms(client.post, "/steward/import/", {"file": upload})
            if response.status_code != 302:
                raise RuntimeError(f"upload answered {response.status_code}")
            checked.append(took)
            took, response = _ms(client.get, response["Location"])
            if response.status_code != 200:
                raise RuntimeError(f"report answered {response.status_code}")
            reports.append(took)
            forms.append(_ms(client.get, "/steward/import/")[0])
    floor = p95(forms)
    extra = {"rounds": ROUNDS, "rows": ROWS}
    yield Figure(
        f"POST /steward/import/ ({ROWS} rows checked) p95 ÷ GET of the upload form",
        p95(checked),
        "ms",
        floor=floor,
        target="< 2000",
        higher_is_better=False,
        extra=extra,
    )
    yield Figure(
        "GET /steward/import/<id>/ (the report, 500 rows shown) p95 ÷ GET of the upload form",
        p95(reports),
        "ms",
        floor=floor,
        target="< 200",
        higher_is_better=False,
        extra=extra,
    )
