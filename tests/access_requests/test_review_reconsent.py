"""An open re-consent flag on a dataset (consent.reconsent) blocks its approval with a 409
that names it, leaving nothing decided; rejecting is still possible, and once the
stewards clear the flag the committee may approve — in the service and over REST."""

from __future__ import annotations

import pytest

from access_requests.models import RequestedDataset
from consent import reconsent
from dac_portal.errors import Conflict
from tests.access_requests.conftest import decide, last_event, vote

pytestmark = pytest.mark.django_db


def test_an_open_flag_blocks_approval_until_it_is_cleared(
    reviewing,
    member1,
    member2,
    chair1,
    steward1,
):
    request = reviewing()
    dataset = request.requested_datasets.get().dataset
    flag = reconsent.reconsent_flag_raise(
        dataset=dataset, reason="Minors now adults.", actor=steward1
    )
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    with pytest.raises(Conflict) as refused:
        decide(request, chair1, "approved")
    assert refused.value.code == "reconsent_pending"
    assert refused.value.details == {"datasets": {dataset.accession: ["Minors now adults."]}}
    assert not RequestedDataset.objects.filter(access_request=request).exclude(decision="").exists()
    assert last_event("access_request.decided", request.reference) is None

    reconsent.reconsent_flag_clear(flag=flag, note="Re-consented.", actor=steward1)
    decide(request, chair1, "approved")
    request.refresh_from_db()
    assert request.status == "approved"


def test_a_rejection_is_not_blocked_by_a_flag(reviewing, member1, member2, chair1, steward1):
    request = reviewing()
    dataset = request.requested_datasets.get().dataset
    reconsent.reconsent_flag_raise(dataset=dataset, reason="New consent form.", actor=steward1)
    vote(request, member1, "reject")
    vote(request, member2, "reject")
    decide(request, chair1, "rejected", reason="Out of scope.")
    request.refresh_from_db()
    assert request.status == "rejected"


def test_over_rest_the_refusal_is_a_409_naming_the_dataset(
    reviewing,
    member1,
    member2,
    chair1,
    steward1,
    api_client_for,
):
    request = reviewing()
    dataset = request.requested_datasets.get().dataset
    reconsent.reconsent_flag_raise(dataset=dataset, reason="Minors now adults.", actor=steward1)
    vote(request, member1, "approve")
    vote(request, member2, "approve")
    answer = api_client_for(chair1).post(
        f"/api/v1/requests/{request.reference}/decision/",
        {"decisions": [{"dataset": dataset.accession, "decision": "approved"}]},
        format="json",
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "reconsent_pending"
    assert dataset.accession in answer.json()["error"]["message"]
    request.refresh_from_db()
    assert request.status == "under_review"


def test_the_review_page_says_the_dataset_cannot_be_approved(reviewing, chair1, steward1, client):
    request = reviewing()
    dataset = request.requested_datasets.get().dataset
    reconsent.reconsent_flag_raise(dataset=dataset, reason="Minors now adults.", actor=steward1)
    client.force_login(chair1)
    page = client.get(f"/review/{request.reference}/").content.decode()
    assert "Re-consent pending" in page and "Minors now adults." in page
