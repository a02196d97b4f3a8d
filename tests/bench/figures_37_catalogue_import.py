"""Bulk import of the catalogue (issue 21; consent/bulk_import.py): a CSV of BENCH_IMPORT_ROWS
new datasets (100,000 by default; and 10,000 first, for the memory comparison), each with a
DS consent naming a disease, checked and imported by `import_catalogue`; the floor is a
plain `bulk_create` of the same Dataset rows (rolled back), measured just before and just
after the import and averaged. Prints rows/s ÷ the floor (target
≥ 0.2) and the peak Python memory of checking each size (tracemalloc; the check streams the
file in chunks and keeps a few bytes per row, so the peak stays nearly flat from 10k to
100k rows).
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench.harness import Bench, Figure, section

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
HEADER = ["accession", "title", "study", "committee", "permission", "modifiers", "diseases"]


def _write(path: Path, count: int, first: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(first, first + count):
            writer.writerow(
                [
                    f"DACB{i:08d}",
                    f"Bench dataset {i}",
                    "DACS000002",
                    "genomics-dac",
                    "DS",
                    "NCU;PUB",
                    "DOID:9351",
                ]
            )


def _floor(count: int, first: int) -> float:
    """Seconds of a plain bulk INSERT of the same datasets, rolled back."""
    from django.db import transaction

    from consent.models import Dataset, Study

    study = Study.objects.get(accession="DACS000002")
    rows = [
        Dataset(
            accession=f"DACF{i:08d}",
            title=f"Bench dataset {i}",
            study=study,
            committee_id=study.committee_id,
        )
        for i in range(first, first + count)
    ]
    start = time.perf_counter()
    with transaction.atomic():
        Dataset.objects.bulk_create(rows, batch_size=2000)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def _import(path: Path) -> tuple[float, float]:
    """Seconds of the import, and its peak Python memory measured in a second, traced run
    of the check alone (tracing slows Python several times: it must not be in the timing)."""
    from django.core.management import call_command

    from consent.bulk_import import plan

    start = time.perf_counter()
    call_command("import_catalogue", str(path), "--actor", "steward1", verbosity=0)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    plan(path)
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def run(bench: Bench) -> Iterator[Figure]:
    from consent.models import Dataset

    first = Dataset.objects.filter(accession__startswith="DACB").count()
    results: dict[int, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for count in sorted({min(10_000, ROWS), ROWS}):
            path = Path(folder) / f"catalogue-{count}.csv"
            _write(path, count, first)
            # The floor just before and just after the import, averaged: on a shared
            # machine a single half-second floor drifted by a factor of two between runs.
            before = _floor(count, first)
            with section(f"catalogue import: {count:,} rows"):
                seconds, peak = _import(path)
            results[count] = (seconds, peak, (before + _floor(count, first)) / 2)
            first += count
    for count, (seconds, peak, floor) in results.items():
        yield Figure(
            f"import_catalogue of {count:,} new datasets with consent, rows/s ÷ bulk INSERT",
            count / seconds,
            "rows/s",
            floor=count / floor,
            target="≥ 0.2",
            extra={"rows": count, "seconds": round(seconds, 2), "peak_mb": round(peak, 1)},
        )
