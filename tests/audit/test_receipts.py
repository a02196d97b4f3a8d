"""Decision receipts: each decision and grant revocation records a receipt event holding only
what the applicant is told; its receipt (the event, an inclusion proof and a signed tree
head) verifies offline with the log's public key, from the request page and the decision
e-mail alike, and any changed byte fails."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.demo import approve_for_demo, sign_all
from agreements.models import Grant
from agreements.services import grant_revoke
from audit import keys, transparency_log
from audit.audit_actions import LogAudit
from audit.chain import compute_hash
from audit.models import AuditEvent, TreeHead
from audit.offline_verifier import event_hash, receipt_check
from audit.receipts import receipt_document, receipts_of
from audit.services import audit_record
from notifications.models import Notification
from notifications.services import notification_send

pytestmark = pytest.mark.django_db
VERIFIER = Path(__file__).resolve().parents[2] / "audit" / "offline_verifier.py"


@pytest.fixture
def approved(researcher1: Any, chair1: Any, official1: Any) -> Any:
    return approve_for_demo(
        applicant=researcher1,
        title="Receipts",
        datasets=["DACD000007"],
        chair=chair1,
        official=official1,
        conditions=["PUB: publish the results"],
    )


def public_key() -> bytes:
    return keys.public_pem(keys.signing_key().public_key()).encode("ascii")


def the_receipt(reference: str) -> dict[str, Any]:
    (event,) = receipts_of(reference)
    return receipt_document(event, now=timezone.now())


def test_a_decision_records_a_receipt_event_right_after_it_with_nothing_private(approved):
    decision = AuditEvent.objects.get(action="access_request.decided", object_id=approved.reference)
    (receipt,) = receipts_of(approved.reference)
    assert receipt.seq == decision.seq + 1
    assert receipt.actor_id is None and receipt.actor_label == "system:receipts"
    assert receipt.client_ip is None and receipt.request_id == ""
    assert receipt.data == {
        "kind": "decision",
        "outcome": {"status": "approved", "datasets": {"DACD000007": "approved"}},
        "decision_event": {"seq": decision.seq, "hash": decision.hash},
    }


def test_a_receipt_verifies_offline_against_the_logs_public_key(approved):
    receipt = the_receipt(approved.reference)
    assert receipt["event_hash"] == compute_hash(receipt["event"])
    assert receipt["inclusion"]["leaf_index"] == receipt["event"]["seq"] - 1
    assert receipt_check(receipt, public_key()) == []


def test_a_receipt_signs_a_tree_head_only_when_none_covers_its_event(approved):
    heads = TreeHead.objects.count()  # the demo data's, older than the decision
    first = the_receipt(approved.reference)
    assert TreeHead.objects.count() == heads + 1
    again = the_receipt(approved.reference)
    assert TreeHead.objects.count() == heads + 1
    assert again["tree_head"] == first["tree_head"]


@pytest.mark.parametrize(
    "path, value",
    [
        (("event", "data", "outcome", "status"), "rejected"),
        (("event", "occurred_at"), "2020-01-01T00:00:00.000000Z"),
        (("event", "seq"), 1),
        (("event_hash",), "0" * 64),
        (("inclusion", "audit_path", 0), "f" * 64),
        (("inclusion", "leaf_index"), 0),
        (("tree_head", "root_hash"), "a" * 64),
        (("tree_head", "timestamp"), "2030-01-01T00:00:00.000000Z"),
        (("tree_head", "signature"), "AAAA"),
        (("format",), "something/else"),
    ],
)
def test_any_changed_part_of_a_receipt_fails(approved, more_events_after, path, value):
    receipt = the_receipt(approved.reference)
    changed = copy.deepcopy(receipt)
    place = changed
    for key in path[:-1]:
        place = place[key]
    assert place[path[-1]] != value
    place[path[-1]] = value
    assert receipt_check(changed, public_key()) != []


def more_events(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(actor=None, system="test", action="audit.verified", data={"i": i})


@pytest.fixture
def more_events_after(approved):
    """Events after the receipt, so that its proof has a path to change."""
    more_events(5)


def test_a_later_head_and_a_consistency_proof_show_the_log_still_holds_it(approved):
    receipt = the_receipt(approved.reference)
    more_events(3)
    later = transparency_log.tree_head_sign(now=timezone.now())
    head = transparency_log.tree_head_json(later)
    first = receipt["tree_head"]["tree_size"]
    proof = transparency_log.consistency_proof(first=first, second=later.tree_size)
    proof_json = {
        "first_size": proof.first_size,
        "second_size": proof.second_size,
        "first_root": proof.first_root,
        "second_root": proof.second_root,
        "proof": proof.proof,
    }
    assert receipt_check(receipt, public_key(), (head, proof_json)) == []
    rewritten = {**proof_json, "proof": ["0" * 64] * len(proof.proof) or ["0" * 64]}
    assert any(
        "rewritten" in p or "consistency" in p
        for p in receipt_check(receipt, public_key(), (head, rewritten))
    )


@settings(max_examples=60, deadline=None)
@given(
    data=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
            max_leaves=6,
        ),
        max_size=4,
    ),
    label=st.text(max_size=12),
)
def test_the_offline_verifier_hashes_an_event_exactly_as_the_chain_does(data, label):
    event = {
        "action": "audit.receipt_issued",
        "actor_id": None,
        "actor_label": label,
        "client_ip": None,
        "data": data,
        "object_id": "DAR-2026-000001",
        "object_type": "access_request",
        "occurred_at": "2026-12-04T10:00:00.000000Z",
        "prev_hash": "0" * 64,
        "request_id": "",
        "seq": 7,
    }
    assert event_hash(event) == compute_hash(event)


def test_the_decision_email_carries_the_receipt_which_verifies(approved):
    notification = Notification.objects.get(
        dedupe_key=f"access_request.decided:{approved.reference}"
    )
    assert notification.receipt_seq == receipts_of(approved.reference)[0].seq
    mail.outbox.clear()
    assert notification_send(notification_id=notification.pk).status == "sent"
    (message,) = mail.outbox
    assert "Attached is a receipt of this decision" in message.body
    ((name, content, kind),) = message.attachments
    assert name == f"receipt-{approved.reference}-{notification.receipt_seq}.json"
    assert kind == "application/json"
    assert receipt_check(json.loads(content), public_key()) == []


def test_a_revoked_grant_gives_its_holder_a_receipt_by_email_and_on_the_page(
    approved, official1, chair1
):
    sign_all(approved, official1)
    grant = Grant.objects.get(access_request=approved)
    grant_revoke(grant=grant, actor=chair1, reason="Breach of the agreement.")
    revocation = AuditEvent.objects.get(action="grant.revoked", object_id=grant.reference)
    receipt = receipts_of(approved.reference)[-1]
    assert receipt.data["kind"] == "grant_revocation"
    assert receipt.data["outcome"] == {"grant": grant.reference, "dataset": "DACD000007"}
    assert receipt.data["decision_event"] == {"seq": revocation.seq, "hash": revocation.hash}
    notification = Notification.objects.get(
        kind="grant_status_changed", recipient=grant.holder, receipt_seq=receipt.seq
    )
    assert notification_send(notification_id=notification.pk).status == "sent"
    assert receipt_check(receipt_document(receipt, now=timezone.now()), public_key()) == []


def test_the_request_page_lists_the_receipts_and_serves_each_as_a_json_file(
    client, approved, researcher1
):
    client.force_login(researcher1)
    page = client.get(f"/requests/{approved.reference}/")
    (receipt,) = receipts_of(approved.reference)
    url = f"/requests/{approved.reference}/receipts/{receipt.seq}/"
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert receipt_check(json.loads(response.content), public_key()) == []


def test_a_receipt_is_not_found_for_another_request_or_event_and_changes_nothing(
    client, approved, researcher1, researcher2
):
    (receipt,) = receipts_of(approved.reference)
    decision_seq = receipt.data["decision_event"]["seq"]
    heads_before = TreeHead.objects.count()
    client.force_login(researcher1)
    assert client.get(f"/requests/{approved.reference}/receipts/{decision_seq}/").status_code == 404
    assert client.get(f"/requests/{approved.reference}/receipts/999999/").status_code == 404
    client.force_login(researcher2)  # may not see the request at all
    assert client.get(f"/requests/{approved.reference}/receipts/{receipt.seq}/").status_code == 404
    assert TreeHead.objects.count() == heads_before  # no head signed for a refused download
    assert receipts_of(approved.reference) == [receipt]


def test_manage_py_verify_receipt_accepts_a_good_receipt_and_rejects_a_changed_one(
    approved, tmp_path, capsys
):
    receipt = the_receipt(approved.reference)
    good = tmp_path / "receipt.json"
    good.write_text(json.dumps(receipt))
    call_command("verify_receipt", str(good))
    assert "OK: the receipt verifies" in capsys.readouterr().out
    key = tmp_path / "key.pem"
    key.write_bytes(public_key())
    call_command("verify_receipt", str(good), "--public-key", str(key))
    receipt["event"]["data"]["outcome"]["status"] = "rejected"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(receipt))
    with pytest.raises(SystemExit) as exit_code:
        call_command("verify_receipt", str(bad))
    assert exit_code.value.code == 1
    assert "INVALID" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("verify_receipt", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError):
        call_command("verify_receipt", str(good), "--later-head", str(good))


def test_the_single_file_verifier_checks_a_receipt_outside_the_portal(approved, tmp_path):
    receipt = the_receipt(approved.reference)
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    (tmp_path / "key.pem").write_bytes(public_key())
    run = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), "--key", "key.pem", "receipt", "receipt.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "OK: receipt verifies." in run.stdout and approved.reference in run.stdout
    receipt["inclusion"]["leaf_hash"] = "0" * 64
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    run = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), "--key", "key.pem", "receipt", "receipt.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "FAILED" in run.stderr


def test_the_receipt_event_is_registered_with_words():
    assert LogAudit.RECEIPT_ISSUED.label == "Receipt issued"
