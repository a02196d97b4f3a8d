"""Access request figures: the polled `status/` endpoint through gunicorn with token auth
(divided by the trivial DRF view), its query count, and the query count of a list page of
10 rows against one of 100 (equal when nothing is fetched per row)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure


def _in_process_client(token: str) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _count_queries(client: Any, path: str) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm: the token's last_used_at is touched at most every few minutes
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(ctx.captured_queries), response.json()


def _many_requests(username: str, count: int) -> None:
    """`count` drafts of `username`, each with its own dataset (made for the figure and
    rolled back after it)."""
    from access_requests import services
    from accounts.models import Committee, User
    from consent.models import Dataset, Study

    user = User.objects.get(username=username)
    committee = Committee.objects.get(slug="genomics-dac")
    study = Study.objects.create(accession="BNCS999001", title="Bench", committee=committee)
    datasets = Dataset.objects.bulk_create(
        Dataset(
            accession=f"BNCD{900000 + i}",
            study=study,
            committee=committee,
            title=f"Bench dataset {i}",
        )
        for i in range(count)
    )
    for dataset in datasets:
        services.access_request_create(
            applicant=user,
            data={"title": f"Bench {dataset.accession}", "datasets": [dataset.accession]},
            actor=user,
        )


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import transaction

    from access_requests.demo import find

    reference = find("under_review").reference
    path = f"/api/v1/requests/{reference}/status/"
    token = bench.token("researcher1")
    headers = {"Authorization": f"Bearer {token}"}

    # The machine is shared and noisy: the floor (the trivial DRF view) is measured again
    # right beside each status measurement, three rounds, and the median ratio reported.
    rounds = []
    for _ in range(3):
        floor = bench.requests_per_second("/api/v1/ping/", headers=headers, seconds=3.0)
        rps = bench.requests_per_second(path, headers=headers, seconds=3.0)
        rounds.append((rps / floor, rps, floor))
    rounds.sort()
    ratio, rps, floor = rounds[1]
    yield Figure(
        "GET /api/v1/requests/{ref}/status/ requests/s, token auth",
        rps,
        "req/s",
        floor=floor,
        ratio=round(ratio, 3),
        target=0.6,
        extra={
            "floor_of": "trivial DRF view with token auth requests/s, measured alongside",
            "rounds": [round(r[0], 3) for r in rounds],
            "run_floor_drf_token_rps": bench.floors.get("drf_token_rps"),
        },
    )

    client = _in_process_client(token)
    queries, _body = _count_queries(client, path)
    yield Figure(
        "queries per status/ call (applicant)",
        queries,
        "queries",
        target="<= 4",
        higher_is_better=False,
    )
    member_client = _in_process_client(bench.token("member1"))
    queries, _body = _count_queries(member_client, path)
    yield Figure(
        "queries per status/ call (committee member)",
        queries,
        "queries",
        target="<= 4",
        higher_is_better=False,
    )

    with transaction.atomic():
        _many_requests("researcher2", 110)
        other = _in_process_client(bench.token("researcher2"))
        small, small_body = _count_queries(other, "/api/v1/requests/?page_size=10")
        large, large_body = _count_queries(other, "/api/v1/requests/?page_size=100")
        if len(small_body["results"]) != 10 or len(large_body["results"]) != 100:
            raise RuntimeError("the list pages did not hold 10 and 100 rows")
        transaction.set_rollback(True)
    yield Figure(
        "queries per list page of 10 rows",
        small,
        "queries",
        target="equal to 100 rows",
        higher_is_better=False,
    )
    yield Figure(
        "queries per list page of 100 rows",
        large,
        "queries",
        target=f"== {small} (10 rows)",
        higher_is_better=False,
        extra={"equal": small == large},
    )
