"""Consent matcher figures, in one process:

1. evaluations/s of `consent.matching.evaluate` on the typical hard case — a DS dataset
   whose disease has descendants (demo DACD000004: DS DOID:162 cancer + NCU, IRB, NMDS)
   against a rotating mix of purposes (descendant diseases, unrelated diseases, HMB,
   methods, commercial). The ontology slice is loaded once, as a request would.
   Target ≥ 100,000/s (issue 19; 50,000 in issue 6). No floor: it is pure CPU, compared
   with its target.
2. mismatches between those engine answers and POST /api/v1/consent/evaluate/ (by
   dataset) for every purpose of the mix — must be 0.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure

ACCESSION = "DACD000004"
PURPOSES: list[dict[str, Any]] = [
    {"diseases": ["DOID:1612"]},
    {"diseases": ["DOID:3910"], "genetic_studies": True},
    {"diseases": ["DOID:9119", "DOID:1793"]},
    {"diseases": ["DOID:9351"]},
    {"diseases": ["DOID:1612"], "commercial": True},
    {"hmb": True},
    {"methods_development": True},
    {"diseases": ["DOID:684"], "methods_development": True},
    {},
    {"population_origins": True},
]


def run(bench: Bench) -> Iterator[Figure]:
    from rest_framework.test import APIClient

    from consent.matching import evaluate
    from consent.models import Dataset
    from consent.ontology import ontology_for
    from consent.services import dataset_current_scope, purpose_parse, scope_data_use

    dataset = Dataset.objects.get(accession=ACCESSION)
    scope = dataset_current_scope(dataset)
    assert scope is not None
    data_use = scope_data_use(scope)
    purposes = [purpose_parse(p) for p in PURPOSES]
    ontology = ontology_for([*data_use.diseases, *(d for p in purposes for d in p.diseases)])

    # Warm up, then time whole rounds over the mix for about two seconds.
    for purpose in purposes:
        evaluate(data_use, purpose, ontology)
    count = 0
    started = time.perf_counter()
    deadline = started + 2.0
    while time.perf_counter() < deadline:
        for _ in range(200):
            for purpose in purposes:
                evaluate(data_use, purpose, ontology)
        count += 200 * len(purposes)
    elapsed = time.perf_counter() - started
    yield Figure(
        "consent evaluations/s (DS with descendants + 3 modifiers, one process)",
        count / elapsed,
        "evaluations/s",
        target=100_000,
        extra={"dataset": ACCESSION, "purposes": len(purposes)},
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {bench.token('researcher1')}")
    mismatches = 0
    for raw, purpose in zip(PURPOSES, purposes, strict=True):
        engine = evaluate(data_use, purpose, ontology).as_dict()
        engine["scope_version"] = scope.version
        response = client.post(
            "/api/v1/consent/evaluate/", {"dataset": ACCESSION, "purpose": raw}, format="json"
        )
        if response.status_code != 200 or response.json() != engine:
            mismatches += 1
    yield Figure(
        "consent engine answers differing from the API's",
        mismatches,
        "cases",
        target=0,
        higher_is_better=False,
        extra={"cases": len(PURPOSES)},
    )
