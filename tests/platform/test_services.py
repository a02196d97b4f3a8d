"""Proof that the suite ran on the servers CI provides: PostgreSQL (vendor check) and Redis
(a real round trip). Without DATABASE_URL / REDIS_URL these skip, and with
REQUIRE_SERVICES=1 they fail instead."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_the_tests_run_on_postgresql_when_database_url_names_it(require_postgres: None) -> None:
    assert os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    assert version.startswith("PostgreSQL")
    assert connection.settings_dict["NAME"].startswith("test_")


def test_a_value_makes_a_round_trip_through_redis(require_redis: str) -> None:
    import redis

    client: Any = redis.Redis.from_url(require_redis, socket_connect_timeout=2)
    key = f"dac-test:{uuid.uuid4().hex}"
    try:
        assert client.set(key, "round trip", ex=60)
        assert client.get(key) == b"round trip"
    finally:
        client.delete(key)
    assert client.get(key) is None
