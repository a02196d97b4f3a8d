"""Shared machinery of `make bench`: the database, a gunicorn server, a loopback load
generator, and the Figure record every benchmark prints.

Machines here are noisy, so no figure is judged alone: each is divided by a floor measured
in the same run (the floors come first, from figures_00_floors.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Figure:
    figure: str
    value: float
    unit: str
    floor: float | None = None
    ratio: float | None = None
    target: float | str | None = None
    higher_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ratio is None and self.floor:
            self.ratio = round(self.value / self.floor, 3)

    def as_json(self) -> str:
        record = asdict(self)
        extra = record.pop("extra")
        record.update(extra)
        for key in ("value", "floor"):
            if isinstance(record[key], float):
                record[key] = round(record[key], 3)
        return json.dumps(record, ensure_ascii=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load_worker(
    args: tuple[str, int, str, dict[str, str], float, Any],
) -> tuple[int, int, list[str]]:
    """(answers 2xx, other answers or failures, the first few of those in words)."""
    host, port, path, headers, seconds, start_at = args
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    ok = bad = 0
    problems: list[str] = []
    conn = http.client.HTTPConnection(host, port, timeout=10)
    while time.time() < deadline:
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if 200 <= response.status < 300:
                ok += 1
            else:
                bad += 1
                if len(problems) < 3:
                    problems.append(f"{response.status} {body[:200]!r}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
        except (OSError, http.client.HTTPException) as exc:
            bad += 1
            if len(problems) < 3:
                problems.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.close()
    return ok, bad, problems


class Bench:
    """What a figure module's `run(bench)` gets."""

    def __init__(self, database: str):
        self.database = database
        self.floors: dict[str, float] = {}
        self._server: subprocess.Popen[bytes] | None = None
        self._port = 0

    # -- the server -----------------------------------------------------------------
    def base_url(self) -> tuple[str, int]:
        if self._server is None:
            self._start_server()
        return "127.0.0.1", self._port

    def _start_server(self) -> None:
        self._port = free_port()
        workers = os.environ.get("BENCH_WORKERS", "2")
        self._server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "dac_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self._port}",
                "--workers",
                workers,
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self._port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start within 60 s")

    def close(self) -> None:
        if self._server is not None:
            self._server.terminate()
            self._server.wait(timeout=30)
            self._server = None

    # -- load -----------------------------------------------------------------------
    def requests_per_second(
        self,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        seconds: float = 4.0,
        clients: int = 4,
    ) -> float:
        """GET `path` from `clients` processes with keep-alive for `seconds`; every answer
        must be 2xx, or the figure would be measuring errors."""
        host, port = self.base_url()
        self._warm(path, headers or {})
        start_at = time.time() + 0.5
        args = [(host, port, path, headers or {}, seconds, start_at)] * clients
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            results = pool.map(_load_worker, args)
        ok = sum(r[0] for r in results)
        bad = sum(r[1] for r in results)
        if bad:
            seen = [problem for r in results for problem in r[2]][:3]
            raise RuntimeError(f"{bad} non-2xx answers from {path} under load: {seen}")
        return ok / seconds

    def _warm(self, path: str, headers: dict[str, str]) -> None:
        host, port = self.base_url()
        conn = http.client.HTTPConnection(host, port, timeout=10)
        for _ in range(20):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}: {body[:300]!r}")
        conn.close()

    # -- helpers --------------------------------------------------------------------
    def token(self, username: str) -> str:
        from accounts.models import User
        from accounts.services import api_token_create

        user = User.objects.get(username=username)
        _token, raw = api_token_create(user=user, name="bench", days=1, actor=user)
        return raw


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def section(name: str) -> Iterator[None]:
    stderr(f"[bench] {name} …")
    start = time.perf_counter()
    yield
    stderr(f"[bench] {name} done in {time.perf_counter() - start:.1f} s")


def queries_of(call: Any) -> int:
    """How many SQL statements `call()` runs, counted at the connection (unlike
    CaptureQueriesContext, it does not read a query log that may be full)."""
    from django.db import connection

    count = 0

    def counter(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call()
    return count


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(int(len(values) * 0.95) - 1, 0)]


def page_and_floor_ms(client: Any, path: str, rounds: int) -> tuple[list[float], list[float]]:
    """Response times (ms) of `path` and of `/healthz`, alternated in one loop with one
    client, so that the floor sees the same noise as the page. A page that does not answer
    200 stops the figure."""
    page: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        for where, into in ((path, page), ("/healthz", floor)):
            start = time.perf_counter()
            response = client.get(where)
            into.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{where} answered {response.status_code}")
    return page, floor


def repeated_ms(call: Any, rounds: int) -> list[float]:
    """`call()`'s times in ms over `rounds` runs, after one warming run (plans, caches)."""
    call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times
