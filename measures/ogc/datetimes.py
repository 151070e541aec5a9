"""The ``datetime`` parameter: an RFC 3339 instant or an interval with open ends (``..``).

Each end is read by ``measures.domain.times.parse_time``, as the export reads its dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from measures.domain.errors import QueryError
from measures.domain.messages import Message
from measures.domain.times import parse_time
from measures.domain.vocabulary import N_

OPEN = ("", "..")


@dataclass(frozen=True)
class Interval:
    """Inclusive bounds in UTC; ``None`` is an open end."""

    start: datetime | None
    end: datetime | None


def _message(text: str) -> Message:
    return Message(
        N_(
            "'datetime' ist ungültig: '%(text)s'. Erwartet wird ein Zeitpunkt nach RFC 3339 "
            "wie 2024-05-01T10:00:00Z, ein Datum wie 2024-05-01 oder ein Zeitraum wie "
            "2024-01-01T00:00:00Z/2024-12-31T23:59:59Z mit '..' für ein offenes Ende."
        ),
        text=text,
    )


def _parse_one(text: str) -> tuple[datetime, datetime]:
    """The first and last instant that ``text`` names."""
    return parse_time(text, "datetime", _message(text))


def parse_datetime(text: str) -> Interval:
    parts = text.split("/")
    if len(parts) == 1:
        if text in OPEN:
            raise QueryError("datetime", _message(text))
        start, end = _parse_one(text)
        return Interval(start, end)
    if len(parts) != 2 or (parts[0] in OPEN and parts[1] in OPEN):
        raise QueryError("datetime", _message(text))
    start = None if parts[0] in OPEN else _parse_one(parts[0])[0]
    end = None if parts[1] in OPEN else _parse_one(parts[1])[1]
    if start is not None and end is not None and start > end:
        raise QueryError(
            "datetime",
            Message(N_("In 'datetime' liegt der Anfang nach dem Ende: '%(text)s'."), text=text),
        )
    return Interval(start, end)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with ``Z``, as the read API writes times."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
