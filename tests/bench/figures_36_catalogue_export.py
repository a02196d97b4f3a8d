"""Catalogue export figures (issue 21: "should handle 100k datasets without loading everything
in memory at once"): rows/s of the full GET /datasets/export/?format=csv and ?format=jsonld
through the whole Django stack in process (the streamed body read to its end and thrown
away), each divided by a floor measured in the same run: reading the same datasets with
their study, committee and current consent scope as `.values_list()` tuples, which is the
database's share of the work with no objects and no rendering.

BENCH_EXPORT_DATASETS (default 10,000) public datasets are bulk-created under one study
when fewer exist, each with two consent versions (only the newer is exported) and a mix of
permissions, modifiers and disease terms. Also reported: the SQL statements of one export
(they grow with the number of 500-row chunks, not with the rows) and the process's peak
resident memory after the exports.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, peak_rss_mb, queries_of, section

DATASETS = int(os.environ.get("BENCH_EXPORT_DATASETS", "10000"))
PREFIX = "BEXD"
BATCH = 2000
SCOPES: list[tuple[str, list[str], list[dict[str, str]]]] = [
    ("GRU", [], [{"code": "NCU"}, {"code": "PUB"}]),
    ("HMB", [], [{"code": "IRB"}]),
    ("DS", ["DOID:162"], [{"code": "NCU"}, {"code": "IRB"}, {"code": "NMDS"}]),
    ("DS", ["DOID:9351", "DOID:1612"], [{"code": "GSO"}]),
    ("NRES", [], []),
]


def _ensure_datasets() -> int:
    from accounts.models import Committee
    from consent.models import ConsentScope, Dataset, Study

    have = Dataset.objects.filter(accession__startswith=PREFIX).count()
    if have >= DATASETS:
        return have
    committee = Committee.objects.order_by("pk").first()
    assert committee is not None, "seed_demo creates the committees"
    study = Study.objects.filter(accession="BEXS000001").first() or Study.objects.create(
        accession="BEXS000001", title="Catalogue export bench", committee=committee
    )
    for start in range(have, DATASETS, BATCH):
        created = Dataset.objects.bulk_create(
            Dataset(
                accession=f"{PREFIX}{i:08d}",
                study=study,
                committee=committee,
                title=f"Export bench dataset {i}",
                description=f"Synthetic dataset {i} for the catalogue export figures.",
            )
            for i in range(start, min(start + BATCH, DATASETS))
        )
        ConsentScope.objects.bulk_create(
            ConsentScope(
                dataset=d,
                version=version,
                permission=scope[0],
                diseases=scope[1],
                modifiers=scope[2],
            )
            for n, d in enumerate(created)
            for version, scope in ((1, SCOPES[-1]), (2, SCOPES[n % len(SCOPES)]))
        )
    return Dataset.objects.filter(accession__startswith=PREFIX).count()


def _floor_rows() -> int:
    from django.db.models import OuterRef, Subquery

    from consent.models import ConsentScope, Dataset

    newest = ConsentScope.objects.filter(dataset=OuterRef("pk")).order_by("-version")
    rows = (
        Dataset.objects.filter(is_public=True)
        .annotate(
            permission=Subquery(newest.values("permission")[:1]),
            diseases=Subquery(newest.values("diseases")[:1]),
            modifiers=Subquery(newest.values("modifiers")[:1]),
            version=Subquery(newest.values("version")[:1]),
        )
        .order_by("accession")
        .values_list(
            "accession",
            "title",
            "description",
            "study__accession",
            "study__title",
            "committee__slug",
            "committee__name",
            "permission",
            "diseases",
            "modifiers",
            "version",
        )
    )
    return sum(1 for _row in rows.iterator(chunk_size=500))


def _export(client: Any, fmt: str) -> int:
    response = client.get(f"/datasets/export/?format={fmt}")
    if response.status_code != 200:
        raise RuntimeError(f"export {fmt} answered {response.status_code}")
    return sum(len(piece) for piece in response.streaming_content)


def _best_seconds(call: Any, rounds: int = 3) -> float:
    """The fastest of a few runs after a warming one: noise only ever adds time."""
    call()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def run(bench: Bench) -> Iterator[Figure]:
    from django.test import Client

    from consent.models import Dataset

    with section(f"catalogue export: {DATASETS} datasets"):
        _ensure_datasets()
    rows = Dataset.objects.filter(is_public=True).count()
    client = Client()
    floor_s = _best_seconds(_floor_rows)
    for fmt, label in (("csv", "CSV"), ("jsonld", "DCAT-AP JSON-LD")):
        seconds = _best_seconds(lambda fmt=fmt: _export(client, fmt))
        size = _export(client, fmt)
        queries = queries_of(lambda fmt=fmt: _export(client, fmt))
        yield Figure(
            f"GET /datasets/export/?format={fmt} rows/s ({label}, whole catalogue, streamed)",
            rows / seconds,
            "rows/s",
            floor=rows / floor_s,
            extra={
                "datasets": rows,
                "seconds": round(seconds, 3),
                "megabytes": round(size / 1e6, 2),
                "queries": queries,
                "floor_is": "the same rows and current scopes read with .values_list()",
                "peak_rss_mb": round(peak_rss_mb(), 1),
            },
        )
