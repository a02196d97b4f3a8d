"""/healthz (the process answers) and /readyz (the database and the broker answer).

/readyz must answer within a few seconds whatever state its dependencies are in, including a
server that accepts connections and never replies (a paused or wedged process): a load
balancer that gets no answer cannot tell "not ready" from "dead", and a web worker stuck in
a probe serves nobody. So each dependency is probed on a fresh connection of its own, with
its own connect and read timeouts, and the probes run side by side under one deadline
(READYZ_DEADLINE_SECONDS); a probe still running at the deadline counts as down. Nothing in
the answer names a host, a port or a driver message: only the dependency and an error type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dac_portal.celery import app as celery_app

logger = logging.getLogger(__name__)

# The whole of /readyz stays under 3 s: the probes' own timeouts are shorter than this, and
# the deadline catches whatever they do not (a server that stops between connect and reply).
READYZ_DEADLINE_SECONDS = 2.5
# libpq counts connect_timeout in whole seconds, 2 at least.
DATABASE_PROBE_CONNECT_TIMEOUT = 2
DATABASE_PROBE_STATEMENT_TIMEOUT_MS = 1000


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _probe_settings(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """The default database's settings with short timeouts, for a connection of the probe's
    own (the request's connection may be the one that is stuck)."""
    probe = {**settings_dict, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False}
    options = dict(settings_dict.get("OPTIONS") or {})
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        options["connect_timeout"] = DATABASE_PROBE_CONNECT_TIMEOUT
        statement_timeout = f"-c statement_timeout={DATABASE_PROBE_STATEMENT_TIMEOUT_MS}"
        options["options"] = f"{options.get('options', '')} {statement_timeout}".strip()
    elif settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        options["timeout"] = 1  # seconds to wait for a lock
    probe["OPTIONS"] = options
    return probe


def _check_database(wrapper_class: Any, settings_dict: dict[str, Any]) -> None:
    probe = wrapper_class(_probe_settings(settings_dict), "default")
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        probe.close()
        if probe.connection is not None:
            # SQLite's close() keeps an in-memory database's connection open (closing it
            # would drop the database); the database lives on in the process's own one.
            probe.connection.close()


def _check_redis(url: str) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # redis-py retries a timed-out command ten times by default: once is the probe.
    client: Any = redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.CELERY_BROKER_CONNECT_TIMEOUT,
        socket_timeout=settings.CELERY_BROKER_SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_broker() -> None:
    url = str(celery_app.conf.broker_url or "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        _check_redis(url)
        return
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECT_TIMEOUT)
        if conn.transport.driver_type == "filesystem":
            # The filesystem transport "connects" without touching the disk: prove that
            # its folders are writable instead.
            for key in ("data_folder_in", "processed_folder"):
                folder = Path(conn.transport_options[key])
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / ".readyz"
                probe.write_text("ok")
                probe.unlink()


def _checks() -> dict[str, Callable[[], None]]:
    # Django's connections are per thread: the probe's thread is told which database the
    # request's thread is configured with.
    default = connections["default"]
    return {
        "database": partial(_check_database, type(default), default.settings_dict),
        "broker": _check_broker,
    }


def _run_checks() -> dict[str, str]:
    checks = _checks()
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    done, _late = wait(futures.values(), timeout=READYZ_DEADLINE_SECONDS)
    # Not `with pool`: leaving it would wait for a probe that is still stuck. Such a probe
    # ends by its own timeouts a little later, in its own thread.
    pool.shutdown(wait=False)
    results: dict[str, str] = {}
    for name, future in futures.items():
        if future not in done:
            results[name] = "down: no answer in time"
        elif (exc := future.exception()) is not None:  # any driver error means "not ready"
            results[name] = f"down: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = _run_checks()
    down = [name for name, result in checks.items() if result != "ok"]
    if down:
        logger.warning("readyz: not ready: %s", ", ".join(f"{n} {checks[n]}" for n in down))
    return JsonResponse(
        {"status": "unavailable" if down else "ok", "checks": checks, "down": down},
        status=503 if down else 200,
    )
