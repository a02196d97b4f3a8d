"""The append-only, hash-chained audit log.

Each row's `hash` is SHA-256 over the canonical JSON of the row (see audit.chain) with the
previous row's hash inside it, so changing or removing any row breaks every later link.
The database itself refuses UPDATE, DELETE and TRUNCATE (triggers in migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, help_text="Gapless position in the chain, from 1.")
    occurred_at = models.DateTimeField()
    # No index of its own: audit_actor_seq (actor, seq) serves every lookup by actor, and
    # each index is one more write per appended event.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The actor's username at the time, or "system:<job>" for jobs: kept in the hashed
    # content so the record stays readable even if the account is renamed.
    actor_label = models.CharField(max_length=150)
    # Validated against the actions the apps register (audit/registry.py) by audit_record;
    # no `choices` here, so that adding an action never needs a migration of this table.
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    data = models.JSONField(default=dict)
    # The canonical JSON text of `data` (audit.chain.canonical_data), written with it: the
    # hash covers this text, and PostgreSQL verifies the chain from it (audit.sql) while
    # checking that `data` still equals it (jsonb's own text form is not canonical).
    data_canonical = models.TextField(editable=False)
    # Text, not inet: the hashed value must come back from the database byte for byte.
    client_ip = models.CharField(max_length=45, null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Exactly the bytes that were hashed (audit.chain.canonical_bytes), written with the
    # event. On PostgreSQL a CHECK constraint, the seal (audit.seal, migration 0008), refuses
    # any row whose preimage is not the canonical text of its columns, so the verifier only
    # hashes this column. Nullable for the schema's sake only: every writer fills it.
    preimage = models.BinaryField(null=True, editable=False)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_seq"),
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor", "seq"], name="audit_actor_seq"),
            models.Index(fields=["occurred_at"], name="audit_occurred_at"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class ChainHead(models.Model):
    """One row holding the last seq and hash. Writers lock it (SELECT … FOR UPDATE), which
    serialises appends for exactly as long as the writing transaction lasts. Triggers
    (migration 0005) refuse deleting it and any update but a move forward onto an event in
    the log with that seq and hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row")
        ]

    def __str__(self) -> str:
        return f"head #{self.seq} {self.hash[:12]}"


class VerificationRun(models.Model):
    """The outcome of one run of the chain verifier (command, page button or job), so the
    audit page can say when the log was last verified and with what result."""

    class Outcome(models.TextChoices):
        OK = "ok", _("verified")
        FAILED = "failed", _("failed")

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    from_seq = models.BigIntegerField(default=1)
    events_verified = models.BigIntegerField(default=0)
    last_seq = models.BigIntegerField(null=True, blank=True)
    first_bad_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    # PostgreSQL: why the seal could not be wholly relied on (audit.seal), so that the events
    # were checked without it; blank when it was intact, or on SQLite, which has none.
    seal_problem = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        indexes = [models.Index(fields=["-finished_at"], name="audit_verif_finished")]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def ok(self) -> bool:
        return self.outcome == self.Outcome.OK


class MerkleNode(models.Model):
    """The hash of one perfect subtree of the transparency log (docs/transparency-log.md):
    2**level leaves from index·2**level, where leaf i is event seq i + 1. Written by
    `audit.transparency_log.log_extend` only, once; the portal's role may only add rows."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="merkle_node_position")
        ]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class TreeHead(models.Model):
    """A signed tree head the log published: its size, root and time, signed with the audit
    signing key. Kept, so that anyone can ask for a consistency proof between two of them."""

    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["-timestamp"], name="tree_head_latest")]

    def __str__(self) -> str:
        return f"tree head {self.tree_size} at {self.timestamp:%Y-%m-%d %H:%M}"
