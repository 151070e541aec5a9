"""The public pages of the Stadtteilbeirat: its public sessions (upcoming and past), one
page per session with its agenda and outcomes, and an iCalendar feed of the sessions.

Only sessions marked public appear. An item's measure or idea is named and linked only
while it is public itself: a draft measure or an idea waiting for its check is on the
agenda as "a measure" or "an idea", nothing of its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
from flask import Blueprint, Flask, Response, abort, render_template, url_for
from flask_babel import format_date, format_time, gettext

from app import quartiere
from app.db import get_store
from app.public_url import external_url
from measures.domain.beirat import KIND_LABELS, OUTCOME_LABELS, AgendaItem, Session
from measures.domain.moderation import PUBLIC_STATES

bp = Blueprint("beirat", __name__, url_prefix="/beirat")

ICALENDAR = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class ShownItem:
    """An agenda item as the public reads it."""

    item: AgendaItem
    title: str
    url: str | None
    public_record: bool


def _shown(item: AgendaItem) -> ShownItem:
    if item.kind == "topic":
        return ShownItem(item, item.title, None, True)
    store = get_store()
    if item.kind == "measure":
        record = store.layers.record("measures", item.ref, quartiere.scoped())
        endpoint, values = "pages.measure", {"measure_id": item.ref}
        hidden = gettext("Eine Maßnahme, die noch nicht veröffentlicht ist")
    else:
        record = store.ideas.get(item.ref, PUBLIC_STATES, quartiere.current_quartier().slug)
        endpoint, values = "pages.idea", {"idea_id": item.ref}
        hidden = gettext("Eine Idee, die nicht öffentlich ist")
    if record is None:
        return ShownItem(item, hidden, None, False)
    return ShownItem(item, record.title, url_for(endpoint, **values), True)


def _public_session_or_404(session_id: str) -> Session:
    if not session_id.isascii() or not session_id.isdigit() or len(session_id) > 12:
        abort(404)
    found = get_store().beirat.session(quartiere.current_quartier().slug, int(session_id))
    if found is None or not found.public:
        abort(404)
    return found


@bp.get("/")
def sessions():
    """The public sessions of the Stadtteilbeirat: the coming ones, then the past ones."""
    found = get_store().beirat.sessions(quartiere.current_quartier().slug, public_only=True)
    return render_template(
        "beirat/sessions.html",
        upcoming=[s for s in found if not s.held],
        past=[s for s in reversed(found) if s.held],
    )


@bp.get("/<session_id>")
def session(session_id: str):
    """A public session: when and where, its agenda, and the outcomes once recorded."""
    found = _public_session_or_404(session_id)
    return render_template(
        "beirat/session.html", session=found, items=[_shown(i) for i in found.items]
    )


def _uid(found: Session) -> str:
    """The event's UID: the same for a session whatever changes, unique per installation."""
    host = urlsplit(external_url("beirat.sessions")).hostname or "quartierskarte"
    return f"beirat-{found.quartier}-{found.id}@{host}"


@bp.get("/sitzungen.ics")
def calendar():
    """The public sessions as an iCalendar feed (RFC 5545), times in Europe/Berlin."""
    where = quartiere.current_quartier()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Quartierskarte//Stadtteilbeirat//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", gettext("Stadtteilbeirat %(name)s", name=where.name))
    cal.add("x-wr-timezone", "Europe/Berlin")
    stamp = datetime.now(UTC)
    for found in get_store().beirat.sessions(where.slug, public_only=True):
        event = icalendar.Event()
        event.add("uid", _uid(found))
        event.add("summary", found.title)
        event.add("dtstart", found.local_start)
        if found.local_end is not None:
            event.add("dtend", found.local_end)
        event.add("dtstamp", stamp)
        location = ", ".join(part for part in (found.place, found.address) if part)
        event.add("location", location)
        url = external_url("beirat.session", session_id=found.id)
        event.add("url", url)
        agenda = [f"{i.position}. {_shown(i).title}" for i in found.items]
        event.add("description", "\n".join([*agenda, url]))
        cal.add_component(event)
    cal.add_missing_timezones()
    response = Response(cal.to_ical(), mimetype="text/calendar")
    response.headers["Content-Type"] = ICALENDAR
    response.headers["Content-Disposition"] = 'inline; filename="stadtteilbeirat.ics"'
    return response


def session_day(found: Session) -> str:
    """The day of a session in Wetzlar, written out ("Donnerstag, 13. März 2025")."""
    return format_date(found.local_start.date(), "full")


def session_time(found: Session) -> str:
    """From when to when, in Wetzlar's time ("18:00 – 20:00 Uhr" in German)."""
    # Naive local times: Flask-Babel takes a naive time as UTC, and its zone is UTC.
    start = format_time(found.local_start.replace(tzinfo=None), "short")
    if found.local_end is None:
        return gettext("ab %(start)s Uhr", start=start)
    end = format_time(found.local_end.replace(tzinfo=None), "short")
    return gettext("%(start)s bis %(end)s Uhr", start=start, end=end)


def votes_label(item: AgendaItem) -> str:
    """The votes of an item as the pages say them, or "" when none were counted."""
    if not item.has_votes:
        return ""

    def shown(count: int | None) -> str:
        return "–" if count is None else str(count)

    return gettext(
        "Abstimmung: ja %(yes)s, nein %(no)s, Enthaltung %(abstain)s",
        yes=shown(item.votes_yes),
        no=shown(item.votes_no),
        abstain=shown(item.votes_abstain),
    )


def decisions_on(kind: str, ref: str, public_only: bool = True):
    """The Beirat's recorded outcomes on a measure or idea, with their sessions."""
    return get_store().beirat.decisions_on(kind, ref, public_only=public_only)


def init_app(app: Flask) -> None:
    quartiere.register(app, bp)
    app.jinja_env.globals["beirat_outcomes"] = OUTCOME_LABELS
    app.jinja_env.globals["beirat_kinds"] = KIND_LABELS
    app.jinja_env.globals["beirat_day"] = session_day
    app.jinja_env.globals["beirat_time"] = session_time
    app.jinja_env.globals["beirat_decisions"] = decisions_on
    app.jinja_env.globals["beirat_votes"] = votes_label
