"""The one writer: appends inside the caller's transaction, leaves nothing behind when that
transaction fails, and names a system job when no person acted."""

from __future__ import annotations

import io
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from accounts.audit_actions import AccountAudit
from accounts.models import Institution
from audit import keys
from audit.chain import compute_hash, event_fields
from audit.models import GENESIS_HASH, AuditEvent, ChainHead
from audit.services import audit_record
from notifications.audit_actions import NotificationAudit

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _institution_create_then_fail(*, actor) -> None:
    """A service shaped like the real ones that fails after its audit write."""
    with transaction.atomic():
        institution = Institution.objects.create(name="Doomed Institute", country="FR")
        audit_record(
            actor=actor,
            action=AccountAudit.INSTITUTION_CREATED,
            target=("institution", institution.pk),
            data={"name": institution.name},
        )
        raise Boom("the change after the audit write failed")


def test_a_service_that_fails_after_its_audit_write_leaves_neither_change_nor_event(
    admin,
) -> None:
    head = ChainHead.objects.get(pk=1)
    count = AuditEvent.objects.count()
    with pytest.raises(Boom):
        _institution_create_then_fail(actor=admin)
    assert not Institution.objects.filter(name="Doomed Institute").exists()
    assert AuditEvent.objects.count() == count
    after = ChainHead.objects.get(pk=1)
    assert (after.seq, after.hash) == (head.seq, head.hash)


def test_the_next_event_after_a_rollback_takes_the_next_seq(admin) -> None:
    head = ChainHead.objects.get(pk=1)
    with pytest.raises(Boom):
        _institution_create_then_fail(actor=admin)
    with transaction.atomic():
        event = audit_record(actor=admin, action=AccountAudit.USER_LOGIN, target=admin)
    assert event.seq == head.seq + 1 and event.prev_hash == head.hash


def test_an_appended_event_hashes_its_canonical_form_and_links_to_the_previous(admin) -> None:
    previous = AuditEvent.objects.order_by("-seq").first()
    with transaction.atomic():
        event = audit_record(
            actor=admin,
            action="committee.updated",
            target=("committee", "genomics-dac"),
            data={"quorum": 3},
        )
    event.refresh_from_db()
    assert event.prev_hash == previous.hash
    assert event.hash == compute_hash(event_fields(event))
    assert event.actor_label == "admin" and event.actor_id == admin.pk
    assert event.client_ip is None and event.request_id == ""
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (event.seq, event.hash)


def test_the_first_event_links_to_the_genesis_hash() -> None:
    assert AuditEvent.objects.get(seq=1).prev_hash == GENESIS_HASH


@pytest.mark.django_db(transaction=True)
def test_an_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit_record(actor=None, system="test", action=NotificationAudit.NOTIFICATION_SENT)


def test_an_event_without_an_actor_must_name_its_job() -> None:
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=None, action=NotificationAudit.NOTIFICATION_SENT)


def test_an_unknown_action_name_is_refused(admin) -> None:
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=admin, action="made.up")


def test_data_that_json_cannot_hold_is_refused(admin) -> None:
    with pytest.raises(TypeError), transaction.atomic():
        audit_record(actor=admin, action=AccountAudit.USER_LOGIN, data={"x": object()})


# -- keys -----------------------------------------------------------------------------------


def test_a_development_key_is_generated_once_with_mode_0600_and_reused(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    first = keys.current_key_id()
    path = tmp_path / "keys" / keys.DEV_KEY_NAME
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    keys._signing_key_for.cache_clear()
    assert keys.current_key_id() == first
    assert len(first) == 16 and int(first, 16) >= 0


def test_the_key_id_is_the_start_of_the_sha256_of_the_raw_public_key() -> None:
    import hashlib

    from cryptography.hazmat.primitives import serialization

    public = keys.signing_key().public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert keys.current_key_id() == hashlib.sha256(raw).hexdigest()[:16]


def test_a_configured_key_is_used_inline_or_from_a_file(settings, tmp_path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = keys.private_pem(key)
    settings.AUDIT_SIGNING_KEY = pem.decode()
    assert keys.current_key_id() == keys.key_id(key.public_key())
    other = Ed25519PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(keys.private_pem(other))
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "k.pem")
    assert keys.current_key_id() == keys.key_id(other.public_key())


def test_after_a_rotation_old_signatures_verify_with_the_retired_public_key(settings) -> None:
    old = Ed25519PrivateKey.generate()
    settings.AUDIT_SIGNING_KEY = keys.private_pem(old).decode()
    old_id, signature = keys.sign(b"manifest bytes")
    settings.AUDIT_SIGNING_KEY = keys.private_pem(Ed25519PrivateKey.generate()).decode()
    verdict = keys.verify(
        b"manifest bytes",
        signature_b64=signature,
        claimed_key_id=old_id,
        keys=keys.trusted_public_keys(),
    )
    assert verdict is not None and "not a trusted" in verdict
    settings.AUDIT_VERIFY_KEYS = [keys.public_pem(old.public_key())]
    assert (
        keys.verify(
            b"manifest bytes",
            signature_b64=signature,
            claimed_key_id=old_id,
            keys=keys.trusted_public_keys(),
        )
        is None
    )


def test_a_garbled_signature_is_reported_not_raised() -> None:
    verdict = keys.verify(
        b"x",
        signature_b64="%%%",
        claimed_key_id=keys.current_key_id(),
        keys=keys.trusted_public_keys(),
    )
    assert verdict == "the signature is not valid base64"


def test_events_written_in_the_database_hash_like_the_python_canonical_form(admin) -> None:
    """What the database gives back hashes to what was written (jsonb and timestamptz
    round trips included)."""
    with transaction.atomic():
        event = audit_record(
            actor=admin,
            action=AccountAudit.COMMITTEE_UPDATED,
            target=("committee", "genomics-dac"),
            data={"ü": 'ß\n"x"', "n": [1, 2, {"k": True}], "a": None},
        )
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.hash == event.hash == compute_hash(event_fields(stored))
    assert stored.occurred_at == event.occurred_at and stored.pk == event.pk
    assert event.actor == admin


def test_an_unreadable_configured_key_fails_the_system_checks(settings) -> None:
    from audit.checks import audit_keys_are_readable

    assert audit_keys_are_readable() == []
    settings.AUDIT_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"
    settings.AUDIT_VERIFY_KEYS = ["garbage"]
    assert [e.id for e in audit_keys_are_readable()] == ["audit.E001", "audit.E002"]


def test_many_events_at_once_are_chained_one_per_item_and_verify():
    from django.core.management import call_command
    from django.db import transaction

    from audit.models import AuditEvent
    from audit.services import audit_record_many

    before = AuditEvent.objects.order_by("-seq").first()
    with transaction.atomic():
        written = audit_record_many(
            actor=None,
            system="test.bulk",
            action="grant.expired",
            items=[(("grant", f"GRT-TEST{i}"), {"n": i}) for i in range(5)],
        )
    assert written == 5
    events = list(AuditEvent.objects.filter(seq__gt=before.seq).order_by("seq"))
    assert [e.object_id for e in events] == [f"GRT-TEST{i}" for i in range(5)]
    assert [e.seq for e in events] == list(range(before.seq + 1, before.seq + 6))
    assert events[0].prev_hash == before.hash
    call_command("verify_audit_log", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_many_events_outside_a_transaction_are_refused():
    from audit.services import audit_record_many

    with pytest.raises(RuntimeError):
        audit_record_many(
            actor=None, system="t", action="grant.expired", items=[(("grant", "x"), {})]
        )
