"""Schemathesis against /api/schema/, shared by the per-role fuzz tests (tests/api/fuzz/):
positive and negative data, real path values from the demo, and every check but
"ignored_auth" (which role may call what is the authorization matrix's job).

Each role has its own test file so that the two xdist workers share the load."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod, checks
from schemathesis.types import NotSet

from dac_portal.wsgi import application

CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
)
# Negative data (wrong types, values outside enums and bounds, missing required fields)
# must be refused with a 4xx.
NEGATIVE_CHECKS = (*CHECKS, checks.negative_data_rejection)

# Examples per operation: 8 in the suite (four roles, every operation, positive and
# negative data: the suite's longest tests, kept inside its 15 minutes), more for a longer
# run, e.g. FUZZ_EXAMPLES=100 .venv/bin/python -m pytest tests/api/fuzz.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "8")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def real_path_values() -> dict[str, list[str]]:
    """Identifiers that exist in the demo, so that generated calls reach the views' logic
    (some are the caller's, some another person's: both answers are exercised)."""
    from access_requests.models import AccessRequest, Document
    from accounts.models import Committee
    from agreements.models import Grant, Sanction, WithdrawalNotice
    from consent.models import Dataset

    def values(queryset: Any, field: str) -> list[str]:
        return [str(v) for v in queryset.order_by(field).values_list(field, flat=True)[:20]]

    return {
        "reference": values(AccessRequest.objects.all(), "reference"),
        "accession": values(Dataset.objects.all(), "accession"),
        "grant": values(Grant.objects.all(), "reference"),
        "committee": values(Committee.objects.all(), "slug"),
        "document_id": values(Document.objects.all(), "public_id"),
        "sanction": values(Sanction.objects.all(), "public_id"),
        "notice": values(WithdrawalNotice.objects.all(), "public_id"),
    }


def _with_real_values(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Half of the generated path parameters are replaced by real ones."""

    @st.composite
    def draw(draw_: Any) -> Any:
        generated = draw_(strategy)
        if not isinstance(generated, dict) or not draw_(st.booleans()):
            return generated
        real = real_path_values()
        chosen = dict(generated)
        for name in generated:
            if real.get(name):
                chosen[name] = draw_(st.sampled_from(real[name]))
        return chosen

    return draw()


def wsgi_schema() -> Iterator[Any]:
    """The schema as a fixture body: like Django's test client, keep the test's database
    connection (and its transaction) open across the WSGI calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.from_wsgi(
            "/api/schema/",
            application,
            data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
        )

        @schema.hook
        def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
            return _with_real_values(strategy)

        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_for(user: Any) -> str:
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=user, name="fuzz", days=1, actor=user)
    return raw


def call_and_check(case: Any, token: str) -> None:
    response = case.call_wsgi(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=NEGATIVE_CHECKS if _negated(case) else CHECKS)


def _negated(case: Any) -> bool:
    """Whether some part of the call really was made invalid. Schemathesis marks a whole
    case negative even for an operation with nothing to negate (no parameters, no body),
    and such a call rightly succeeds."""
    meta = case.meta
    if meta is None:
        return False
    return any(
        getattr(meta, part, None) == DataGenerationMethod.negative
        and not isinstance(getattr(case, part, None), NotSet)
        and getattr(case, part, None) not in (None, {})
        for part in ("query", "path_parameters", "body")
    )
