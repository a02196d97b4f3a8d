"""Health endpoints and the security headers every answer carries."""

from __future__ import annotations

import pytest

from dac_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_answers_503_naming_the_broker_when_it_is_unreachable(client):
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/readyz")
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"] and body["checks"]["database"] == "ok"


def test_every_page_carries_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_have_no_inline_scripts_styles_or_handlers(client, researcher1):
    import re

    client.force_login(researcher1)
    for path in ["/", "/accounts/login/", "/accounts/profile/", "/accounts/tokens/"]:
        client.logout() if path == "/accounts/login/" else client.force_login(researcher1)
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"<style\b", html), path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_every_answer_carries_a_request_id_and_reuses_a_sane_incoming_one(client):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    assert (
        client.get("/healthz", HTTP_X_REQUEST_ID="trace-12345678")["X-Request-ID"]
        == "trace-12345678"
    )
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_session_and_csrf_cookies_are_locked_down_in_production():
    from dac_portal.settings import base

    assert base.SESSION_COOKIE_HTTPONLY and base.SESSION_COOKIE_SAMESITE == "Lax"
    source = (base.BASE_DIR / "dac_portal" / "settings" / "production.py").read_text()
    assert "SESSION_COOKIE_SECURE = True" in source and "CSRF_COOKIE_SECURE = True" in source


def test_passwords_are_hashed_with_argon2_outside_tests():
    from dac_portal.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_check_deploy_passes_under_production_settings():
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves; a deployment never has it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [str(root / "bin" / "check-deploy")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
