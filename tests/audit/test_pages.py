"""The /audit/ page: filters, keyset links, one object's history, export downloads and the
verification panel, for auditors and administrators only."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from accounts.audit_actions import AccountAudit
from audit.audit_actions import LogAudit
from audit.models import AuditEvent, ChainHead, VerificationRun
from tests.audit.tampering import record_a_run_without_the_seal

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(auditor1) -> Client:
    client = Client()
    client.force_login(auditor1)
    return client


def test_the_page_lists_the_newest_events_first(auditor_client) -> None:
    response = auditor_client.get("/audit/", {"limit": 5})
    assert response.status_code == 200
    events = response.context["events"]
    head = ChainHead.objects.get(pk=1).seq
    assert events[0].seq == head and [e.seq for e in events] == sorted(
        (e.seq for e in events), reverse=True
    )
    html = response.content.decode()
    assert "Older events" in html and "Newer events" not in html
    assert "never" in html  # not verified yet


def test_older_and_newer_links_page_through_with_the_filters_kept(auditor_client) -> None:
    first = auditor_client.get("/audit/", {"limit": 5, "action": "user.created"})
    older_link = first.context["links"]["older"]
    assert "action=user.created" in older_link and "before_seq=" in older_link
    older = auditor_client.get("/audit/" + older_link)
    assert older.status_code == 200
    assert max(e.seq for e in older.context["events"]) < min(e.seq for e in first.context["events"])
    newer_link = older.context["links"]["newer"]
    assert "after_seq=" in newer_link
    back = auditor_client.get("/audit/" + newer_link)
    assert [e.seq for e in back.context["events"]] == [e.seq for e in first.context["events"]]


def test_an_object_id_with_a_slash_has_its_history_page(auditor_client) -> None:
    response = auditor_client.get("/audit/objects/consent_scope/DS-1/v2/")
    assert response.status_code == 200
    assert response.context["object_ref"] == ("consent_scope", "DS-1/v2")


def test_one_object_s_history_reads_from_its_beginning(auditor_client) -> None:
    response = auditor_client.get("/audit/objects/committee/genomics-dac/")
    assert response.status_code == 200
    events = response.context["events"]
    assert events[0].action == AccountAudit.COMMITTEE_CREATED
    assert all(e.object_id == "genomics-dac" for e in events)
    assert "History of committee genomics-dac" in response.content.decode()


def test_junk_filters_re_render_the_page_with_errors_and_a_400(auditor_client) -> None:
    response = auditor_client.get("/audit/", {"from": "nonsense", "object": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html


def test_other_people_get_403_and_visitors_are_sent_to_sign_in(researcher1) -> None:
    client = Client()
    assert client.get("/audit/").status_code == 302
    client.force_login(researcher1)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/?format=csv").status_code == 403
    assert client.post("/audit/verify/").status_code == 403


def test_the_page_export_downloads_a_file_and_the_matching_manifest(
    auditor_client, tmp_path
) -> None:
    from audit import export

    page = auditor_client.get("/audit/")
    through = page.context["head"].seq
    params = {"format": "jsonl", "from": "", "to": "", "through_seq": through}
    response = auditor_client.get("/audit/export/", params)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    manifest_response = auditor_client.get("/audit/export/manifest/", params)
    manifest = json.loads(manifest_response.content)
    assert manifest["last_seq"] == through
    (tmp_path / manifest["file"]).write_bytes(content)
    (tmp_path / (manifest["file"] + ".manifest.json")).write_bytes(manifest_response.content)
    assert export.verify_export(tmp_path / manifest["file"])["row_count"] == through


def test_a_junk_page_export_is_a_400_page(auditor_client) -> None:
    response = auditor_client.get("/audit/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_the_verify_button_runs_verification_and_the_page_shows_the_result(
    auditor_client, auditor1
) -> None:
    response = auditor_client.post("/audit/verify/", follow=True)
    assert response.status_code == 200
    run = VerificationRun.objects.get()
    assert run.ok and run.actor == auditor1
    html = response.content.decode()
    assert "The audit log verified" in html and "verified" in html
    assert AuditEvent.objects.order_by("-seq")[0].action == LogAudit.AUDIT_VERIFIED


def test_verifying_from_the_page_is_refused_for_very_long_logs(auditor_client, monkeypatch) -> None:
    from audit import views

    monkeypatch.setattr(views, "VERIFY_IN_REQUEST_MAX", 1)
    response = auditor_client.post("/audit/verify/")
    assert response.status_code == 409
    assert not VerificationRun.objects.exists()


def test_a_verification_the_log_refuses_to_record_answers_409_and_says_why(
    require_postgres, guard_lifted, auditor_client
) -> None:
    """The newest event removed and the chain head left naming it: the links refuse every
    new event, so the outcome cannot be recorded, and the page says so."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [ChainHead.objects.get().seq])
    response = auditor_client.post("/audit/verify/")
    assert response.status_code == 409
    assert "the audit log refuses new events" in response.content.decode()
    assert not VerificationRun.objects.exists()


def test_an_object_s_history_pages_forward_and_back_in_time_order(auditor_client) -> None:
    url = "/audit/objects/committee/genomics-dac/"
    first = auditor_client.get(url, {"limit": 2})
    seqs = [e.seq for e in first.context["events"]]
    assert seqs == sorted(seqs)
    later = auditor_client.get(url + first.context["links"]["newer"])
    later_seqs = [e.seq for e in later.context["events"]]
    assert later_seqs == sorted(later_seqs) and later_seqs[0] > seqs[-1]
    back = auditor_client.get(url + later.context["links"]["older"])
    assert [e.seq for e in back.context["events"]] == seqs


def test_a_nul_character_in_an_object_id_is_a_400_not_a_500(auditor_client) -> None:
    assert auditor_client.get("/audit/objects/user/a%00b/").status_code == 400
    assert auditor_client.get("/audit/", {"actor": "a\x00"}).status_code == 400
    response = auditor_client.get("/audit/export/", {"format": "csv", "from": "\x00"})
    assert response.status_code == 400


def test_the_page_warns_when_the_last_run_found_the_seal_not_intact(auditor_client) -> None:
    record_a_run_without_the_seal()
    html = auditor_client.get("/audit/").content.decode()
    assert "seal on the log was not intact" in html
    assert "the constraint audit_event_sealed is missing" in html


def test_the_page_says_nothing_of_the_seal_when_it_was_intact(auditor_client) -> None:
    auditor_client.post("/audit/verify/")
    assert "seal on the log" not in auditor_client.get("/audit/").content.decode()
