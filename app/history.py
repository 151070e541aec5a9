"""The history of measures and places in the planners' area: versions, diff, restore.

Every change of a measure or place is a version (``measures/storage/versions.py``). A
planner with the role "edit" sees a record's versions, compares any two field by field
and restores one: that writes a new version, and only when the record is still as the
planner saw it — otherwise nothing changes and the page says why.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app import quartiere
from app.auth import current_planner, planner_required
from app.db import get_store
from app.i18n import translate
from measures.domain.errors import Conflict, NotFound, UserError
from measures.domain.history import compare
from measures.domain.layers import LAYERS
from measures.domain.vocabulary import N_

bp = Blueprint("history", __name__, url_prefix="/planung")

# The layers with versions, by the part of their URLs.
PATHS = {"massnahmen": "measures", "orte": "locations"}
ACTIONS = {
    "created": N_("angelegt"),
    "updated": N_("geändert"),
    "deleted": N_("gelöscht"),
    "restored": N_("wiederhergestellt"),
    "published": N_("veröffentlicht"),
    "withdrawn": N_("zurückgezogen (Entwurf)"),
    "archived": N_("archiviert"),
}
# One record of a layer, as a heading names it.
RECORD_NAMES = {"measures": N_("Maßnahme"), "locations": N_("Ort")}
GEOMETRY_TYPES = {
    "Point": N_("Punkt"),
    "MultiPoint": N_("mehrere Punkte"),
    "LineString": N_("Linie"),
    "MultiLineString": N_("mehrere Linien"),
    "Polygon": N_("Fläche"),
    "MultiPolygon": N_("mehrere Flächen"),
}
# Where the dates people read are: Wetzlar.
LOCAL = ZoneInfo("Europe/Berlin")


def changed_on(at: datetime | None) -> date | None:
    """The day of a change in Wetzlar (a change at 00:30 there is that day's, not the one
    before as in UTC)."""
    return at.astimezone(LOCAL).date() if at is not None else None


def author(version) -> str:
    """Who made a version, as the pages name them."""
    if version.source == "seed":
        return gettext("Seed-Daten")
    if version.source == "system":
        return gettext("System")
    if version.source == "import":
        return gettext("GIS-Import (%(name)s)", name=version.author or "–")
    if version.source == "idea":
        return gettext("aus einer Idee (%(name)s)", name=version.author)
    return version.author


def _layer(kind: str) -> str:
    if kind not in PATHS:
        abort(404)
    return PATHS[kind]


def _versions(layer: str, record_id: str) -> list:
    """The versions of a record of this Quartier, newest first; 404 when there are none."""
    found = get_store().versions.history(layer, record_id, quartiere.current_quartier().slug)
    if not found:
        raise NotFound(N_("Zu dieser Kennung gibt es hier keine Maßnahme und keinen Ort."))
    return found


# What to do when a version's id is not a number, by the version asked for.
CHOOSE_VERSION = {
    "gewünschte": N_("Bitte wählen Sie die gewünschte Version aus der Liste."),
    "ältere": N_("Bitte wählen Sie die ältere Version aus der Liste."),
    "neuere": N_("Bitte wählen Sie die neuere Version aus der Liste."),
}


def _version(versions: list, value, what: str):
    """The version of ``versions`` whose id ``value`` (text from the URL or form) names."""
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        raise UserError(CHOOSE_VERSION[what]) from None
    for version in versions:
        if version.id == wanted:
            return version
    raise NotFound(N_("Diese Version gibt es bei diesem Objekt nicht."))


def _version_in_url(versions: list, version_id: str):
    """The version the URL names; a part that is no number names none (404)."""
    if not version_id.isdecimal():
        raise NotFound(N_("Diese Version gibt es bei diesem Objekt nicht."))
    return _version(versions, version_id, "gewünschte")


def _context(kind: str, layer: str, versions: list) -> dict:
    current = get_store().layers.record(layer, versions[0].record_id)
    return {
        "kind": kind,
        "layer": layer,
        "layer_title": RECORD_NAMES[layer],
        "geometry_types": GEOMETRY_TYPES,
        "record_id": versions[0].record_id,
        "name": _name(versions[0].record),
        "versions": versions,
        "numbers": {v.id: len(versions) - i for i, v in enumerate(versions)},
        "current": current,
        "actions": ACTIONS,
        "titles": _field_titles(layer),
        "author": author,
    }


def _field_titles(layer: str) -> dict[str, str]:
    """Each field's title (marked for translation), the geometry's too."""
    titles = {name: f.title for name, f in LAYERS[layer].fields}
    return {**titles, "geometry": N_("Lage (Geometrie)")}


def _name(record) -> str:
    return getattr(record, "title", None) or getattr(record, "name", "")


@bp.get("/<kind>/<record_id>/versionen")
@planner_required
def versions(kind: str, record_id: str):
    """A measure's or place's versions: who, when, which fields; two of them to compare."""
    layer = _layer(kind)
    return render_template(
        "planning/versions.html", **_context(kind, layer, _versions(layer, record_id))
    )


@bp.get("/<kind>/<record_id>/versionen/vergleich")
@planner_required
def diff(kind: str, record_id: str):
    """Two versions side by side, field by field."""
    layer = _layer(kind)
    found = _versions(layer, record_id)
    # Without a choice: the newest version and the one before.
    old = _version(found, request.args.get("alt", found[min(1, len(found) - 1)].id), "ältere")
    new = _version(found, request.args.get("neu", found[0].id), "neuere")
    if old.id > new.id:
        old, new = new, old
    return render_template(
        "planning/version_diff.html",
        old=old,
        new=new,
        diff=compare(old.record, new.record),
        **_context(kind, layer, found),
    )


def _restore_page(kind, layer, found, version, notice=None, status=200):
    context = _context(kind, layer, found)
    current = context["current"]
    return (
        render_template(
            "planning/version_restore.html",
            version=version,
            diff=compare(current, version.record) if current is not None else None,
            notice=notice,
            **context,
        ),
        status,
    )


@bp.get("/<kind>/<record_id>/versionen/<version_id>/wiederherstellen")
@planner_required
def confirm_restore(kind: str, record_id: str, version_id: str):
    """What restoring a version would change, and the button that does it."""
    layer = _layer(kind)
    found = _versions(layer, record_id)
    return _restore_page(kind, layer, found, _version_in_url(found, version_id))


@bp.post("/<kind>/<record_id>/versionen/<version_id>/wiederherstellen")
@planner_required
def restore(kind: str, record_id: str, version_id: str):
    """Restore a version, once confirmed, onto the record as the planner saw it."""
    layer = _layer(kind)
    found = _versions(layer, record_id)
    version = _version_in_url(found, version_id)
    if request.form.get("bestaetigt") != "ja":
        notice = gettext("Bitte bestätigen Sie, dass diese Version wiederhergestellt werden soll.")
        return _restore_page(kind, layer, found, version, notice, 400)
    try:
        seen = datetime.fromisoformat(request.form.get("stand", ""))
    except ValueError:
        notice = gettext("Die Seite ist unvollständig. Bitte laden Sie sie neu.")
        return _restore_page(kind, layer, found, version, notice, 400)
    try:
        get_store().versions.restore(
            layer, record_id, version.id, author=current_planner().username, expected=seen
        )
    except Conflict as error:
        # The page anew: the current record (changed meanwhile) beside the chosen version.
        found = _versions(layer, record_id)
        return _restore_page(kind, layer, found, version, translate(error.message), 409)
    flash(gettext("Die Version ist wiederhergestellt; das ist nun die neueste Version."), "success")
    return redirect(url_for("history.versions", kind=kind, record_id=record_id), code=303)


@bp.get("/aenderungen")
@planner_required
def recent():
    """The latest changes of measures and places in this Quartier, each with its history."""
    changes = get_store().versions.recent(quartiere.current_quartier().slug, limit=200)
    return render_template(
        "planning/changes.html",
        changes=changes,
        paths={layer: kind for kind, layer in PATHS.items()},
        actions=ACTIONS,
        author=author,
        name=_name,
        layer_titles=RECORD_NAMES,
        field_titles={layer: _field_titles(layer) for layer in PATHS.values()},
    )


def init_app(app: Flask) -> None:
    quartiere.register(app, bp)
    app.add_template_filter(changed_on, "changed_on")
