"""The event text that appends fill in under the chain head lock (audit.chain.EventTexts:
everything but the time, previous hash and seq encoded before the lock) is exactly the
whole canonical event, and hashes as it does, for any event."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from audit.chain import (
    EventTexts,
    canonical_bytes,
    canonical_data,
    compute_hash,
    format_time,
    normalise_data,
)
from tests.audit.strategies import JSON_DATA, TEXT, TIMES

KNOWN_BEFORE_THE_LOCK = st.fixed_dictionaries(
    {
        "action": TEXT,
        "actor_id": st.none() | st.integers(1, 2**62),
        "actor_label": TEXT,
        "client_ip": st.none() | TEXT,
        "object_id": TEXT,
        "object_type": TEXT,
        "request_id": TEXT,
    }
)


@given(
    fields=KNOWN_BEFORE_THE_LOCK,
    data=JSON_DATA,
    when=TIMES,
    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    seq=st.integers(1, 2**62),
)
def test_the_text_with_its_gap_filled_hashes_as_the_whole_event(fields, data, when, prev_hash, seq):
    data = normalise_data(data)
    stamp = format_time(when)
    whole = {**fields, "data": data, "occurred_at": stamp, "prev_hash": prev_hash, "seq": seq}

    text = EventTexts(fields).text(fields["object_type"], fields["object_id"], canonical_data(data))

    filled = text.whole(occurred_at=stamp, prev_hash=prev_hash, seq=seq)
    assert hashlib.sha256(filled.encode()).hexdigest() == compute_hash(whole)
    # …and is, whole, the preimage the event stores.
    assert filled.encode() == canonical_bytes(whole)
