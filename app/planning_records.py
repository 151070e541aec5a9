"""Planners keep measures and places current: list, create, edit, publish, archive, delete.

Under ``/planung/massnahmen`` and ``/planung/orte``, for planners with the role "edit" in
the Quartier. The form is derived from the layer's declared fields
(``measures.domain.editing``) and read by the same validation as seed files and imports;
the geometry travels as GeoJSON in a text field that the drawing script fills (and that
works without it), or comes from an uploaded GIS file. Every change carries the
``updated_at`` the form was made from: a change by someone else meanwhile is refused
(409) with both versions shown, and nothing is overwritten.
"""

from __future__ import annotations

import math
import tempfile
from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from shapely.errors import ShapelyError
from shapely.geometry import shape
from werkzeug.utils import secure_filename

from app import quartiere
from app.auth import current_planner, planner_required
from app.db import get_store
from app.i18n import translate, translated
from app.map_rendering import render_map
from app.photo_files import remove_files
from app.planning_maps import editing_config, editing_map
from measures.domain.editing import (
    PUBLICATION_STATES,
    InvalidForm,
    differences,
    form_fields,
    geometry_text,
    join_parts,
    new_id,
    read_form,
    read_geometry_text,
    shown_fields,
    to_form,
)
from measures.domain.errors import Conflict
from measures.domain.layers import LAYERS
from measures.domain.vocabulary import N_, STATUSES
from measures.gis.geometry_files import GeometryFileError, read_geometry_file
from measures.storage.editing import Stale

bp = Blueprint("editing", __name__, url_prefix="/planung")

# The URL's word for each layer planners edit.
LAYER_PATHS = {"massnahmen": "measures", "orte": "locations"}
PATH_OF = {layer: path for path, layer in LAYER_PATHS.items()}
# What each button of the state form does.
ACTIONS = {
    "veroeffentlichen": ("published", N_("Veröffentlicht: jetzt öffentlich sichtbar.")),
    "zurueckziehen": ("draft", N_("Zurückgezogen: wieder ein Entwurf, nicht mehr öffentlich.")),
    "archivieren": ("archived", N_("Archiviert: nicht mehr öffentlich sichtbar.")),
}
# Titles of the pages, per layer: the list, a new record, a record.
TITLES = {
    "measures": (N_("Maßnahmen bearbeiten"), N_("Neue Maßnahme"), N_("Maßnahme bearbeiten")),
    "locations": (N_("Orte bearbeiten"), N_("Neuer Ort"), N_("Ort bearbeiten")),
}
NAME_FIELD = {"measures": "title", "locations": "name"}


def _layer(kind: str) -> str:
    layer = LAYER_PATHS.get(kind)
    if layer is None:
        abort(404)
    return layer


def _slug() -> str:
    return quartiere.current_quartier().slug


def _found(layer: str, record_id: str):
    found = get_store().editing.get(layer, record_id, _slug())
    if found is None:
        abort(404)
    return found


def _version(raw: str | None) -> datetime | None:
    """The ``updated_at`` a form was made from (ISO 8601), None for none or a bad one."""
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _form_page(
    layer: str,
    values: dict,
    *,
    edited=None,
    errors: dict[str, str] | None = None,
    conflict=None,
    message: str | None = None,
    version: str = "",
    status: int = 200,
):
    store = get_store()
    quartier = store.layers.quartier(_slug())
    shown = edited.record if edited is not None else None
    drawn = _view_of(values.get("geometry", ""), shown.geometry if shown is not None else None)
    return (
        render_template(
            "planning/record_form.html",
            layer=layer,
            kind=PATH_OF[layer],
            definition=LAYERS[layer],
            fields=form_fields(layer),
            shown_fields=shown_fields(layer),
            values=values,
            edited=edited,
            errors=errors or {},
            conflict=conflict,
            message=message,
            version=version,
            states=PUBLICATION_STATES,
            statuses=STATUSES,
            page_title=gettext(TITLES[layer][2 if edited is not None else 1]),
            map=render_map(editing_map(quartier, drawn)),
            editor_config=editing_config(quartier, layer),
        ),
        status,
    )


def _view_of(text: str, fallback):
    """The geometry of the form's text, for where the map opens; ``fallback`` when it is
    none that a map can show (the form's check says what is wrong with it)."""
    try:
        document = read_geometry_text(text)
        geometry = shape(document) if document is not None else None
    except (InvalidForm, TypeError, KeyError, ValueError, AttributeError, IndexError, ShapelyError):
        return fallback
    if geometry is None or geometry.is_empty:
        return fallback
    minx, miny, maxx, maxy = geometry.bounds
    if not all(math.isfinite(v) for v in geometry.bounds) or not (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        return fallback
    return geometry


def _submitted(layer: str) -> dict:
    values = {name: request.form.get(name, "") for name, _ in form_fields(layer)}
    values["geometry"] = request.form.get("geometry", "")
    values["id"] = request.form.get("id", "").strip()
    return values


def _uploaded_geometry() -> str:
    """The geometry of the uploaded file as the form's GeoJSON text; InvalidForm if the
    file cannot be read."""
    upload = request.files.get("geometry_file")
    if upload is None or not upload.filename:
        raise InvalidForm({"geometry_file": N_("Bitte wählen Sie eine Datei aus.")})
    config = current_app.config
    with tempfile.TemporaryDirectory(prefix="quartierskarte-geometry-") as work:
        path = Path(work) / (secure_filename(upload.filename) or "upload")
        upload.save(path)
        try:
            parts = read_geometry_file(
                path,
                upload.filename,
                Path(work),
                max_features=config["IMPORT_MAX_FEATURES"],
                max_vertices=config["IMPORT_MAX_VERTICES"],
            )
        except GeometryFileError as error:
            raise InvalidForm({"geometry_file": error.message}) from None
    try:
        return geometry_text(join_parts(parts))
    except InvalidForm as error:
        raise InvalidForm({"geometry_file": error.errors["geometry"]}) from None


@bp.get("/<any(massnahmen, orte):kind>/")
@planner_required
def records(kind: str):
    """Every measure or place of the Quartier, drafts and archived ones included."""
    layer = _layer(kind)
    return render_template(
        "planning/records.html",
        layer=layer,
        kind=kind,
        edited=get_store().editing.records(layer, _slug()),
        name_field=NAME_FIELD[layer],
        states=PUBLICATION_STATES,
        page_title=gettext(TITLES[layer][0]),
    )


@bp.route("/<any(massnahmen, orte):kind>/neu", methods=["GET", "POST"])
@planner_required
def create(kind: str):
    """A new measure or place: a draft until published."""
    layer = _layer(kind)
    if request.method == "GET":
        return _form_page(layer, {"geometry": ""})
    values = _submitted(layer)
    store = get_store()
    if request.form.get("action") == "datei":
        try:
            values["geometry"] = _uploaded_geometry()
        except InvalidForm as error:
            return _form_page(layer, values, errors=translated(error.errors), status=400)
        return _form_page(
            layer,
            values,
            message=gettext(
                "Die Geometrie aus der Datei ist übernommen. Bitte prüfen Sie sie auf der Karte "
                "und speichern Sie dann."
            ),
        )
    record_id = values["id"] or new_id(values.get(NAME_FIELD[layer], ""), store.editing.ids(layer))
    profile = quartiere.current_quartier()
    try:
        record = read_form(
            layer, values, record_id, store.layers.quartier(profile.slug), profile.tolerance_m
        )
        store.editing.create(layer, record, author=current_planner().username)
    except InvalidForm as error:
        return _form_page(layer, values, errors=translated(error.errors), status=400)
    except Conflict as error:
        return _form_page(layer, values, errors={"id": translate(error.message)}, status=409)
    flash(gettext("Gespeichert als Entwurf. Noch nicht öffentlich."), "success")
    return redirect(url_for("editing.edit", kind=kind, record_id=record.id))


@bp.route("/<any(massnahmen, orte):kind>/<record_id>", methods=["GET", "POST"])
@planner_required
def edit(kind: str, record_id: str):
    """Change a measure or place; refused when someone else changed it meanwhile."""
    layer = _layer(kind)
    found = _found(layer, record_id)
    if request.method == "GET":
        return _form_page(
            layer,
            to_form(layer, found.record),
            edited=found,
            version=found.record.updated_at.isoformat(),
        )
    values = _submitted(layer)
    version = request.form.get("version", "")
    if request.form.get("action") == "datei":
        try:
            values["geometry"] = _uploaded_geometry()
        except InvalidForm as error:
            return _form_page(
                layer,
                values,
                edited=found,
                errors=translated(error.errors),
                version=version,
                status=400,
            )
        return _form_page(
            layer,
            values,
            edited=found,
            version=version,
            message=gettext(
                "Die Geometrie aus der Datei ist übernommen. Bitte prüfen Sie sie auf der Karte "
                "und speichern Sie dann."
            ),
        )
    store = get_store()
    profile = quartiere.current_quartier()
    try:
        record = read_form(
            layer,
            values,
            record_id,
            store.layers.quartier(profile.slug),
            profile.tolerance_m,
            stored=found.record,
        )
        store.editing.update(layer, record, _version(version), author=current_planner().username)
    except InvalidForm as error:
        return _form_page(
            layer,
            values,
            edited=found,
            errors=translated(error.errors),
            version=version,
            status=400,
        )
    except Stale as error:
        return _conflict_page(layer, values, error, mine=record)
    except LookupError:
        abort(404)
    flash(gettext("Die Änderungen sind gespeichert."), "success")
    return redirect(url_for("editing.edit", kind=kind, record_id=record_id))


def _conflict_page(layer: str, values: dict, error: Stale, mine=None):
    """Both versions: the planner's (still in the form) and the stored one. The form now
    carries the stored version's time: saving again overwrites it knowingly."""
    stored = error.stored
    return _form_page(
        layer,
        values,
        edited=stored,
        conflict={
            "message": translate(error.message),
            "stored": stored,
            "differences": differences(layer, mine, stored.record) if mine is not None else [],
        },
        version=stored.record.updated_at.isoformat(),
        status=409,
    )


@bp.post("/<any(massnahmen, orte):kind>/<record_id>/stand")
@planner_required
def publication(kind: str, record_id: str):
    """Publish, withdraw or archive."""
    layer = _layer(kind)
    found = _found(layer, record_id)
    action = ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    state, done = action
    try:
        get_store().editing.set_publication(
            layer,
            record_id,
            _slug(),
            state,
            _version(request.form.get("version")),
            author=current_planner().username,
        )
    except Stale as error:
        return _conflict_page(layer, to_form(layer, found.record), error)
    except LookupError:
        abort(404)
    flash(gettext(done), "success")
    return redirect(url_for("editing.edit", kind=kind, record_id=record_id))


@bp.route("/<any(massnahmen, orte):kind>/<record_id>/loeschen", methods=["GET", "POST"])
@planner_required
def delete(kind: str, record_id: str):
    """Delete for good, after a page that asks for confirmation."""
    layer = _layer(kind)
    found = _found(layer, record_id)
    page = {
        "layer": layer,
        "kind": kind,
        "edited": found,
        "name_field": NAME_FIELD[layer],
        "page_title": gettext("Endgültig löschen?"),
    }
    if request.method == "GET":
        return render_template("planning/record_delete.html", **page)
    if request.form.get("bestaetigt") != "ja":
        error = gettext("Bitte bestätigen Sie, dass der Eintrag endgültig gelöscht werden soll.")
        return render_template("planning/record_delete.html", error=error, **page), 400
    try:
        photo_keys = get_store().editing.delete(
            layer,
            record_id,
            _slug(),
            _version(request.form.get("version")),
            author=current_planner().username,
        )
    except Stale as error:
        return _conflict_page(layer, to_form(layer, found.record), error)
    except LookupError:
        abort(404)
    remove_files(photo_keys)
    flash(gettext("Der Eintrag ist gelöscht."), "success")
    return redirect(url_for("editing.records", kind=kind))


def init_app(app) -> None:
    quartiere.register(app, bp)
