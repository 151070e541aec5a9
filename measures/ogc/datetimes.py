"""The ``datetime`` parameter: an RFC 3339 instant or an interval with open ends (``..``).

A date without a time stands for the whole day (UTC). A date-time without an offset is
taken as UTC. GDAL turns a comparison on a date field into ``datetime=2024-01-01T%2F..``,
a date with a bare ``T``; that is read as the date, so such filters work from GDAL too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from measures.ogc.errors import invalid

OPEN = ("", "..")
LAST_MICROSECOND = timedelta(days=1, microseconds=-1)


@dataclass(frozen=True)
class Interval:
    """Inclusive bounds in UTC; ``None`` is an open end."""

    start: datetime | None
    end: datetime | None


def _error(text: str) -> Exception:
    return invalid(
        f"'datetime' ist ungültig: '{text}'. Erwartet wird ein Zeitpunkt nach RFC 3339 wie "
        "2024-05-01T10:00:00Z, ein Datum wie 2024-05-01 oder ein Zeitraum wie "
        "2024-01-01T00:00:00Z/2024-12-31T23:59:59Z mit '..' für ein offenes Ende."
    )


def _parse_one(text: str) -> tuple[datetime, datetime]:
    """The first and last instant that ``text`` names."""
    day_text = text[:-1] if len(text) == 11 and text.endswith(("T", "t")) else text
    if len(day_text) == 10:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise _error(text) from None
        start = datetime.combine(day, time(), tzinfo=UTC)
        return start, start + LAST_MICROSECOND
    if len(text) < 19 or text[10] not in "Tt":
        raise _error(text)
    try:
        instant = datetime.fromisoformat(text[:10] + "T" + text[11:].replace("z", "Z"))
    except ValueError:
        raise _error(text) from None
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    return instant, instant


def parse_datetime(text: str) -> Interval:
    parts = text.split("/")
    if len(parts) == 1:
        if text in OPEN:
            raise _error(text)
        start, end = _parse_one(text)
        return Interval(start, end)
    if len(parts) != 2 or (parts[0] in OPEN and parts[1] in OPEN):
        raise _error(text)
    start = None if parts[0] in OPEN else _parse_one(parts[0])[0]
    end = None if parts[1] in OPEN else _parse_one(parts[1])[1]
    if start is not None and end is not None and start > end:
        raise invalid(f"In 'datetime' liegt der Anfang nach dem Ende: '{text}'.")
    return Interval(start, end)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with ``Z``, as the read API writes times."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
