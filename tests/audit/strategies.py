"""Hypothesis strategies for audit events, shared by the tests that compare ways of
building an event's canonical text and hash."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")

# What PostgreSQL text can hold: any character but NUL, and no lone surrogates (which
# UTF-8 cannot encode either). Control characters, quotes, backslashes, U+2028, emoji…
# are all in.
TEXT = st.text(_CHARACTERS)


def text_of_at_most(most: int) -> st.SearchStrategy[str]:
    return st.text(_CHARACTERS, max_size=most)


JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | TEXT
JSON_DATA = st.dictionaries(
    TEXT,
    st.recursive(
        JSON_LEAVES,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
        max_leaves=12,
    ),
    max_size=5,
)
TIMES = st.datetimes(
    min_value=dt.datetime(2, 1, 1),
    max_value=dt.datetime(9998, 12, 31),
    # PostgreSQL takes offsets up to ±15:59.
    timezones=st.integers(-959, 959).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)
