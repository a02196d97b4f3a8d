"""Recording a consent withdrawal says how many grant holders it tells (issue 14): the
count comes from agreements through consent.holders, before and after recording."""

from __future__ import annotations

import pytest

from agreements.models import Grant
from consent import holders
from consent.models import Dataset

pytestmark = pytest.mark.django_db


def test_the_holder_count_is_the_people_with_a_live_grant_on_the_dataset() -> None:
    dataset = Dataset.objects.get(accession="DACD000002")
    expected = (
        Grant.objects.filter(dataset=dataset, status__in=["active", "suspended"])
        .values("holder")
        .distinct()
        .count()
    )
    assert expected >= 1
    assert holders.holders_of(dataset) == expected


def test_the_withdrawal_page_says_how_many_are_told_before_and_after(client, steward1) -> None:
    dataset = Dataset.objects.get(accession="DACD000002")
    count = holders.holders_of(dataset)
    client.force_login(steward1)
    page = client.get("/steward/datasets/DACD000002/withdrawals/").content.decode()
    assert f"tells the {count} " in page
    done = client.post(
        "/steward/datasets/DACD000002/withdrawals/",
        {"participant_count": 1, "pseudonymous_ids": "", "note": "", "effective_on": ""},
        follow=True,
    )
    assert f"The {count} " in done.content.decode() and "being told now" in done.content.decode()
