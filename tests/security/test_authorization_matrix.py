"""Every route × every demo role (and anonymous) answers the expected status."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from tests.security.matrix import ROLES, Row, all_route_names, all_rows

ROWS = all_rows()


def test_every_route_has_a_row_in_the_matrix() -> None:
    covered = {row.route for row in ROWS}
    missing = sorted(all_route_names() - covered)
    assert not missing, f"Routes without authorization matrix rows: {missing}"


def test_no_row_names_a_route_that_does_not_exist() -> None:
    stale = sorted({row.route for row in ROWS} - all_route_names() - {"admin:index"})
    assert not stale, f"Matrix rows for routes that no longer exist: {stale}"


class Demo:
    """What a row's path function may look things up in."""

    def user(self, username: str) -> User:
        return User.objects.get(username=username)


def _call(row: Row, role: str, demo: Demo) -> int:
    path = row.path(demo) if callable(row.path) else row.path
    user = None if role == "anonymous" else User.objects.get(username=role)
    body = row.body(demo) if callable(row.body) else row.body
    method = row.method.lower()
    if path.startswith("/api/") and not row.form:
        api = APIClient()
        if user is not None:
            _token, raw = api_token_create(user=user, name="matrix", days=1, actor=user)
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": "application/json"}
        response = getattr(api, method)(path, **kwargs)
    else:
        client = Client()
        if user is not None:
            client.force_login(user)
        response = (
            getattr(client, method)(path, data=body or {})
            if method in {"post", "put", "patch"}
            else getattr(client, method)(path)
        )
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_route_answers_each_role_as_the_matrix_says(row: Row) -> None:
    demo = Demo()
    wrong = []
    for role in ROLES:
        # Each call runs in a savepoint that is rolled back, so a permitted POST for one
        # role does not change what the next role sees.
        with transaction.atomic():
            status = _call(row, role, demo)
            transaction.set_rollback(True)
        expected = row.expected_for(role)
        if status != expected:
            wrong.append(f"{role}: expected {expected}, got {status}")
    assert not wrong, f"{row.id} {row.path if isinstance(row.path, str) else ''}\n" + "\n".join(
        wrong
    )
