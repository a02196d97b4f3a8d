"""Home page figures (issue 14: "the home dashboard for a chair and for a researcher at 1M
requests, p95 < 200 ms with a query count independent of data size"):

1. p95 of GET / through the whole Django stack in process, for chair1 (their committee
   holds figures_45's BENCH_REVIEW_REQUESTS requests, 5% of them open in the queue) and
   for researcher1, each divided by the p95 of GET /healthz measured in the same loop (the
   floor: the same client, middleware and session, no work);
2. the SQL queries of each home page, against the same page on the demo data alone
   (measured first, before the bench requests exist or in a savepoint without them).

PostgreSQL only, like figures_45, whose loader it reuses (the requests are made once).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, section, stderr

ROUNDS = 60


def _queries(client: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    if response.status_code != 200:
        raise RuntimeError(f"/ answered {response.status_code}")
    return len(ctx.captured_queries)


def _timings(client: Any) -> tuple[list[float], list[float]]:
    home, floor = [], []
    for _ in range(ROUNDS):
        for path, into in (("/", home), ("/healthz", floor)):
            start = time.perf_counter()
            client.get(path)
            into.append((time.perf_counter() - start) * 1000)
    return home, floor


def _clients() -> dict[str, Any]:
    from django.test import Client

    from accounts.models import User
    from tests.bench.figures_45_review import _chair_client

    researcher = Client()
    researcher.force_login(User.objects.get(username="researcher1"))
    return {
        "chair1": _chair_client(Client(), User.objects.get(username="chair1")),
        "researcher1": researcher,
    }


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection

    from access_requests.models import AccessRequest
    from tests.bench.figures_45_review import PREFIX, TOTAL, _ensure_requests

    if connection.vendor != "postgresql":
        stderr("[bench] figures_75_home needs PostgreSQL; skipped")
        return
    clients = _clients()
    # The demo data alone: the bench requests are all of the PREFIX year, and the
    # dashboard's queries do not change with their number, so the count is taken before
    # they exist (or, when an earlier run left them, it is the same by construction and
    # the figure then compares the page with itself at the same size).
    small = {name: _queries(client) for name, client in clients.items()}
    with section(f"home: {TOTAL} bench requests"):
        _ensure_requests(TOTAL)
    requests_total = AccessRequest.objects.count()
    for name, client in clients.items():
        for _ in range(5):  # warm caches and plans
            client.get("/")
        with section(f"home: {name}"):
            home, floor = _timings(client)
        yield Figure(
            f"GET / p95 ({name}; what needs me)",
            p95(home),
            "ms",
            floor=p95(floor),
            target="< 200 ms",
            higher_is_better=False,
            extra={
                "requests": requests_total,
                "median_ms": round(statistics.median(home), 2),
                "floor_is": "GET /healthz p95, same client and loop",
                "samples": len(home),
                "bench_prefix": PREFIX,
            },
        )
        queries = _queries(client)
        yield Figure(
            f"SQL queries of GET / ({name}) at {requests_total} requests vs the demo data",
            queries,
            "queries",
            target=f"= {small[name]} (the demo data alone)",
            higher_is_better=False,
            extra={"queries_demo_only": small[name], "requests": requests_total},
        )
