"""Verify the chain stored in the database, in constant memory.

Reads the chain head once, then checks events from `from_seq` up to the head's seq: each
seq follows the previous one, each prev_hash is the previous event's hash, each hash is
that of the event's canonical form. Afterwards it checks that the chain still reaches the
head, and that the latest signed checkpoint is genuine and still matches the event it names
(so cutting off the tail is noticed too).

On PostgreSQL the events never leave the database (docs/adr/0007-audit-chain-in-sql.md):
they are checked in SQL over ranges of RANGE_SIZE events, and only the first bad seq is
then looked at closely to say what is wrong. How much each range's query does depends on
the seal (audit.seal), read from the catalogue before and after the walk. With the whole
seal intact PostgreSQL has already checked every event's preimage against its columns and
every link, so the query only hashes each stored preimage, in any order and with parallel
workers. With only its check intact the query also compares each event with the one
before; without it, each event's content is rebuilt from its columns. Either way the
seal's state is reported. Elsewhere (SQLite) Python walks the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connections, router, transaction

from audit import checkpoints, keys, seal
from audit import sql as chain_sql
from audit.audit_actions import LogAudit
from audit.chain import (
    BAD_CHECKPOINT,
    BROKEN_LINK,
    DATA_MISMATCH_MESSAGE,
    GAP,
    HASH_MISMATCH,
    PREIMAGE_MISMATCH_MESSAGE,
    STORED_COLUMNS,
    TAIL_CUT,
    ChainProblem,
    ChainVerifier,
    canonical_data,
    checkpoint_message,
    gap_problem,
    hash_problem,
    link_problem,
    row_fields,
)
from audit.models import GENESIS_HASH, AuditEvent, ChainHead

CHUNK_SIZE = 2000
COLUMNS = STORED_COLUMNS
# PostgreSQL: events per verifying query (each reports progress). With the whole seal
# intact a query over a million events lets the planner share one sequential scan between
# workers (0.6 s per million here, against 0.8 s in ranges of 250,000 read by index);
# queries that read in seq order take fewer at a time. And how many parallel workers each
# query may ask for beside its own process when the whole seal is intact (the planner
# decides whether a range is worth them; the server's max_parallel_workers caps them).
RANGE_SIZE = 1_000_000
ORDERED_RANGE_SIZE = 250_000
PARALLEL_WORKERS = 2
# Planner settings for the verifying queries, beyond the defaults (tests lower the cost
# of a parallel plan, so that even a short log is shared between workers).
PARALLEL_PLAN_SETTINGS: dict[str, str] = {}
# Same order of precedence as ChainVerifier: at one seq a gap is reported before a broken
# link, and a broken link before a hash mismatch.
_PRECEDENCE = {GAP: 0, BROKEN_LINK: 1, HASH_MISMATCH: 2}


@dataclass(frozen=True)
class VerifyResult:
    from_seq: int
    events_verified: int
    last_seq: int | None
    head_seq: int
    problem: ChainProblem | None
    checkpoint_seq: int | None = None
    # PostgreSQL: whether the events were checked against their sealed preimages, and if
    # not, why the seal could not be relied on. SQLite has no seal: Python rebuilds each event.
    sealed: bool = False
    seal_problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Walk:
    """What walking the events found: the first problem, how many events were good before
    it (all of them without one), and the last good event's seq and hash."""

    problem: ChainProblem | None
    count: int
    last_seq: int | None
    last_hash: str | None


def verify_log(
    *,
    from_seq: int = 1,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    from_seq = max(1, from_seq)
    head = ChainHead.objects.get(pk=1)
    if from_seq == 1:
        expected_prev: str | None = GENESIS_HASH
    else:
        expected_prev = (
            AuditEvent.objects.filter(seq=from_seq - 1).values_list("hash", flat=True).first()
        )
    alias = router.db_for_read(AuditEvent)
    seal_problem = None
    if connections[alias].vendor == "postgresql":
        walk, seal_problem = _walk_in_postgres(alias, from_seq, head.seq, expected_prev, progress)
    else:
        walk = _walk_in_python(from_seq, head.seq, expected_prev, chunk_size, progress)

    problem = walk.problem
    reaches_head = walk.last_seq == head.seq and walk.last_hash == head.hash
    if problem is None and head.seq >= from_seq and not reaches_head:
        problem = ChainProblem(
            (walk.last_seq or from_seq - 1) + 1,
            TAIL_CUT,
            f"the chain ends at seq {walk.last_seq} but its head records seq {head.seq}",
        )
    checkpoint_seq = None
    if problem is None:
        problem, checkpoint_seq = _check_latest_checkpoint(head_seq=head.seq)
    return VerifyResult(
        from_seq=from_seq,
        events_verified=walk.count,
        last_seq=walk.last_seq,
        head_seq=head.seq,
        problem=problem,
        checkpoint_seq=checkpoint_seq,
        sealed=connections[alias].vendor == "postgresql" and seal_problem is None,
        seal_problem=seal_problem,
    )


# -- Python: every row through audit.chain ------------------------------------------------


def _walk_in_python(
    from_seq: int,
    head_seq: int,
    expected_prev: str | None,
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> _Walk:
    verifier = ChainVerifier(first_seq=from_seq, expected_prev_hash=expected_prev)
    rows = (
        AuditEvent.objects.filter(seq__gte=from_seq, seq__lte=head_seq)
        .order_by("seq")
        .values_list(*COLUMNS, "data_canonical", "preimage")
        .iterator(chunk_size=chunk_size)
    )
    problem: ChainProblem | None = None
    # Inside a transaction PostgreSQL streams the server-side cursor as it goes; outside
    # one, Django must declare it WITH HOLD, which makes the server materialise the rest.
    with transaction.atomic():
        for row in rows:
            fields = row_fields(row)
            stored_ok = _canonical_or_none(row[7]) == row[12]
            problem = verifier.feed(
                fields,
                row[11],
                content_problem=None if stored_ok else DATA_MISMATCH_MESSAGE,
                preimage=row[13],
            )
            if problem is not None:
                break
            if progress is not None and verifier.count % 100_000 == 0:
                progress(verifier.count)
    return _Walk(problem, verifier.count, verifier.last_seq, verifier.last_hash)


def _canonical_or_none(data: Any) -> str | None:
    try:
        return canonical_data(data)
    except (TypeError, ValueError):
        return None


# -- PostgreSQL: the chain checked in SQL, range by range ---------------------------------


# How far the walk may rely on the seal, from least to most: rebuild each event from its
# columns; hash the stored preimages (the check intact); and leave the links to the
# database as well (the whole seal intact).
REBUILD, PREIMAGES, PREIMAGES_LINKED = 0, 1, 2
_QUERIES = {
    REBUILD: chain_sql.VERIFY_RANGE,
    PREIMAGES: chain_sql.VERIFY_SEALED_RANGE,
    PREIMAGES_LINKED: chain_sql.VERIFY_SEALED_LINKED_RANGE,
}


def _trust(connection: Any) -> tuple[int, str | None]:
    """What the seal lets the walk rely on now, and why not more."""
    check = seal.check_problem(connection)
    if check is not None:
        return REBUILD, check
    links = seal.links_problem(connection)
    if links is not None:
        return PREIMAGES, links
    return PREIMAGES_LINKED, None


def _walk_in_postgres(
    alias: str,
    from_seq: int,
    head_seq: int,
    expected_prev: str | None,
    progress: Callable[[int], None] | None,
) -> tuple[_Walk, str | None]:
    """The walk in SQL, relying on as much of the seal as is intact before and after it.
    Also returns why the seal was not wholly relied on."""
    trust, seal_problem = _trust(connections[alias])
    walk = _walk_in_sql(alias, from_seq, head_seq, expected_prev, progress, trust=trust)
    # Taken off (in part) while the ranges were read, the seal vouched for nothing: the
    # events are read again, relying only on what is left of it.
    after, problem_after = _trust(connections[alias])
    if after < trust:
        seal_problem = problem_after
        walk = _walk_in_sql(alias, from_seq, head_seq, expected_prev, progress, trust=after)
    return walk, seal_problem


@dataclass(frozen=True)
class _Range:
    """A verifying query's answer for events lo…hi, with the first row's prev_hash and the
    last row's hash, through which the ranges are linked to each other."""

    lo: int
    hi: int
    count: int
    first_seq: int | None
    last_seq: int | None
    gap_seq: int | None
    link_seq: int | None
    bad_seq: int | None
    first_prev_hash: str | None
    last_hash: str | None


def _check_range(alias: str, lo: int, hi: int, trust: int) -> _Range:
    # In a transaction of its own (a savepoint inside the caller's), so that SET LOCAL
    # applies to it alone and an error leaves the caller's transaction usable.
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # JIT compilation costs more than it saves on these expressions (measured).
        cursor.execute("SELECT set_config('jit', 'off', true)")
        # Only the whole seal's query leaves the order of the rows free, so only it may
        # share them between parallel workers; the others read them in seq order.
        workers = PARALLEL_WORKERS if trust == PREIMAGES_LINKED else 0
        cursor.execute(
            "SELECT set_config('max_parallel_workers_per_gather', %s, true)", [str(workers)]
        )
        for name, value in PARALLEL_PLAN_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(_QUERIES[trust], [lo, hi])
        count, first, last, gap, link, bad = cursor.fetchone()
        if trust == PREIMAGES_LINKED and count and count != last - first + 1:
            # A seq missing: the links should have made that impossible. Where?
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
            cursor.execute(_QUERIES[PREIMAGES], [lo, hi])
            count, first, last, gap, link, bad = cursor.fetchone()
        first_prev = last_hash = None
        if count:
            cursor.execute(
                "SELECT seq, prev_hash, hash FROM audit_auditevent WHERE seq IN (%s, %s)",
                [first, last],
            )
            for seq, prev_hash, digest in cursor.fetchall():
                if seq == first:
                    first_prev = prev_hash
                if seq == last:
                    last_hash = digest
    return _Range(lo, hi, count, first, last, gap, link, bad, first_prev, last_hash)


def _walk_in_sql(
    alias: str,
    from_seq: int,
    head_seq: int,
    expected_prev: str | None,
    progress: Callable[[int], None] | None,
    *,
    trust: int,
) -> _Walk:
    if head_seq < from_seq:
        return _Walk(None, 0, None, None)
    size = RANGE_SIZE if trust == PREIMAGES_LINKED else min(RANGE_SIZE, ORDERED_RANGE_SIZE)
    ranges: list[_Range] = []
    done = 0
    try:
        for lo in range(from_seq, head_seq + 1, size):
            ranges.append(_check_range(alias, lo, min(lo + size - 1, head_seq), trust))
            done += ranges[-1].count
            if progress is not None:
                progress(done)
    except DatabaseError:
        # A row SQL cannot even read back (a data_canonical that is not JSON any more, put
        # there by hand): Python walks the chain instead, and says which row it is.
        return _walk_in_python(from_seq, head_seq, expected_prev, CHUNK_SIZE, progress)

    # The ranges, linked: each non-empty range must start right after the previous one's
    # last event, at the event whose prev_hash is that event's hash.
    candidates: list[tuple[int, int, str]] = []
    expected_seq, expected_hash = from_seq, expected_prev
    count, last_seq, last_hash = 0, None, None
    for r in ranges:
        if not r.count:
            continue
        assert r.first_seq is not None and r.last_seq is not None
        if r.first_seq != expected_seq:
            candidates.append((r.first_seq, _PRECEDENCE[GAP], GAP))
        elif expected_hash is not None and r.first_prev_hash != expected_hash:
            candidates.append((r.first_seq, _PRECEDENCE[BROKEN_LINK], BROKEN_LINK))
        for seq, kind in ((r.gap_seq, GAP), (r.link_seq, BROKEN_LINK), (r.bad_seq, HASH_MISMATCH)):
            if seq is not None:
                candidates.append((seq, _PRECEDENCE[kind], kind))
        count += r.count
        expected_seq, expected_hash = r.last_seq + 1, r.last_hash
        last_seq, last_hash = r.last_seq, r.last_hash
    if not candidates:
        return _Walk(None, count, last_seq, last_hash)
    seq, _rank, kind = min(candidates)
    return _describe(alias, from_seq, expected_prev, seq, kind)


def _describe(alias: str, from_seq: int, expected_prev: str | None, seq: int, kind: str) -> _Walk:
    """The first bad event, looked at closely: what is wrong, and the good events before."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditevent WHERE seq >= %s AND seq < %s", [from_seq, seq]
        )
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT seq, hash FROM audit_auditevent WHERE seq >= %s AND seq < %s "
            "ORDER BY seq DESC LIMIT 1",
            [from_seq, seq],
        )
        before = cursor.fetchone()
        last_seq, last_hash = before if before else (None, None)
        if kind == GAP:
            problem = gap_problem(seq, (last_seq if last_seq is not None else from_seq - 1) + 1)
        elif kind == BROKEN_LINK:
            cursor.execute("SELECT prev_hash FROM audit_auditevent WHERE seq = %s", [seq])
            expected = last_hash if last_hash is not None else expected_prev
            problem = link_problem(seq, cursor.fetchone()[0], str(expected))
        else:
            cursor.execute(chain_sql.RECHECK, [seq])
            stored, recomputed, image_ok, data_ok = cursor.fetchone()
            if data_ok is False:
                problem = ChainProblem(seq, HASH_MISMATCH, DATA_MISMATCH_MESSAGE)
            elif stored == recomputed and not image_ok:
                problem = ChainProblem(seq, HASH_MISMATCH, PREIMAGE_MISMATCH_MESSAGE)
            else:
                problem = hash_problem(seq, stored, recomputed)
    return _Walk(problem, count, last_seq, last_hash)


def _check_latest_checkpoint(*, head_seq: int) -> tuple[ChainProblem | None, int | None]:
    """The newest checkpoint, in the chain and in the checkpoint file kept outside the
    database, must carry a valid signature by a trusted key, and the event it names must
    still exist with the hash it signed."""
    candidates: list[tuple[int | None, Any]] = []
    in_chain = (
        AuditEvent.objects.filter(action=LogAudit.AUDIT_CHECKPOINT, seq__lte=head_seq)
        .order_by("-seq")
        .values_list("seq", "data")
        .first()
    )
    if in_chain is not None:
        candidates.append(in_chain)
    outside = checkpoints.latest()
    if outside is not None:
        candidates.append((None, outside))
    checked: int | None = None
    trusted = keys.trusted_public_keys() if candidates else {}
    for event_seq, data in candidates:
        try:
            seq, digest, key_id, signature = (
                int(data["seq"]),
                str(data["hash"]),
                str(data["key_id"]),
                str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError):
            return ChainProblem(event_seq, BAD_CHECKPOINT, "a checkpoint lacks seq/hash/key"), None
        where = f"checkpoint at seq {event_seq}" if event_seq else "checkpoint file"
        error = keys.verify(
            checkpoint_message(seq=seq, hash=digest, key_id=key_id),
            signature_b64=signature,
            claimed_key_id=key_id,
            keys=trusted,
        )
        if error:
            return ChainProblem(event_seq, BAD_CHECKPOINT, f"{where}: {error}"), seq
        if seq > 0:
            stored = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
            if stored is None:
                return (
                    ChainProblem(seq, TAIL_CUT, f"seq {seq}, signed in the {where}, is gone"),
                    seq,
                )
            if stored != digest:
                return (
                    ChainProblem(
                        seq, TAIL_CUT, f"seq {seq} no longer has the hash signed in the {where}"
                    ),
                    seq,
                )
        checked = max(checked or 0, seq)
    return None, checked
