"""Registering the catalogue over REST (issue 21; consent/registration.py): p95 of
POST /api/v1/datasets/ (a dataset with its consent, one transaction, two audit events) and of
PATCH with a new consent version, through the whole Django stack in process as steward1 (signed in),
each ÷ the p95 of GET /api/v1/datasets/<accession>/ (a read of the same dataset) measured
in the same loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, section

ROUNDS = int(os.environ.get("BENCH_REGISTRATION_ROUNDS", "200"))
CONSENT = {"permission": "DS", "diseases": ["DOID:9351"], "modifiers": ["NCU", "PUB"]}


def _ms(call: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    response = call(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, response


def run(bench: Bench) -> Iterator[Figure]:
    from rest_framework.test import APIClient

    from accounts.models import User
    from tests.bench.figures_45_review import _chair_client

    # A steward's session with a verified second factor (a token needs one set up first).
    client = _chair_client(APIClient(), User.objects.get(username="steward1"))
    created: list[float] = []
    changed: list[float] = []
    read: list[float] = []
    body = {"title": "Bench dataset", "study": "DACS000002", "consent": CONSENT}
    with section("catalogue registration over REST"):
        for i in range(ROUNDS):
            took, response = _ms(client.post, "/api/v1/datasets/", body, format="json")
            if response.status_code != 201:
                raise RuntimeError(f"POST answered {response.status_code}: {response.content!r}")
            created.append(took)
            path = f"/api/v1/datasets/{response.json()['accession']}/"
            patch = {"consent": {**CONSENT, "modifiers": ["NCU"]}, "title": f"Bench {i}"}
            took, response = _ms(client.patch, path, patch, format="json")
            if response.status_code != 200:
                raise RuntimeError(f"PATCH answered {response.status_code}")
            changed.append(took)
            took, _response = _ms(client.get, path)
            read.append(took)
    floor = p95(read)
    yield Figure(
        "POST /api/v1/datasets/ with its consent p95 ÷ GET of the dataset",
        p95(created),
        "ms",
        floor=floor,
        target="< 200",
        higher_is_better=False,
        extra={"rounds": ROUNDS},
    )
    yield Figure(
        "PATCH /api/v1/datasets/<acc>/ with a new consent version p95 ÷ GET of the dataset",
        p95(changed),
        "ms",
        floor=floor,
        target="< 200",
        higher_is_better=False,
        extra={"rounds": ROUNDS},
    )
