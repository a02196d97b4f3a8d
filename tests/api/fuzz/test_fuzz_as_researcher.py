"""Schemathesis as researcher1: positive and negative data, no 5xx, answers match the
schema, negative data refused with a 4xx (tests/api/fuzzing.py)."""

from __future__ import annotations

import pytest
import schemathesis

from tests.api.fuzzing import FUZZ_SETTINGS, call_and_check, token_for, wsgi_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db):
    yield from wsgi_schema()


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture
def token(researcher1):
    return token_for(researcher1)


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_as_researcher(case, token):
    call_and_check(case, token)
