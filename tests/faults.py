"""Real faults for the reliability tests: a redis-server of the test's own that can be paused
(SIGSTOP: it keeps accepting connections and never answers, like a wedged broker) and
resumed, a listener that accepts connections and never says a word (a hung database), and
a default database pointed at a port where nothing listens."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """`redis-server --port N --save '' --appendonly no` on a free loopback port."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / f"redis-{self.port}.log"
        self.paused = False
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{self.log.read_text()}")
            try:
                if self.client().ping():
                    return
            except Exception:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer in time:\n{self.log.read_text()}")

    def pause(self) -> None:
        """SIGSTOP: the kernel still completes TCP handshakes, but nothing ever replies."""
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        if self.process.poll() is None:
            # A stopped process takes SIGKILL too; SIGCONT first lets it go quietly anyway.
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
        self.process.wait(timeout=10)


def run_queued_tasks(url: str, queue: str = "celery") -> list[Any]:
    """Play the worker: take every task message waiting in a Redis queue and run it in this
    process. A publish that timed out against a paused Redis may still land once it
    resumes (the command sat in the socket), so such stray tasks are part of the picture."""
    import redis

    from dac_portal.celery import app

    client: Any = redis.Redis.from_url(url, socket_timeout=2)
    results = []
    while (raw := client.rpop(queue)) is not None:
        message = json.loads(raw)
        args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        task = app.tasks[message["headers"]["task"]]
        results.append(task.apply(args=args, kwargs=kwargs).get())
    return results


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel does, from the backlog) and never
    answers: what a paused or wedged server looks like from outside."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


@contextmanager
def default_database_at(port: int, *, connect_timeout: int = 2) -> Iterator[None]:
    """Point the default database alias at a PostgreSQL server on `port` of loopback (where
    nothing listens, or nothing answers) for the block, then put the real one back. Works
    whichever database the suite runs on: the tests' own connection is set aside, untouched."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    saved = connections["default"]
    unreachable = DatabaseWrapper(
        {
            **saved.settings_dict,
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "dac_unreachable",
            "USER": "dac",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "OPTIONS": {"connect_timeout": connect_timeout},
            "CONN_MAX_AGE": 0,
        },
        "default",
    )
    connections["default"] = unreachable
    try:
        yield
    finally:
        connections["default"] = saved
        unreachable.close()
