"""The one writer of the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit import checkpoints, keys, registry
from audit import sql as chain_sql
from audit.audit_actions import LogAudit
from audit.chain import (
    EventText,
    EventTexts,
    canonical_data,
    checkpoint_message,
    format_time,
    normalise_data,
)
from audit.models import AuditEvent, ChainHead, VerificationRun
from audit.tree_heads import published_heads_problem
from audit.verify import VerifyResult, verify_log
from dac_portal import request_context
from dac_portal.errors import Conflict

# Raw SQL on the hot path: the chain head lock is held from the first statement to the end
# of the caller's transaction, so the fewer round trips and the less ORM work, the more
# writers per second (tests/bench/figures_20_audit.py). On PostgreSQL one statement does it
# all (audit.sql.APPEND); SQLite, whose writers are serialised anyway, takes these three.
_LOCK_SQL = "SELECT seq, hash FROM audit_chainhead WHERE id = 1 FOR UPDATE"
_READ_SQL = "SELECT seq, hash FROM audit_chainhead WHERE id = 1"  # SQLite: the write lock
_INSERT_SQL = (
    "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_label, action, "
    "object_type, object_id, data, data_canonical, client_ip, request_id, prev_hash, hash, "
    "preimage) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_ROWS_SQL = (
    "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_label, action, "
    "object_type, object_id, data, data_canonical, client_ip, request_id, prev_hash, hash, "
    "preimage) "
    "SELECT (e->>0)::bigint, %s::timestamptz, %s::bigint, %s, %s, e->>1, e->>2, "
    "(e->>3)::jsonb, e->>3, %s, %s, e->>4, e->>5, convert_to(e->>6, 'UTF8') "
    "FROM jsonb_array_elements(%s::jsonb) AS e"
)
# Plain JSON of the rows (ASCII escapes: PostgreSQL reads them back to the same text).
_JSON_ROWS = json.JSONEncoder(separators=(",", ":"))
_HEAD_SQL = "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1"


def _target_of(target: Any) -> tuple[str, str]:
    """An audit target is a model instance (its `audit_type`/`audit_id`, or its model name
    and `reference`/`accession`/pk), a (type, id) pair, or None."""
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        object_type, object_id = target
        return str(object_type), str(object_id)
    object_type = getattr(target, "audit_type", None) or target._meta.model_name
    object_id = getattr(target, "audit_id", None)
    if object_id is None:
        object_id = (
            getattr(target, "reference", None) or getattr(target, "accession", None) or target.pk
        )
    return str(object_type), str(object_id)


def _common_fields(
    *, caller: str, actor: Any, action: str, system: str | None, request_context_kept: bool = True
) -> tuple[str, dict[str, Any]]:
    """The checks every append makes and the fields its events share: the database alias,
    and action, actor and request context, all known before the chain head is locked.
    Without `request_context_kept`, the event holds no client address and no request id
    (a receipt: its whole content is handed to the applicant)."""
    db = router.db_for_write(AuditEvent)
    if not connections[db].in_atomic_block:
        raise RuntimeError(f"{caller} must run inside the transaction of the change it records.")
    if not registry.is_registered(action):
        # Every app registers its actions in its audit_actions.py; a code nobody
        # registered is a typo, and the log is no place to discover it.
        raise ValueError(f"{action!r} is not a registered audit action.")
    if actor is None and not system:
        raise ValueError("An event without an actor must name the system job that wrote it.")
    if actor is not None and not getattr(actor, "pk", None):
        raise ValueError("The actor must be a saved user.")
    context = request_context.current() if request_context_kept else request_context.EMPTY
    return db, {
        "action": str(action),
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": actor.get_username() if actor is not None else f"system:{system}",
        # An unknown address is null, never "": exports write null as an empty cell.
        "client_ip": context.client_ip or None,
        "request_id": context.request_id or "",
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    data: dict[str, Any] | None = None,
    system: str | None = None,
    request_context_kept: bool = True,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    `actor` is the user who acted; for jobs pass actor=None and `system="<job name>"`.
    `request_context_kept=False` leaves out the client address and request id.
    The chain head row is locked until the caller's transaction ends, so concurrent writers
    take consecutive seq numbers and a rolled-back change leaves no event behind.
    """
    db, common = _common_fields(
        caller="audit_record",
        actor=actor,
        action=action,
        system=system,
        request_context_kept=request_context_kept,
    )
    object_type, object_id = _target_of(target)
    payload = normalise_data(data or {})
    payload_json = canonical_data(payload)

    # The event object is built before the lock too; the append fills in what only the
    # chain knows (pk, seq, time, previous hash, hash).
    event = AuditEvent(
        actor_label=common["actor_label"],
        action=common["action"],
        object_type=object_type,
        object_id=object_id,
        data=payload,
        data_canonical=payload_json,
        client_ip=common["client_ip"],
        request_id=common["request_id"],
    )
    event.actor = actor
    event._state.adding = False
    event._state.db = db

    # Everything above runs before the chain head is locked; below, the lock is held until
    # the caller's transaction ends, so the work under it is kept to one SQL statement.
    _append(connections[db], event, EventTexts(common).text(object_type, object_id, payload_json))
    return event


def _append(connection: Any, event: AuditEvent, text: EventText) -> None:
    """Lock the head, hash, insert, move the head, with no ORM, as the lock is held from
    the first statement to the caller's commit: on PostgreSQL in one prepared statement
    that fills the gap in `text` and hashes it in SQL (audit.sql.APPEND); elsewhere in
    three, filling and hashing it in Python. Fills in the event's pk, seq, occurred_at,
    prev_hash, hash and preimage."""
    if connection.vendor == "postgresql":
        _append_in_sql(connection, event, text)
        return
    with connection.cursor() as cursor:
        # SQLite has no row locks: its transactions here begin IMMEDIATE (settings), which
        # takes the database write lock at the start, serialising writers all the same.
        cursor.execute(_LOCK_SQL if connection.features.has_select_for_update else _READ_SQL)
        head_seq, head_hash = cursor.fetchone()
        occurred_at = timezone.now()
        seq = head_seq + 1
        event.seq, event.occurred_at, event.prev_hash = seq, occurred_at, head_hash
        event.preimage = text.whole(
            occurred_at=format_time(occurred_at), prev_hash=head_hash, seq=seq
        ).encode()
        digest = hashlib.sha256(event.preimage).hexdigest()
        returning = connection.features.can_return_columns_from_insert
        cursor.execute(
            _INSERT_SQL + (" RETURNING id" if returning else ""),
            [
                seq,
                connection.ops.adapt_datetimefield_value(occurred_at),
                event.actor_id,
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.data_canonical,
                event.data_canonical,
                event.client_ip,
                event.request_id,
                head_hash,
                digest,
                event.preimage,
            ],
        )
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
        cursor.execute(_HEAD_SQL, [seq, digest])
    event.pk, event.hash = pk, digest


# The database connection (psycopg2's) on which audit.sql.APPEND was last prepared, kept
# on Django's wrapper: a new connection after a reconnect is prepared again.
_PREPARED_ON = "_audit_append_prepared_on"


def _append_in_sql(connection: Any, event: AuditEvent, text: EventText) -> None:
    with connection.cursor() as cursor:
        if getattr(connection, _PREPARED_ON, None) is not connection.connection:
            # Prepared statements belong to the session, not the transaction: a rollback
            # of this transaction keeps it.
            cursor.execute(chain_sql.PREPARE_APPEND)
            setattr(connection, _PREPARED_ON, connection.connection)
        cursor.execute(
            chain_sql.EXECUTE_APPEND,
            [
                event.actor_id,
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.data_canonical,
                event.client_ip,
                event.request_id,
                text.before,
                text.after,
            ],
        )
        (
            event.pk,
            event.seq,
            event.occurred_at,
            event.prev_hash,
            event.hash,
            event.preimage,
        ) = cursor.fetchone()


def audit_record_many(
    *,
    actor: Any,
    action: str,
    items: list[tuple[Any, dict[str, Any]]],
    system: str | None = None,
) -> int:
    """Append one event per (target, data) item, all with the same actor and action, in a
    fixed number of statements whatever the number of items: lock the head once, hash the
    events in order, insert them all in one statement (PostgreSQL: the varying fields as one
    JSON array of rows; SQLite, in process: executemany), move the head once.

    For set-based jobs (the grant expiry sweep) that change many rows in one UPDATE and
    still owe each of them its own event. Same rules as audit_record: inside the caller's
    transaction, and nothing written if it rolls back. Returns the number of events.
    """
    db, common = _common_fields(
        caller="audit_record_many", actor=actor, action=action, system=system
    )
    connection = connections[db]
    if not items:
        return 0
    # Everything but the time, seq and previous hash is known before the head is locked.
    texts = EventTexts(common)
    prepared = []
    for target, data in items:
        object_type, object_id = _target_of(target)
        payload_json = canonical_data(normalise_data(data or {}))
        text = texts.text(object_type, object_id, payload_json)
        prepared.append((object_type, object_id, payload_json, text))

    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL if connection.features.has_select_for_update else _READ_SQL)
        seq, prev_hash = cursor.fetchone()
        occurred_at = timezone.now()
        stamp = format_time(occurred_at)
        # Per event, what differs: seq, target, data, previous hash, hash and preimage.
        rows = []
        for object_type, object_id, payload_json, text in prepared:
            seq += 1
            image = text.whole(occurred_at=stamp, prev_hash=prev_hash, seq=seq)
            digest = hashlib.sha256(image.encode()).hexdigest()
            rows.append((seq, object_type, object_id, payload_json, prev_hash, digest, image))
            prev_hash = digest
        _insert_events(cursor, common, connection.ops.adapt_datetimefield_value(occurred_at), rows)
        cursor.execute(_HEAD_SQL, [seq, prev_hash])
    return len(rows)


def audit_record_atomic(**kwargs: Any) -> AuditEvent:
    """For events that are the change themselves (a failed log-in): their own transaction."""
    with transaction.atomic():
        return audit_record(**kwargs)


def _insert_events(
    cursor: Any, common: dict[str, Any], stored_time: Any, rows: list[tuple[Any, ...]]
) -> None:
    """Insert a batch's events: `common` and the time are the same for all of them, `rows`
    hold (seq, object_type, object_id, data, prev_hash, hash, preimage as text) each."""
    if cursor.db.vendor != "postgresql":
        cursor.executemany(
            _INSERT_SQL,
            [
                (
                    seq,
                    stored_time,
                    common["actor_id"],
                    common["actor_label"],
                    common["action"],
                    object_type,
                    object_id,
                    data,
                    data,
                    common["client_ip"],
                    common["request_id"],
                    prev_hash,
                    digest,
                    image.encode(),
                )
                for seq, object_type, object_id, data, prev_hash, digest, image in rows
            ],
        )
        return
    # One statement whatever the number of events, with the varying fields as one JSON
    # array of rows: one literal for the server to parse, where an array per column (or
    # psycopg2's executemany, one INSERT per row) cost more than storing the events.
    cursor.execute(
        _INSERT_ROWS_SQL,
        [
            stored_time,
            common["actor_id"],
            common["actor_label"],
            common["action"],
            common["client_ip"],
            common["request_id"],
            _JSON_ROWS.encode(rows),
        ],
    )


def audit_checkpoint_create(
    *, system: str = "audit_checkpoint", actor: Any = None, day: str | None = None
) -> tuple[AuditEvent, bool]:
    """Sign the chain head (seq and hash) and append the signature as an `audit.checkpoint`
    event, so that cutting events off the end of the log is detectable: the checkpointed
    seq must still exist with the signed hash.

    With `day` (an ISO date), at most one checkpoint is made for that day: a second call
    returns the first one and False. The check runs under the chain head lock, so two
    workers racing on the same day cannot both create one.
    """
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        if day is not None:
            existing = (
                AuditEvent.objects.filter(action=LogAudit.AUDIT_CHECKPOINT, data__day=day)
                .order_by("-seq")
                .first()
            )
            if existing is not None:
                return existing, False
        key_id = keys.current_key_id()
        _key_id, signature = keys.sign(
            checkpoint_message(seq=head.seq, hash=head.hash, key_id=key_id)
        )
        data: dict[str, Any] = {
            "seq": head.seq,
            "hash": head.hash,
            "key_id": key_id,
            "signature": signature,
        }
        if day is not None:
            data["day"] = day
        event = audit_record(
            actor=actor,
            system=None if actor is not None else system,
            action=LogAudit.AUDIT_CHECKPOINT,
            target=("audit_chain", str(head.seq)),
            data=data,
        )
        record = {**data, "event_seq": event.seq, "created_at": format_time(event.occurred_at)}
        # Kept outside the database too, once committed (see audit.checkpoints).
        transaction.on_commit(lambda: checkpoints.append(record))
    return event, True


def audit_log_verify(
    *,
    from_seq: int = 1,
    actor: Any = None,
    system: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerificationRun:
    """Verify the chain (a long read, outside any transaction), then record the outcome as
    a VerificationRun and an `audit.verified` event in one transaction."""

    if actor is None and not system:
        system = "verify_audit_log"
    started_at = timezone.now()
    result = verify_log(from_seq=from_seq, progress=progress)
    problem = result.problem
    if problem is None and from_seq == 1:
        # The chain holds; does it still give the roots the transparency log published?
        problem = published_heads_problem()
    finished_at = timezone.now()
    run = VerificationRun(
        started_at=started_at,
        finished_at=finished_at,
        outcome=VerificationRun.Outcome.OK if problem is None else VerificationRun.Outcome.FAILED,
        from_seq=result.from_seq,
        events_verified=result.events_verified,
        last_seq=result.last_seq,
        first_bad_seq=problem.seq if problem else None,
        problem=problem.kind if problem else "",
        message=str(problem) if problem else "",
        seal_problem=result.seal_problem or "",
        actor=actor,
        actor_label=actor.get_username() if actor is not None else f"system:{system}",
    )
    try:
        with transaction.atomic():
            run.save()
            _record_verified(run, result, actor=actor, system=system)
    except IntegrityError as error:
        # On PostgreSQL the seal's links refuse every new event while the chain head names
        # an event that is gone (a tail cut without rewinding the head): nothing can be
        # recorded until someone looks at the log, but the outcome must still be told.
        run.pk = None
        raise OutcomeNotRecorded(run, str(error).splitlines()[0]) from error
    return run


class OutcomeNotRecorded(Conflict):
    """A verification whose outcome (`run`, unsaved) the log refused to record."""

    def __init__(self, run: VerificationRun, reason: str):
        super().__init__(
            gettext("The outcome could not be recorded: the audit log refuses new events (%s).")
            % reason
        )
        self.run = run


def _record_verified(
    run: VerificationRun, result: VerifyResult, *, actor: Any, system: str | None
) -> None:
    audit_record(
        actor=actor,
        system=system,
        action=LogAudit.AUDIT_VERIFIED,
        target=("verification_run", run.pk),
        data={
            "outcome": run.outcome,
            "from_seq": run.from_seq,
            "events_verified": run.events_verified,
            "last_seq": run.last_seq,
            "first_bad_seq": run.first_bad_seq,
            "problem": run.problem,
            "checkpoint_seq": result.checkpoint_seq,
            "sealed": result.sealed,
            "duration_ms": int((run.finished_at - run.started_at) / dt.timedelta(milliseconds=1)),
        },
    )


def audit_export_record(
    *,
    actor: Any = None,
    system: str | None = None,
    description: dict[str, Any],
    first_seq: int | None,
    last_seq: int | None,
    row_count: int | None = None,
    file_sha256: str | None = None,
) -> AuditEvent:
    """Record that someone took a copy of (part of) the log: who, which range, and, when
    known (command-line exports), how many rows and the file's hash."""
    data = {**description, "first_seq": first_seq, "last_seq": last_seq}
    if row_count is not None:
        data["row_count"] = row_count
    if file_sha256 is not None:
        data["file_sha256"] = file_sha256
    with transaction.atomic():
        return audit_record(
            actor=actor,
            system=None if actor is not None else (system or "export_audit_log"),
            action=LogAudit.AUDIT_EXPORTED,
            target=("audit_export", description.get("format", "")),
            data=data,
        )
