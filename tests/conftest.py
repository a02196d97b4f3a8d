"""Fixtures every test can use: the demo data (seeded once per test database), one user
per demo role, API clients authenticated with real Bearer tokens, and the service gates.

Tests that need PostgreSQL or Redis use `require_postgres` / `require_redis`, and tests that
pause a Redis of their own use `redis_server`: they skip when the server (or redis-server) is
absent, and fail instead when REQUIRE_SERVICES=1 (as in CI)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

DEMO_USERNAMES = [
    "researcher1",
    "researcher2",
    "official1",
    "chair1",
    "member1",
    "member2",
    "member3",
    "steward1",
    "admin",
    "auditor1",
    "chair2",
    "member4",
    "steward2",
    "lay1",
]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _service_missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Seed the demo data once into the test database; each test runs in a transaction
    that is rolled back, so the seed is shared and never changed.

    The database was created and migrated (and its rights granted) by the login role; from
    here on, where TEST_ACT_AS_ROLE names the portal's role, connections act as it, the
    seed included, until the database is dropped (tests/support/roles.py)."""
    from tests.support import roles, snapshot

    with django_db_blocker.unblock():
        roles.start_acting()
        call_command("seed_demo", "--allow-without-debug", verbosity=0)
        # Transactional tests put this seed back when they end, from this copy.
        snapshot.take(connection)
    yield
    with django_db_blocker.unblock():
        roles.stop_acting()


@pytest.fixture
def seeded(transactional_db: Any) -> None:
    """For transactional tests (live server, real concurrency): the database is emptied
    after each of them, so they seed again."""
    call_command("seed_demo", "--allow-without-debug", verbosity=0)


@pytest.fixture
def require_postgres() -> None:
    if connection.vendor != "postgresql":
        _service_missing("this test needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.fixture
def db_app_role(require_postgres: None) -> str:
    """The portal's database role the suite acts as (TEST_ACT_AS_ROLE, set when
    MIGRATION_DATABASE_URL names the owner, as in CI): missing, the tests of least
    privilege skip, and fail under REQUIRE_SERVICES=1, so CI cannot quietly fall back to
    running as the owner or a superuser."""
    from django.conf import settings

    role = str(getattr(settings, "TEST_ACT_AS_ROLE", ""))
    if not role:
        _service_missing(
            "the suite is not acting as the portal's role: set DATABASE_URL to that role and "
            "MIGRATION_DATABASE_URL to the owner (docs/operations.md, Database roles)"
        )
    return role


@pytest.fixture
def require_redis() -> str:
    from django.conf import settings

    url = settings.REDIS_URL
    if not url:
        _service_missing("this test needs Redis (set REDIS_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _service_missing(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def redis_server(tmp_path: Any) -> Iterator[Any]:
    """A redis-server of this test's own, on a free loopback port, that the test may pause
    and resume; killed when the test ends, whatever happened."""
    import shutil

    from tests.faults import RedisServer

    binary = shutil.which("redis-server")
    if binary is None:
        _service_missing("this test starts its own redis-server, which is not installed")
    server = RedisServer(binary, tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def demo_user(db: Any) -> Callable[[str], Any]:
    from accounts.models import User

    def get(username: str) -> Any:
        return User.objects.get(username=username)

    return get


def _role_fixture(username: str) -> Any:
    @pytest.fixture(name=username)
    def fixture(demo_user: Callable[[str], Any]) -> Any:
        return demo_user(username)

    return fixture


for _username in DEMO_USERNAMES:
    globals()[_username] = _role_fixture(_username)


@pytest.fixture
def api_client_for(db: Any) -> Callable[[Any], APIClient]:
    """An API client that sends a real Bearer token of the given user."""
    from accounts.services import api_token_create

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            _token, raw = api_token_create(user=user, name="test", days=1, actor=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _english_unless_a_test_asks() -> Iterator[None]:
    """Each test starts in the default language: a page rendered in French by one test
    must not leave lazy labels French for the next one in the same process."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


# A real OpenID Connect provider process and the portal configured for it (tests/support).
from tests.support.federation import federation, oidc_provider  # noqa: E402, F401
