"""Hostile input for the fuzzing tests (``test_fuzz.py``), as hypothesis strategies.

schemathesis sends what the OpenAPI documents allow and little else; these strategies send
what has broken parsers before: values of the wrong JSON type, lone UTF-16 surrogates,
numbers with thousands of digits, instants at the ends of the calendar with an offset,
control and bidi characters, targets of a redirect that leave the site. Each class is weighted
so that a few dozen examples reach it.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote

import sqlalchemy as sa
from hypothesis import strategies as st

from measures.storage import schema

# Characters that parsers, headers and displays trip over: line breaks and other controls,
# the separators of URLs, bidi controls, a byte-order mark and lone surrogates.
CONTROLS = "\r\n\t\x00\x0b\x1b\x7f\x85"
AWKWARD = (
    CONTROLS
    + "\\/%&=?#:;,. \u00a0"
    + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f\ufeff"
    + "\ud800\udbff\udc00\udfff"
)

# A list of characters, not ``st.text``: text() merges its alphabet into one range of
# code points, in which the few awkward ones would hardly ever be drawn.
# Surrogates come from AWKWARD only (``st.characters`` leaves them out), else they would
# hide every other problem: a text with one is refused before anything else is checked.
texts = st.lists(st.one_of(st.sampled_from(AWKWARD), st.characters()), max_size=12).map("".join)

# Numbers as people and programs write them, and with thousands of digits (Python refuses
# to convert more than 4300 digits to an int).
numerals = st.one_of(
    st.integers().map(str),
    st.floats().map(repr),
    st.builds(
        lambda sign, digit, n: sign + digit * n,
        st.sampled_from(["", "-", "+"]),
        st.sampled_from("0159"),
        st.integers(1, 6000),
    ),
    st.integers(4301, 6000).map(lambda n: "9" * n),
)


def _rfc3339(moment: datetime, offset_minutes: int | None) -> str:
    text = moment.isoformat(timespec="seconds")
    if offset_minutes is None:
        return text + "Z"
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


_offsets = st.one_of(st.none(), st.integers(-(24 * 60 - 1), 24 * 60 - 1))
# The first and last instant Python knows, with an offset that may push them past the end.
calendar_ends = st.builds(
    _rfc3339,
    st.sampled_from([datetime.min, datetime.max]),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1),
)
instants = st.one_of(calendar_ends, st.builds(_rfc3339, st.datetimes(), _offsets))
_ends = st.one_of(instants, st.dates().map(str), st.just(".."), st.just(""))
times = st.one_of(calendar_ends, instants, st.tuples(_ends, _ends).map("/".join))

# Where a redirect might be sent: paths of this site (the start page, the planners' area, a
# page with a query) and of others, each with a line break or another awkward character.
_starts = st.sampled_from(
    [
        *("/", "/planung", "/planung/", "/planung/ideen/", "/ideen?x="),
        *("//", "/\\", "\\\\", "https://example.org/", "javascript:", ""),
    ]
)
redirect_targets = st.builds(
    lambda start, before, awkward, after: start + before + awkward + after,
    _starts,
    texts,
    st.one_of(st.sampled_from("\r\n"), st.sampled_from(CONTROLS), st.sampled_from(AWKWARD)),
    texts,
)

# Values of a query parameter, by class: each test names the class it sends.
QUERY_VALUES = {"text": texts, "numeral": numerals, "time": times, "target": redirect_targets}


class Huge:
    """A JSON number with thousands of digits, which ``json.dumps`` cannot write."""

    def __init__(self, digits: int):
        self.text = "9" * digits


_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and Infinity are written as JSON's common extension
    texts,
    st.integers(4301, 6000).map(Huge),
)
# A value of any JSON type where a text or a number is expected: objects and lists too;
# texts as often as all the rest.
json_values = st.one_of(
    texts,
    st.recursive(
        _json_scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=4,
    ),
)


def to_json(value) -> str:
    """JSON text of ``value``; lone surrogates as ``\\ud800`` escapes, ``Huge`` as digits."""
    huge: list[str] = []

    def placeholder(item):
        if isinstance(item, Huge):
            huge.append(item.text)
            return f"@huge{len(huge) - 1}@"
        raise TypeError(item)

    text = json.dumps(value, default=placeholder)
    for index, digits in enumerate(huge):
        text = text.replace(f'"@huge{index}@"', digits)
    return text


def percent_encoded(value: str) -> str:
    """``value`` as a client puts it in a URL or form: UTF-8, a lone surrogate as the bytes
    ``surrogatepass`` gives (invalid UTF-8, as a broken client sends)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def query_string(params: dict[str, list[str]]) -> str:
    return "&".join(
        f"{percent_encoded(name)}={percent_encoded(value)}"
        for name, values in params.items()
        for value in values
    )


def database_rows(engine: sa.Engine) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused request changed nothing."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
            for table in schema.metadata.sorted_tables
        }
