"""The event text that batch appends hash under the chain head lock (audit.chain.EventText:
everything but the time, previous hash and seq encoded before the lock) gives exactly the
hash of the whole canonical event, for any event."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from audit.chain import EventText, canonical_data, compute_hash, format_time, normalise_data

TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
DATA = st.dictionaries(
    TEXT,
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**70), 2**70) | TEXT,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
        max_leaves=12,
    ),
    max_size=5,
)
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
TIMES = st.datetimes(
    min_value=dt.datetime(2, 1, 1),
    timezones=st.integers(-959, 959).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)


@given(
    fields=KNOWN_BEFORE_THE_LOCK,
    data=DATA,
    when=TIMES,
    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    seq=st.integers(1, 2**62),
)
def test_the_text_with_its_gap_filled_hashes_as_the_whole_event(fields, data, when, prev_hash, seq):
    data = normalise_data(data)
    stamp = format_time(when)
    whole = {**fields, "data": data, "occurred_at": stamp, "prev_hash": prev_hash, "seq": seq}

    text = EventText.of(fields, canonical_data(data))

    assert text.hash(occurred_at=stamp, prev_hash=prev_hash, seq=seq) == compute_hash(whole)
