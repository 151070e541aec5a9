"""Atom feeds (RFC 4287): the measures' changes, one measure's steps, approved ideas.

Made with feedgen. Each feed is there per Quartier under ``/q/<slug>/`` and for the whole
city at the URL without that prefix (``app/quartiere.py`` CITY_WIDE); a Quartier's pages
link its own. Titles and summaries come from the records as they are public; no feed
carries anything of an idea but what its public page shows (no name, no address). Links
are absolute under ``PUBLIC_URL`` (``app/public_url.py``), each to the page under its
record's own Quartier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, g
from flask_babel import gettext

from app.db import get_store
from app.i18n import label
from app.public_url import external_url
from app.quartiere import in_quartier_of_url
from measures.domain.vocabulary import CATEGORIES, STATUSES

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"
# The newest entries a feed holds; readers keep what they have seen.
ENTRIES = 50
# A fixed time for a feed that has no entry yet (Atom requires <updated>).
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _where() -> str:
    """Whose feed this is: the Quartier of the URL, or the only one there is; "" for the
    city's feed of several."""
    if g.get("quartier_from_url"):
        return g.quartier.name
    found = get_store().quartiere.all()
    return found[0].name if len(found) == 1 else ""


def _feed(title: str, self_url: str, page_url: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    where = _where()
    feed.author(
        {"name": gettext("Quartiersmanagement %(name)s", name=where) if where else "Quartierskarte"}
    )
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language("de")
    return feed


def _answer(feed: FeedGenerator, entries_updated: list[datetime]) -> Response:
    feed.updated(max(entries_updated, default=_EPOCH))
    return Response(feed.atom_str(pretty=True), headers={"Content-Type": ATOM})


def _status(key: str) -> str:
    return label(STATUSES[key]) if key in STATUSES else key


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return _EPOCH
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _ListFeed:
    """What differs between the feeds of a whole layer."""

    layer: str
    page: str  # the endpoint of a record's page, and the name of its id there
    id_name: str
    when: Callable  # the time of a record's entry
    title: Callable[..., str]
    summary: Callable[..., str]
    # A new entry at each change (a measure's new status), or one per record (an idea).
    entry_per_change: bool


_MEASURES = _ListFeed(
    "measures",
    "pages.measure",
    "measure_id",
    lambda m: _utc(m.updated_at),
    lambda m: f"{m.title}: {_status(m.status)}",
    lambda m: m.summary,
    entry_per_change=True,
)
_IDEAS = _ListFeed(
    "ideas",
    "pages.idea",
    "idea_id",
    lambda i: _utc(i.created_at),
    lambda i: i.title,
    lambda i: i.description,
    entry_per_change=False,
)


def _list_feed(kind: _ListFeed, title: str, self_endpoint: str, list_endpoint: str) -> Response:
    """The newest records of a layer (of the URL's Quartier, or of all), oldest entry first."""
    records = sorted(
        get_store().layers.records(kind.layer, in_quartier_of_url()), key=kind.when, reverse=True
    )[:ENTRIES]
    feed = _feed(title, external_url(self_endpoint), external_url(list_endpoint))
    for record in reversed(records):
        # Each record's page under its own Quartier, also in the city's feed.
        url = external_url(kind.page, quartier=record.quartier, **{kind.id_name: record.id})
        when = kind.when(record)
        entry = feed.add_entry()
        entry.id(f"{url}#{when.isoformat()}" if kind.entry_per_change else url)
        entry.title(kind.title(record))
        entry.link(href=url, rel="alternate")
        if not kind.entry_per_change:
            entry.published(when)
        entry.updated(when)
        entry.summary(kind.summary(record))
        entry.category(term=record.category, label=label(CATEGORIES[record.category]))
    return _answer(feed, [kind.when(r) for r in records])


@bp.get("/massnahmen/feed.atom")
def measures():
    """Every measure, the last changed first: a reader sees each new status."""
    where = _where()
    title = (
        gettext("%(name)s: Änderungen der Maßnahmen", name=where)
        if where
        else gettext("Alle Quartiere: Änderungen der Maßnahmen")
    )
    return _list_feed(_MEASURES, title, "feeds.measures", "pages.measures")


@bp.get("/ideen/feed.atom")
def ideas():
    """Approved ideas of residents, newest first."""
    where = _where()
    title = (
        gettext("%(name)s: Ideen der Bewohnerinnen und Bewohner", name=where)
        if where
        else gettext("Alle Quartiere: Ideen der Bewohnerinnen und Bewohner")
    )
    return _list_feed(_IDEAS, title, "feeds.ideas", "pages.ideas")


@bp.get("/massnahmen/<measure_id>/feed.atom")
def measure(measure_id: str):
    """One measure's dated steps along its decision path."""
    found = get_store().layers.record("measures", measure_id, in_quartier_of_url())
    if found is None:
        abort(404)
    page = external_url("pages.measure", quartier=found.quartier, measure_id=found.id)
    feed = _feed(found.title, external_url("feeds.measure", measure_id=found.id), page)
    times = []
    for number, step in enumerate(found.timeline or ()):
        # A step no source dates (from the seed) counts from the measure's last change.
        at = _step_time(step.date) if step.date else _utc(found.updated_at)
        times.append(at)
        entry = feed.add_entry()
        entry.id(f"{page}#schritt-{number + 1}")
        entry.title(f"{step.date}: {_status(step.status)}" if step.date else _status(step.status))
        entry.link(href=page, rel="alternate")
        entry.updated(at)
        entry.summary(step.note or _status(step.status))
    return _answer(feed, times or [_utc(found.updated_at)])


def _step_time(date: str) -> datetime:
    """A step's date (``2020``, ``2020-09`` or ``2020-09-15``) as its first moment."""
    parts = [int(p) for p in date.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)
