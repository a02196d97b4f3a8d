"""The canonical form and hash of an audit event (audit.chain) rebuilt in PostgreSQL's SQL,
for the one-statement append and for the verifier (docs/adr/0007-audit-chain-in-sql.md).

The SQL text is byte for byte what `audit.chain.canonical_bytes` produces (a property
test compares them over arbitrary events, tests/audit/test_sql_chain.py):

- strings are JSON-escaped by `to_json(text)::text`, which escapes `"`, `\\` and control
  characters exactly as Python's json with ensure_ascii=False (`\\n`, `\\t`…, `\\u001f`
  in lowercase hex) and leaves every other character as itself. As to_json costs more than
  everything else per field, the seven string columns are escaped together first: when the
  escaped concatenation is just two quotes longer than the concatenation, no character
  needed escaping and each field is quoted as it is; otherwise every field goes through
  to_json (the same text either way, only cheaper on the usual row);
- `data` is the stored `data_canonical` (Python's canonical JSON of the event's data);
  the verifier also checks `data = data_canonical::jsonb`;
- the time is `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
- the UTF-8 bytes of that text are hashed with sha256() and written in lowercase hex.

Every expression works on the bare column names of audit_auditevent, so the same text
serves the INSERT (over a CTE with those names) and the verifier (over the table).
"""

from __future__ import annotations

_TIME = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _canonical(quote: str) -> str:
    """The canonical text with `quote` (a format string over one column name) as the way
    each string is written as a JSON string."""

    def q(column: str) -> str:
        return quote.format(column)

    return (
        """'{"action":' || """
        + q("action")
        + """ || ',"actor_id":' || coalesce(actor_id::text, 'null')"""
        + """ || ',"actor_label":' || """
        + q("actor_label")
        + """ || ',"client_ip":' || coalesce("""
        + q("client_ip")
        + """, 'null') || ',"data":' || data_canonical || ',"object_id":' || """
        + q("object_id")
        + """ || ',"object_type":' || """
        + q("object_type")
        + """ || ',"occurred_at":"' || """
        + _TIME
        + """ || '","prev_hash":' || """
        + q("prev_hash")
        + """ || ',"request_id":' || """
        + q("request_id")
        + """ || ',"seq":' || seq::text || '}'"""
    )


_PLAIN = "('\"' || {} || '\"')"
_ESCAPED = "to_json({}::text)::text"
_ALL_STRINGS = (
    "(action || actor_label || coalesce(client_ip, '') || object_id || object_type "
    "|| prev_hash || request_id)"
)

_ALL_LENGTHS = (
    "(octet_length(action) + octet_length(actor_label) + coalesce(octet_length(client_ip), 0) "
    "+ octet_length(object_id) + octet_length(object_type) + octet_length(prev_hash) "
    "+ octet_length(request_id))"
)

# The canonical text of an event, as one SQL expression over its columns.
CANONICAL_TEXT = (
    f"(CASE WHEN octet_length(to_json({_ALL_STRINGS})::text) = {_ALL_LENGTHS} + 2 "
    f"THEN {_canonical(_PLAIN)} ELSE {_canonical(_ESCAPED)} END)"
)
# Always through to_json: the reference the fast form above must equal (tests).
CANONICAL_TEXT_ESCAPED = f"({_canonical(_ESCAPED)})"

# The UTF-8 bytes of the canonical text: what each event stores as its `preimage`.
IMAGE = f"convert_to({CANONICAL_TEXT}, 'UTF8')"
# Lowercase hex SHA-256 of the UTF-8 bytes of the canonical text.
DIGEST = f"encode(sha256({IMAGE}), 'hex')"

# One statement appends one event: lock the chain head, take the next seq, the time (read
# under the lock, so times follow seq) and the previous hash, insert the event with its
# preimage and hash computed here, move the head. The preimage is the text the writer
# built before the lock with a gap for time, previous hash and seq (audit.chain.EventText),
# filled in here: a short expression, where rebuilding the text from the columns is a long
# one that PostgreSQL sets up again at every execution. The seal checks it against the
# columns all the same, so a writer that built it wrongly is refused, not stored. The lock
# is then held for this one round trip and the caller's commit. It is prepared once per
# connection (PREPARE_APPEND), so that the parsing and planning of this long statement is
# not paid under the lock each time.
# Parameters: $1 actor_id, $2 actor_label, $3 action, $4 object_type, $5 object_id,
# $6 data (canonical JSON text), $7 client_ip, $8 request_id, $9 and $10 the canonical text
# before and after its gap (EventText.before, EventText.after).
APPEND_STATEMENT = "audit_append_v2"
_FILLED_TEXT = (
    """text_before || ',"occurred_at":"' || """
    + _TIME
    + """ || '","prev_hash":"' || prev_hash || '",' || text_after || seq::text || '}'"""
)
APPEND = f"""
WITH head AS (
    SELECT seq, hash FROM audit_chainhead WHERE id = 1 FOR UPDATE
), stamped AS (
    SELECT head.seq + 1 AS seq, head.hash AS prev_hash, clock_timestamp() AS occurred_at,
           $1::bigint AS actor_id, $2::text AS actor_label, $3::text AS action,
           $4::text AS object_type, $5::text AS object_id, $6::text AS data_canonical,
           $7::text AS client_ip, $8::text AS request_id,
           $9::text AS text_before, $10::text AS text_after
    FROM head
), imaged AS (
    SELECT stamped.*, convert_to({_FILLED_TEXT}, 'UTF8') AS preimage FROM stamped
), inserted AS (
    INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_label, action,
        object_type, object_id, data, data_canonical, client_ip, request_id, prev_hash, hash,
        preimage)
    SELECT seq, occurred_at, actor_id, actor_label, action, object_type, object_id,
           data_canonical::jsonb, data_canonical, client_ip, request_id, prev_hash,
           encode(sha256(preimage), 'hex'), preimage
    FROM imaged
    RETURNING id, seq, occurred_at, prev_hash, hash, preimage
), moved AS (
    UPDATE audit_chainhead SET seq = inserted.seq, hash = inserted.hash
    FROM inserted WHERE audit_chainhead.id = 1
)
SELECT id, seq, occurred_at, prev_hash, hash, preimage FROM inserted
"""  # noqa: S608 (built from constants; values are parameters)
PREPARE_APPEND = (
    f"PREPARE {APPEND_STATEMENT} (bigint, text, text, text, text, text, text, text, text, text) "
    f"AS {APPEND}"
)
EXECUTE_APPEND = f"EXECUTE {APPEND_STATEMENT} (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"

# -- verification -------------------------------------------------------------------------

# One pass over events lo…hi in seq order: how many, the first and last seq, and the
# first seq (if any) where the seq skips (gap), where prev_hash is not the previous row's
# hash (broken link), or where the event is not what was hashed (hash mismatch), as
# `{ok}` over one row decides. Links into the first row are checked by the caller.
_RANGE = """
SELECT count(*), min(seq), max(seq),
       min(seq) FILTER (WHERE p_seq IS NOT NULL AND seq <> p_seq + 1),
       min(seq) FILTER (WHERE p_seq IS NOT NULL AND prev_hash IS DISTINCT FROM p_hash),
       min(seq) FILTER (WHERE NOT ok)
FROM (
    SELECT seq, prev_hash, lag(seq) OVER w AS p_seq, lag(hash) OVER w AS p_hash, ok
    FROM (
        -- Each row is checked here, below the window: the window then buffers four
        -- narrow columns per row instead of the whole event (1.6 times faster at 500k
        -- rows). OFFSET 0 keeps the planner from pulling this subquery up into it.
        SELECT seq, prev_hash, hash, {ok} AS ok
        FROM audit_auditevent{lateral}
        WHERE seq BETWEEN %s AND %s
        -- In seq order from the index: the window then needs no sort (which spilled
        -- 36 MB to disk per range of 250,000 events).
        ORDER BY seq
        OFFSET 0
    ) AS scanned
    WINDOW w AS (ORDER BY seq)
) AS checked
"""

# With the seal intact (below), every stored preimage is its event's content, so a row
# is good when its hash is the SHA-256 of its preimage: nothing is rebuilt.
VERIFY_SEALED_RANGE = _RANGE.format(ok="encode(sha256(preimage), 'hex') = hash", lateral="")

# Without it, the content is rebuilt from the columns (`image`) and the row is good when
# its hash is that of the content, its preimage is the content, and `data` still equals
# `data_canonical` (data_canonical::jsonb is parsed only for rows that pass the rest).
_REBUILT = """
CASE WHEN hash = encode(sha256(image), 'hex') AND preimage IS NOT DISTINCT FROM image
     THEN coalesce(data = data_canonical::jsonb, false) ELSE false END"""
VERIFY_RANGE = _RANGE.format(ok=_REBUILT, lateral=f", LATERAL (SELECT {IMAGE} AS image) AS rebuilt")

# One event looked at closely: its stored hash, the hash of its content rebuilt from the
# columns, whether its stored preimage is that content, and whether its data matches
# data_canonical (null when the rest already differs, as in VERIFY_RANGE).
RECHECK = f"""
SELECT hash, encode(sha256(image), 'hex'), preimage IS NOT DISTINCT FROM image,
       CASE WHEN hash = encode(sha256(image), 'hex') AND preimage IS NOT DISTINCT FROM image
            THEN coalesce(data = data_canonical::jsonb, false) END
FROM audit_auditevent, LATERAL (SELECT {IMAGE} AS image) AS rebuilt WHERE seq = %s
"""  # noqa: S608 (built from constants)

# -- the seal -------------------------------------------------------------------------------

# The seal: a CHECK constraint that makes PostgreSQL refuse any event (inserted, or changed
# by someone who lifted the append-only guard) whose stored preimage is not the canonical
# text of its columns, or whose data is not its data_canonical. While it is in place and
# validated, every row satisfies it, and the verifier only hashes preimages
# (VERIFY_SEALED_RANGE). The check is a SQL function over the columns, so that the verifier
# can compare what the catalogue holds (the constraint's definition, the function's
# arguments and body) with these constants (audit.seal).
SEAL_CONSTRAINT = "audit_event_sealed"
SEAL_FUNCTION = "audit_event_seal_holds"
SEAL_ARGUMENTS = (
    "preimage bytea, seq bigint, occurred_at timestamp with time zone, actor_id bigint, "
    "actor_label character varying, action character varying, "
    "object_type character varying, object_id character varying, data jsonb, "
    "data_canonical text, client_ip character varying, request_id character varying, "
    "prev_hash character varying"
)
SEAL_COLUMNS = (
    "preimage, seq, occurred_at, actor_id, actor_label, action, object_type, object_id, "
    "data, data_canonical, client_ip, request_id, prev_hash"
)
# The function's parameters are named as the columns, so the canonical text above reads
# them unchanged. Never null (a null CHECK passes): a missing preimage is refused too.
SEAL_BODY = (
    f" BEGIN RETURN coalesce(preimage = {IMAGE}, false)"
    " AND coalesce(data = data_canonical::jsonb, false); END "
)
# PL/pgSQL, because it plans the expression once per session: an SQL function is inlined by
# parsing its body again for every statement, and a CHECK holding the expression itself
# is prepared again for every statement too; either added ~0.4 ms to each single-event
# INSERT, under the chain head's lock (measured; this adds ~0.03 ms). STABLE (to_char and
# to_json are), and not STRICT (actor_id and client_ip may be null).
SEAL_LANGUAGE = "plpgsql"
CREATE_SEAL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {SEAL_FUNCTION}({SEAL_ARGUMENTS}) RETURNS boolean
LANGUAGE {SEAL_LANGUAGE} STABLE PARALLEL SAFE AS $seal${SEAL_BODY}$seal$
"""
SEAL_DEFINITION = f"CHECK ({SEAL_FUNCTION}({SEAL_COLUMNS}))"
ADD_SEAL = f"ALTER TABLE audit_auditevent ADD CONSTRAINT {SEAL_CONSTRAINT} {SEAL_DEFINITION}"
DROP_SEAL = [
    f"ALTER TABLE audit_auditevent DROP CONSTRAINT IF EXISTS {SEAL_CONSTRAINT}",
    f"DROP FUNCTION IF EXISTS {SEAL_FUNCTION}({SEAL_ARGUMENTS})",
]

# -- the links ------------------------------------------------------------------------------

# The second half of the seal: a foreign key from each event to its predecessor's seq and
# hash, so that PostgreSQL refuses an event whose prev_hash is not the hash of the event
# before it, the removal of an event that has a successor, and a seq that does not follow
# one in the log. `pred_seq` is generated from seq (null for the first event, whose
# prev_hash is the genesis hash, which the verifier checks itself); the key it references
# needs a unique index over (seq, hash). The foreign key's triggers are the database's
# own: only a superuser may switch them off, which the table's owner is not.
LINK_COLUMN = "pred_seq"
LINK_EXPRESSION = "NULLIF((seq - 1), 0)"  # as pg_get_expr prints it
LINK_INDEX = "audit_event_seq_hash"
LINK_CONSTRAINT = "audit_event_linked"
LINK_DEFINITION = "FOREIGN KEY (pred_seq, prev_hash) REFERENCES audit_auditevent(seq, hash)"
ADD_LINK_COLUMN = [
    f"ALTER TABLE audit_auditevent ADD COLUMN {LINK_COLUMN} bigint "
    "GENERATED ALWAYS AS (NULLIF(seq - 1, 0)) STORED",
    f"CREATE UNIQUE INDEX {LINK_INDEX} ON audit_auditevent (seq, hash)",
]
DROP_LINK_COLUMN = [
    f"DROP INDEX IF EXISTS {LINK_INDEX}",
    f"ALTER TABLE audit_auditevent DROP COLUMN IF EXISTS {LINK_COLUMN}",
]
ADD_LINKS = f"ALTER TABLE audit_auditevent ADD CONSTRAINT {LINK_CONSTRAINT} {LINK_DEFINITION}"
DROP_LINKS = f"ALTER TABLE audit_auditevent DROP CONSTRAINT IF EXISTS {LINK_CONSTRAINT}"

# With the whole seal intact, the database has checked every link and every preimage, so
# one pass only hashes the preimages: no window, no order, and PostgreSQL may share the
# rows between parallel workers. Gaps and links are left as null (the caller counts: a
# range whose count is not max - min + 1 is checked again by VERIFY_SEALED_RANGE, which
# says where).
VERIFY_SEALED_LINKED_RANGE = """
SELECT count(*), min(seq), max(seq), NULL::bigint, NULL::bigint,
       min(seq) FILTER (WHERE encode(sha256(preimage), 'hex') IS DISTINCT FROM hash)
FROM audit_auditevent
WHERE seq BETWEEN %s AND %s
"""
