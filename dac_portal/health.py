"""/healthz (the process answers) and /readyz (the database and the broker answer)."""

from __future__ import annotations

from pathlib import Path

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dac_portal.celery import app as celery_app


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"down: {type(exc).__name__}"
    return "ok"


def _check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            if conn.transport.driver_type == "filesystem":
                # The filesystem transport "connects" without touching the disk: prove that
                # its folders are writable instead.
                for key in ("data_folder_in", "processed_folder"):
                    folder = Path(conn.transport_options[key])
                    folder.mkdir(parents=True, exist_ok=True)
                    probe = folder / ".readyz"
                    probe.write_text("ok")
                    probe.unlink()
    except Exception as exc:  # any transport error means "not ready"
        return f"down: {type(exc).__name__}"
    return "ok"


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": checks,
            "down": [k for k, v in checks.items() if v != "ok"],
        },
        status=200 if ready else 503,
    )
