"""Start real Celery workers as subprocesses and point this process's Celery app at a
broker, for the broker and reliability tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

from dac_portal.celery import app
from notifications import dispatch

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _reset_pools() -> None:
    # The app caches its broker connection pool and producer pool: drop the references so
    # that the next publish uses the pools of the broker now configured (kombu keeps one
    # pool per broker URL in a global registry, so nothing is closed here).
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    # A pause after a failed publish belongs to the broker that failed, not the next one.
    dispatch.forget_broker_failures()


@contextmanager
def celery_conf(**overrides: Any) -> Iterator[None]:
    """Temporarily change the Celery app's configuration in this process."""
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _reset_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_pools()


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for a worker."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("workers share the test database on PostgreSQL only")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """One `celery worker --pool solo` subprocess consuming one queue."""

    def __init__(self, *, queue: str, env: dict[str, str], log: Path) -> None:
        self.queue = queue
        self.log = log
        self._log_file = log.open("ab")
        # libpq names the worker's database sessions after it, so that `kill` can wait
        # for PostgreSQL to end them (and release their row locks).
        self.application_name = f"test-worker-{uuid.uuid4().hex[:12]}"
        full_env = {
            **os.environ,
            "PGAPPNAME": self.application_name,
            "DJANGO_SETTINGS_MODULE": "dac_portal.settings.test",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "tests.notifications.worker",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "-Q",
                queue,
                "--hostname",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited early:\n{self.output()}")
            return " ready." in self.output()

        wait_for(ready, timeout=timeout, what=f"the worker to start:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or requeued by the worker. Returns
        once PostgreSQL has ended the dead worker's sessions: until then a row it had
        locked stays locked, and a flush that skips locked rows would not see it (on a
        busy machine that took longer than the flush's first look)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        if connection.vendor == "postgresql":
            wait_for(
                lambda: not self._sessions(),
                timeout=30,
                what="PostgreSQL to end the killed worker's sessions",
            )

    def _sessions(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [self.application_name],
            )
            return int(cursor.fetchone()[0])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()


@contextmanager
def running_worker(*, queue: str, env: dict[str, str], log: Path) -> Iterator[Worker]:
    worker = Worker(queue=queue, env=env, log=log)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


def unique_queue(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
