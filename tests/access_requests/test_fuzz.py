"""Property: whatever JSON arrives at the request endpoints, the answer is never a 5xx, and
a refused call stores nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_requests.models import AccessRequest
from tests.access_requests.conftest import ALL_ATTESTATIONS

pytestmark = pytest.mark.django_db

FIELDS = [
    "title",
    "lay_summary",
    "research_use_statement",
    "purpose",
    "datasets",
    "collaborators",
    "attestations",
]
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
# Bodies that look like requests: known fields with arbitrary values, plausible values, and
# now and then an unknown field.
plausible = {
    "title": st.text(max_size=50),
    "purpose": st.fixed_dictionaries(
        {}, optional={"hmb": st.booleans(), "diseases": st.lists(st.text(max_size=12), max_size=2)}
    ),
    "datasets": st.lists(st.sampled_from(["DACD000005", "DACD000001", "NOPE"]), max_size=2),
    "attestations": st.just(ALL_ATTESTATIONS),
    "collaborators": st.lists(
        st.fixed_dictionaries({"name": st.text(max_size=10), "institution": st.text(max_size=10)}),
        max_size=2,
    ),
}
bodies = (
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)
    | st.fixed_dictionaries({}, optional={k: v | json_values for k, v in plausible.items()})
    | json_values
)


# Function-scoped fixtures are made once per test and shared by its examples, which is
# what is wanted here (hence the suppressed health check).
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def api(researcher1, api_client_for):
    return api_client_for(researcher1)


@pytest.fixture
def draft(researcher1, make_dataset):
    from access_requests import services

    return services.access_request_create(
        applicant=researcher1,
        data={"title": "Fuzzed", "datasets": [make_dataset().accession]},
        actor=researcher1,
    )


@FUZZ
@given(body=bodies)
def test_create_never_answers_5xx_and_a_refusal_stores_nothing(api, body):
    before = AccessRequest.objects.count()
    response = api.post("/api/v1/requests/", data=json.dumps(body), content_type="application/json")
    assert response.status_code in {201, 400, 409}, (body, response.content)
    if response.status_code != 201:
        assert AccessRequest.objects.count() == before


@FUZZ
@given(body=bodies)
def test_patch_never_answers_5xx(api, draft, body):
    response = api.patch(
        f"/api/v1/requests/{draft.reference}/",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code in {200, 400, 409}, (body, response.content)
