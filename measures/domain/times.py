"""Reading a time that a person gives: one parser for the OGC API's ``datetime`` and the
GIS export's ``from`` and ``to``.

A date without a time stands for the whole day (UTC). A date-time without an offset is
taken as UTC. GDAL turns a comparison on a date field into a date with a bare ``T``
(``datetime=2024-01-01T%2F..``); that is read as the date, so such filters work from GDAL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from measures.domain.errors import QueryError
from measures.domain.messages import Message
from measures.domain.vocabulary import N_

LAST_MICROSECOND = timedelta(days=1, microseconds=-1)


def parse_time(
    text: str, parameter: str, message: str, *, rfc3339: bool = True
) -> tuple[datetime, datetime]:
    """The first and last instant (UTC) that ``text`` names; else ``QueryError(message)``.

    With ``rfc3339`` a time must be written as RFC 3339 has it (``T`` and seconds), as the
    OGC API requires; without, any ISO 8601 form Python reads (``2026-01-31 10:00``), as
    the export has always taken from people typing on the command line.
    """
    day_text = text[:-1] if len(text) == 11 and text.endswith(("T", "t")) else text
    try:
        if len(day_text) == 10:
            start = datetime.combine(date.fromisoformat(day_text), time(), tzinfo=UTC)
            return start, start + LAST_MICROSECOND
        if rfc3339 and (len(text) < 19 or text[10] not in "Tt"):
            raise ValueError(text)
        instant = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise QueryError(parameter, message) from None
    try:
        instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-01:00 is a valid text, but lies after the last instant Python
        # knows (0001-01-01T00:00:00+01:00 before the first).
        raise QueryError(
            parameter,
            Message(
                N_("'%(parameter)s' liegt außerhalb der Jahre 1 bis 9999 (in UTC): '%(text)s'."),
                parameter=parameter,
                text=text,
            ),
        ) from None
    return instant, instant


def now() -> datetime:
    """The present instant in UTC, in whole milliseconds, as every stored time is taken.

    GDAL 3.6 rounds a time of ``…:59.9996`` that it reads (from our GeoJSON or OGC API)
    up to ``…:60.000`` when it writes a GeoPackage, a time nobody can read back; a time
    in whole milliseconds is written as it is. Rounded up, not down: what happens after a
    moment someone noted (a ``datetime`` filter's start) is stored as after it.
    """
    instant = datetime.now(UTC)
    return instant + timedelta(microseconds=-instant.microsecond % 1000)
