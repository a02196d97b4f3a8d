"""The agreement-template pages: stewards and the chair read the current version and add
the next one; the chair sets the agreement policy; bad input is a 400 with nothing
changed; everyone else is refused."""

from __future__ import annotations

import pytest

from agreements.models import AgreementPolicy, AgreementTemplate
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/agreement-templates/genomics-dac/"


def versions() -> list[int]:
    return list(
        AgreementTemplate.objects.filter(committee__slug="genomics-dac")
        .order_by("version")
        .values_list("version", flat=True)
    )


def test_the_steward_sees_the_current_version_with_a_sanitised_preview(client, steward1):
    template = AgreementTemplate.objects.filter(committee__slug="genomics-dac").first()
    AgreementTemplate.objects.create(
        committee=template.committee,
        version=max(versions()) + 1,
        title="With a script",
        body="# Terms\n\n<script>alert(1)</script>\n\nFor {{ reference }}.",
    )
    client.force_login(steward1)
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "With a script" in html
    assert "<script>alert(1)</script>" not in html
    assert "{{ reference }}" in html  # placeholders are shown unfilled


def test_a_steward_adds_the_next_version_and_it_is_audited(client, steward1):
    before = versions()
    client.force_login(steward1)
    answer = client.post(
        URL,
        {"title": "DUA 2027", "body": "Use {{ datasets }} only as approved in {{ reference }}."},
    )
    assert answer.status_code == 302
    assert versions() == [*before, before[-1] + 1]
    event = AuditEvent.objects.filter(action="agreement_template.created").order_by("-seq").first()
    assert event is not None and event.actor_id == steward1.pk
    assert event.data["version"] == before[-1] + 1
    assert "DUA 2027" in client.get(URL).content.decode()


def test_an_unknown_placeholder_is_a_400_that_keeps_the_text_and_adds_nothing(client, chair1):
    before = versions()
    client.force_login(chair1)
    answer = client.post(URL, {"title": "Typo", "body": "For {{ refrence }}."})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Unknown placeholders: refrence" in html
    assert "For {{ refrence }}." in html  # what was typed is still in the form
    assert versions() == before


def test_an_empty_form_is_a_400(client, chair1):
    client.force_login(chair1)
    before = versions()
    assert client.post(URL, {"title": "", "body": ""}).status_code == 400
    assert versions() == before


def test_a_member_may_not_keep_the_template(client, member1):
    client.force_login(member1)
    assert client.get(URL).status_code == 403
    before = versions()
    assert client.post(URL, {"title": "x", "body": "y"}).status_code == 403
    assert versions() == before


def test_an_unknown_committee_is_a_404(client, chair1):
    client.force_login(chair1)
    assert client.get("/agreement-templates/nope/").status_code == 404


def test_the_chair_sets_the_policy_and_the_steward_may_not(client, chair1, steward1):
    policy_url = URL + "policy/"
    client.force_login(steward1)
    page = client.get(URL).content.decode()
    assert "Only the chair changes the policy." in page
    refused = client.post(
        policy_url,
        {
            "withdrawal_deadline_days": "10",
            "progress_report_grace_days": "5",
            "signature_deadline_days": "45",
        },
    )
    assert refused.status_code == 403
    client.force_login(chair1)
    answer = client.post(
        policy_url,
        {
            "withdrawal_deadline_days": "10",
            "progress_report_grace_days": "5",
            "signature_deadline_days": "45",
        },
    )
    assert answer.status_code == 302
    policy = AgreementPolicy.objects.get(committee__slug="genomics-dac")
    assert (
        policy.countersignature_required,
        policy.withdrawal_deadline_days,
        policy.signature_deadline_days,
    ) == (False, 10, 45)
    assert AuditEvent.objects.filter(action="agreement_policy.updated").exists()


def test_an_invalid_policy_is_a_400_with_nothing_changed(client, chair1):
    client.force_login(chair1)
    before = AgreementPolicy.objects.filter(committee__slug="genomics-dac").values().first()
    answer = client.post(
        URL + "policy/", {"withdrawal_deadline_days": "0", "progress_report_grace_days": "-1"}
    )
    assert answer.status_code == 400
    assert AgreementPolicy.objects.filter(committee__slug="genomics-dac").values().first() == before


def test_the_index_lists_only_the_committees_the_person_keeps(client, steward1, researcher1):
    client.force_login(steward1)
    page = client.get("/agreement-templates/")
    assert page.status_code == 200 and "Genomics Data Access Committee" in page.content.decode()
    client.force_login(researcher1)
    assert client.get("/agreement-templates/").status_code == 403
