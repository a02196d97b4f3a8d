"""A committee's decision policy (issue 18), set by its chair on the members page: whether
members vote on renewals, the appeal window, and who hears appeals. The changes are saved
together and audited as one `committee.updated` naming each; refused input changes nothing."""

from __future__ import annotations

import pytest

from accounts.models import Committee
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PATH = "/committees/genomics-dac/members/decision-policy/"


def updates() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="committee.updated", object_id="genomics-dac").order_by(
            "seq"
        )
    )


def test_the_chair_saves_the_policy_as_one_audited_change(client, chair1):
    client.force_login(chair1)
    before = len(updates())
    saved = client.post(
        PATH,
        {
            "renewals_by_committee": "yes",
            "appeal_window_days": "45",
            "appeals_committee": "rare-registry-dac",
        },
    )
    assert saved.status_code == 302
    committee = Committee.objects.get(slug="genomics-dac")
    assert committee.appeal_window_days == 45
    assert committee.appeals_committee.slug == "rare-registry-dac"
    events = updates()
    assert len(events) == before + 1
    # The demo's committee already votes on renewals: only what changed is named.
    assert events[-1].data == {"appeal_window_days": 45, "appeals_committee": "rare-registry-dac"}
    again = client.post(
        PATH,
        {
            "renewals_by_committee": "yes",
            "appeal_window_days": "45",
            "appeals_committee": "rare-registry-dac",
        },
    )
    assert again.status_code == 302 and len(updates()) == before + 1


def test_refused_input_is_a_400_on_the_members_page_and_changes_nothing(client, chair1):
    client.force_login(chair1)
    before = len(updates())
    refused = client.post(
        PATH, {"renewals_by_committee": "yes", "appeal_window_days": "0", "appeals_committee": ""}
    )
    assert refused.status_code == 400
    assert 'id="decision-policy-heading"' in refused.content.decode()
    assert Committee.objects.get(slug="genomics-dac").appeal_window_days == 30
    assert len(updates()) == before
