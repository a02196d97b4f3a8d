"""Re-consent flags (consent.reconsent): stewards raise and clear them with reasons, each
change audited; bad input is a 400 and a second clear a 409, with nothing changed; only
the dataset's stewards may; the public dataset page says approvals are paused; and the
check the decision service calls names each blocked dataset."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from consent import reconsent
from consent.models import Dataset, ReconsentFlag
from dac_portal.errors import Conflict, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.objects.get(accession="DACD000004")


def last_event(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-seq").first()
    assert event is not None
    return event


def test_a_steward_raises_a_flag_and_it_is_audited(dataset, steward1):
    flag = reconsent.reconsent_flag_raise(
        dataset=dataset, reason="Minors reached adulthood.", participant_count=40, actor=steward1
    )
    assert flag.is_open and flag.raised_by == steward1
    event = last_event("consent.reconsent_flagged")
    assert (event.object_type, event.object_id) == ("reconsent_flag", f"DACD000004/{flag.pk}")
    assert event.data == {
        "dataset": "DACD000004",
        "reason": "Minors reached adulthood.",
        "participant_count": 40,
    }


@pytest.mark.parametrize(
    ("reason", "count"), [("", None), ("   ", None), ("ok", 0), ("ok", "12"), ("x" * 2001, None)]
)
def test_bad_input_is_refused_and_nothing_is_written(dataset, steward1, reason, count):
    before = ReconsentFlag.objects.count()
    with pytest.raises(ValidationError):
        reconsent.reconsent_flag_raise(
            dataset=dataset, reason=reason, participant_count=count, actor=steward1
        )
    assert ReconsentFlag.objects.count() == before


def test_only_the_datasets_stewards_may_raise(dataset, member1):
    with pytest.raises(PermissionDenied):
        reconsent.reconsent_flag_raise(dataset=dataset, reason="x", actor=member1)


def test_clearing_records_how_and_a_second_clear_is_a_conflict(dataset, steward1):
    flag = reconsent.reconsent_flag_raise(dataset=dataset, reason="New form.", actor=steward1)
    with pytest.raises(ValidationError):
        reconsent.reconsent_flag_clear(flag=flag, note=" ", actor=steward1)
    cleared = reconsent.reconsent_flag_clear(flag=flag, note="All re-consented.", actor=steward1)
    assert not cleared.is_open and cleared.cleared_by == steward1
    assert last_event("consent.reconsent_cleared").data == {
        "dataset": "DACD000004",
        "note": "All re-consented.",
    }
    seq = last_event("consent.reconsent_cleared").seq
    with pytest.raises(Conflict) as again:
        reconsent.reconsent_flag_clear(flag=flag, note="Again.", actor=steward1)
    assert again.value.code == "already_cleared"
    assert last_event("consent.reconsent_cleared").seq == seq


def test_the_approval_check_names_each_blocked_dataset(dataset, steward1):
    other = Dataset.objects.get(accession="DACD000001")
    reconsent.refuse_if_reconsent_pending([dataset, other])  # no flag on either: no refusal
    reconsent.reconsent_flag_raise(dataset=dataset, reason="Minors now adults.", actor=steward1)
    with pytest.raises(Conflict) as refused:
        reconsent.refuse_if_reconsent_pending([dataset, other])
    assert refused.value.code == "reconsent_pending"
    assert refused.value.details == {"datasets": {"DACD000004": ["Minors now adults."]}}
    reconsent.refuse_if_reconsent_pending([other])


def test_the_database_refuses_a_cleared_flag_without_a_note(dataset, steward1):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    flag = reconsent.reconsent_flag_raise(dataset=dataset, reason="x", actor=steward1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconsentFlag.objects.filter(pk=flag.pk).update(
            cleared_at=timezone.now(), cleared_by=steward1
        )


# -- pages -------------------------------------------------------------------------------------

URL = "/steward/datasets/DACD000004/reconsent/"


def test_the_steward_raises_and_clears_from_the_page(client, steward1):
    client.force_login(steward1)
    assert "No re-consent flags." in client.get(URL).content.decode()
    answer = client.post(URL, {"reason": "Children now adults.", "participant_count": "12"})
    assert answer.status_code == 302
    flag = ReconsentFlag.objects.get(dataset__accession="DACD000004")
    page = client.get(URL).content.decode()
    assert "Children now adults." in page and "1 open flag" in page
    public = client.get("/datasets/DACD000004/").content.decode()
    assert "no new access to this dataset is approved" in public
    answer = client.post(f"{URL}{flag.pk}/clear/", {f"clear-{flag.pk}-note": "Done in May."})
    assert answer.status_code == 302
    assert "No open flag" in client.get(URL).content.decode()
    assert (
        "no new access to this dataset is approved"
        not in client.get("/datasets/DACD000004/").content.decode()
    )


def test_an_empty_reason_is_a_400_with_nothing_written(client, steward1):
    client.force_login(steward1)
    answer = client.post(URL, {"reason": "", "participant_count": ""})
    assert answer.status_code == 400
    assert not ReconsentFlag.objects.filter(dataset__accession="DACD000004").exists()


def test_clearing_an_unknown_or_other_datasets_flag_is_a_404(client, steward1):
    other = ReconsentFlag.objects.filter(dataset__accession="DACD000003").first()
    client.force_login(steward1)
    assert client.post(f"{URL}999999/clear/", {"x": "y"}).status_code == 404
    assert client.post(f"{URL}{other.pk}/clear/", {"x": "y"}).status_code == 404


def test_a_member_gets_a_404(client, member1):
    client.force_login(member1)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"reason": "x"}).status_code == 404
    assert not ReconsentFlag.objects.filter(dataset__accession="DACD000004").exists()


def test_the_demo_has_an_open_flag_and_a_cleared_one():
    assert ReconsentFlag.objects.filter(
        dataset__accession="DACD000003", cleared_at__isnull=True
    ).exists()
    assert ReconsentFlag.objects.filter(
        dataset__accession="DACD000006", cleared_at__isnull=False
    ).exists()
