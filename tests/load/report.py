"""Locust's CSV as the load test's verdict: one JSON object per route (`route`,
`requests`, `failures`, `p50_ms`, `p95_ms`, `p99_ms`) and a summary line (mixed
requests/s, failures, and the ratio to the floor measured just before on the same server,
tests/load/floor.py). Exits 1 when any request failed or any route's p95 reaches the
target, naming them on stderr, so that `make loadtest` fails loudly."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

P95_TARGET_MS = 500.0
AGGREGATED = "Aggregated"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _number(value: str) -> float:
    # Locust writes "N/A" for a percentile of a route that had no request.
    try:
        return float(value)
    except ValueError:
        return 0.0


def routes(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every route but the aggregate, as `METHOD path`, in the order of their paths."""
    found = []
    for row in rows:
        if row["Name"] == AGGREGATED:
            continue
        found.append(
            {
                "route": f"{row['Type']} {row['Name']}",
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
            }
        )
    return sorted(found, key=lambda r: (r["route"].split(" ", 1)[1], r["route"]))


def summary(rows: list[dict[str, str]], floor_rows: list[dict[str, str]]) -> dict[str, Any]:
    total = next(r for r in rows if r["Name"] == AGGREGATED)
    floor = next((r for r in floor_rows if r["Name"] == AGGREGATED), None)
    rps = _number(total["Requests/s"])
    floor_rps = _number(floor["Requests/s"]) if floor else 0.0
    return {
        "summary": "mixed load",
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "requests_per_s": round(rps, 1),
        "p50_ms": _number(total["50%"]),
        "p95_ms": _number(total["95%"]),
        "p99_ms": _number(total["99%"]),
        "floor_requests_per_s": round(floor_rps, 1),
        "floor": "GET /api/v1/ping/ (token auth), no think time",
        "ratio_to_floor": round(rps / floor_rps, 3) if floor_rps else None,
    }


def _why_failed(path: Path | None) -> None:
    """The first distinct failures Locust recorded, so a red run says why."""
    if path is None or not path.exists():
        return
    for row in _rows(path)[:10]:
        message = row["Error"].replace("\n", " ")[:400]
        print(
            f"  {row['Occurrences']}x {row['Method']} {row['Name']}: {message}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stats", type=Path, required=True)
    parser.add_argument("--floor", type=Path, required=True)
    parser.add_argument("--failures", type=Path)
    parser.add_argument("--users", type=int)
    parser.add_argument("--duration")
    args = parser.parse_args(argv)
    rows = _rows(args.stats)
    found = routes(rows)
    for route in found:
        print(json.dumps(route), flush=True)
    floor_rows = _rows(args.floor) if args.floor.exists() else []
    line = {**summary(rows, floor_rows), "users": args.users, "duration": args.duration}
    slow = [r["route"] for r in found if r["p95_ms"] >= P95_TARGET_MS]
    failing = [r["route"] for r in found if r["failures"]]
    line["target"] = f"0 failures and every route's p95 < {P95_TARGET_MS:g} ms"
    line["met"] = not slow and not failing and line["requests"] > 0
    print(json.dumps(line), flush=True)
    if slow:
        print(f"[loadtest] p95 ≥ {P95_TARGET_MS:g} ms: {', '.join(slow)}", file=sys.stderr)
    if failing:
        print(f"[loadtest] failures on: {', '.join(failing)}", file=sys.stderr)
        _why_failed(args.failures)
    return 0 if line["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
