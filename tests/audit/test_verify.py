"""`verify_audit_log` recomputes the chain and names the first bad seq and what is wrong;
every run is recorded and audited."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from audit.audit_actions import LogAudit
from audit.models import AuditEvent, ChainHead, VerificationRun
from audit.services import audit_checkpoint_create
from tests.audit.tampering import append_events, forge, links_lifted

pytestmark = pytest.mark.django_db


def _append(n: int) -> None:
    append_events(n, system="test", text="héllo")


def _middle_seq() -> int:
    return ChainHead.objects.get(pk=1).seq // 2


def test_an_intact_log_verifies_and_the_count_is_printed(command) -> None:
    _append(3)
    head = ChainHead.objects.get(pk=1)
    code, out, err = command("verify_audit_log")
    assert code == 0, err
    assert f"verified {head.seq} events" in out


def test_each_verification_is_recorded_and_audited(command) -> None:
    code, _out, _err = command("verify_audit_log")
    assert code == 0
    run = VerificationRun.objects.order_by("-pk").first()
    assert run is not None and run.ok and run.actor_label == "system:verify_audit_log"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == LogAudit.AUDIT_VERIFIED
    assert event.data["outcome"] == "ok"
    assert event.object_id == str(run.pk)


def test_a_changed_row_fails_verification_naming_its_seq(command, guard_lifted) -> None:
    _append(2)
    seq = _middle_seq()
    # A careful forger changes the data with its canonical text and preimage, and puts
    # the seal back: the verifier's sealed path must still see it.
    forge(seq, data=json.dumps({"forged": True}), data_canonical='{"forged":true}')
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert f"seq {seq}" in err and "hash mismatch" in err
    run = VerificationRun.objects.order_by("-pk").first()
    assert run is not None and not run.ok
    assert (run.first_bad_seq, run.problem) == (seq, "hash_mismatch")
    assert AuditEvent.objects.order_by("-seq").first().data["outcome"] == "failed"


def test_a_changed_row_whose_hash_was_recomputed_breaks_the_next_link(
    command, guard_lifted
) -> None:
    from audit.chain import compute_hash, event_fields

    seq = _middle_seq()
    event = AuditEvent.objects.get(seq=seq)
    event.actor_label = "someone-else"
    # The new hash no longer matches the next event's link: the links stay off.
    forge(seq, relink=False, actor_label="someone-else", hash=compute_hash(event_fields(event)))
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert f"seq {seq + 1}" in err and "broken link" in err


def test_a_deleted_middle_row_is_reported_as_a_gap(command, guard_lifted) -> None:
    seq = _middle_seq()
    with links_lifted(relink=False), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq])
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert f"seq {seq + 1}" in err and "gap" in err and f"seq {seq} is missing" in err


def _cut_tail(*, keep: int) -> None:
    """The events after `keep` removed, the newest first: each is then the one no event
    links to, so the links let it go."""
    with connection.cursor() as cursor:
        for seq in (
            AuditEvent.objects.filter(seq__gt=keep).order_by("-seq").values_list("seq", flat=True)
        ):
            cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq])


def test_a_cut_tail_is_noticed_through_the_chain_head(command, guard_lifted) -> None:
    _append(3)
    head = ChainHead.objects.get(pk=1)
    _cut_tail(keep=head.seq - 2)
    runs = VerificationRun.objects.count()
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert "tail cut" in err
    if connection.vendor == "postgresql":
        # The head names an event that is gone, and the links refuse to link a new event
        # to it: the outcome is told, but nothing (not even the run) can be recorded.
        assert "could not be recorded: the audit log refuses new events" in err
        assert VerificationRun.objects.count() == runs


def test_a_cut_tail_is_noticed_through_the_checkpoint_kept_outside_the_database(
    command, guard_lifted, django_capture_on_commit_callbacks, checkpoint_file
) -> None:
    """The attacker removes the newest events, the checkpoint among them, and rewinds the
    chain head so that what is left is a perfect chain: the checkpoint file still names a
    seq and hash that are gone."""
    _append(3)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint, _created = audit_checkpoint_create()
    assert checkpoint_file.exists()
    checkpointed = checkpoint.data["seq"]
    _append(2)
    keep = checkpointed - 2
    survivor = AuditEvent.objects.get(seq=keep)
    _cut_tail(keep=keep)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [keep, survivor.hash]
        )
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert f"seq {checkpointed}" in err and "tail cut" in err


def test_a_forged_checkpoint_signature_is_refused(command, guard_lifted) -> None:
    event, _created = audit_checkpoint_create()
    data = {**event.data, "seq": 1, "hash": AuditEvent.objects.get(seq=1).hash}
    # The forger cannot re-sign; they re-hash the event so that the chain itself holds.
    # A careful forger rewrites the stored canonical text of the data with it.
    from audit.chain import canonical_data, compute_hash, event_fields

    event.data = data
    new_hash = compute_hash(event_fields(event))
    forge(event.seq, data=json.dumps(data), data_canonical=canonical_data(data), hash=new_hash)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [new_hash])
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert "bad checkpoint" in err and f"seq {event.seq}" in err


def test_verification_can_start_at_a_given_seq(command) -> None:
    _append(4)
    head = ChainHead.objects.get(pk=1)
    code, out, _err = command("verify_audit_log", "--from-seq", str(head.seq - 3))
    assert code == 0
    assert "verified 4 events" in out


def test_a_start_beyond_the_head_verifies_nothing_and_succeeds(command) -> None:
    code, out, _err = command("verify_audit_log", "--from-seq", "999999999")
    assert code == 0 and "verified 0 events" in out


def test_a_start_below_one_is_refused(command) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        command("verify_audit_log", "--from-seq", "0")


def test_a_checkpoint_signs_the_head_and_is_itself_an_event(checkpoint_file) -> None:
    from audit import keys
    from audit.chain import checkpoint_message

    head = ChainHead.objects.get(pk=1)
    event, created = audit_checkpoint_create()
    assert created
    assert event.action == LogAudit.AUDIT_CHECKPOINT and event.actor is None
    assert event.actor_label == "system:audit_checkpoint"
    assert (event.seq, event.data["seq"], event.data["hash"]) == (head.seq + 1, head.seq, head.hash)
    assert event.data["key_id"] == keys.current_key_id()
    message = checkpoint_message(seq=head.seq, hash=head.hash, key_id=event.data["key_id"])
    assert (
        keys.verify(
            message,
            signature_b64=event.data["signature"],
            claimed_key_id=event.data["key_id"],
            keys=keys.trusted_public_keys(),
        )
        is None
    )
    # Only committed checkpoints reach the file (this test's transaction never commits).
    assert not checkpoint_file.exists()


def test_the_daily_checkpoint_job_runs_once_per_utc_day() -> None:
    import datetime as dt

    from audit import jobs

    now = dt.datetime(2026, 11, 25, 23, 59, tzinfo=dt.UTC)
    first = jobs.checkpoint(now)
    second = jobs.checkpoint(now + dt.timedelta(seconds=30))
    assert first["created"] and not second["created"]
    assert second["checkpoint_event_seq"] == first["checkpoint_event_seq"]
    assert jobs.checkpoint(now, dry_run=True) == {
        "job": "audit.checkpoint",
        "day": "2026-11-25",
        "due": False,
        "created": False,
    }
    next_day = jobs.checkpoint(now + dt.timedelta(minutes=2))
    assert next_day["created"] and next_day["day"] == "2026-11-26"
    assert AuditEvent.objects.filter(action=LogAudit.AUDIT_CHECKPOINT).count() == 2


def test_the_task_beat_used_to_send_still_runs_the_job() -> None:
    from audit.tasks import checkpoint

    result = checkpoint.delay().get()
    assert result["job"] == "audit.checkpoint" and result["created"]


def test_the_checkpoint_is_a_registered_periodic_job(checkpoint_file) -> None:
    import datetime as dt

    from dac_portal import jobs

    assert jobs.get("audit.checkpoint").func.__module__ == "audit.jobs"
    now = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    assert jobs.run("audit.checkpoint", now=now, dry_run=True)["due"] is True
    assert jobs.run("audit.checkpoint", now=now)["created"] is True
    assert jobs.run("audit.checkpoint", now=now)["created"] is False
