"""The floors every server figure is divided by: /healthz (Django with no view work) and a
trivial token-authenticated DRF view (/api/v1/ping/), both through gunicorn."""

from __future__ import annotations

from collections.abc import Iterator

from tests.bench.harness import Bench, Figure


def run(bench: Bench) -> Iterator[Figure]:
    healthz = bench.requests_per_second("/healthz")
    bench.floors["healthz_rps"] = healthz
    yield Figure("healthz requests/s (floor)", healthz, "req/s")

    token = bench.token("researcher1")
    ping = bench.requests_per_second("/api/v1/ping/", headers={"Authorization": f"Bearer {token}"})
    bench.floors["drf_token_rps"] = ping
    yield Figure(
        "trivial DRF view with token auth requests/s (floor)",
        ping,
        "req/s",
        floor=healthz,
        extra={"floor_of": "healthz requests/s"},
    )
