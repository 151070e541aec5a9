"""Downloads for GIS under ``/export``, and ``flask export`` for the command line.

Every file is built by ``measures.gis.export`` in a temporary folder, streamed to the client
and removed when the response is closed. Public files carry no personal data; all ideas
with their moderation are for logged-in planners, and their contact data only on an
explicit request (a form with a checkbox, POST), which is recorded.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.cli import with_appcontext

from app.auth import ROLE_FOR, current_planner, has_role, planner_required
from app.db import get_store
from app.errors import Command
from app.quartiere import current_quartier, in_quartier_of_url, scoped
from app.security import limit_views
from measures.domain.errors import QueryError, UserError
from measures.domain.layers import LAYERS
from measures.domain.messages import Message
from measures.domain.query import LayerQuery
from measures.domain.roles import allows
from measures.domain.vocabulary import CATEGORIES, LOCATION_KINDS, N_, STATUSES
from measures.gis import export, formats
from measures.reading.parameters import LAYER_PARAMETERS

bp = Blueprint("export", __name__, url_prefix="/export")

# The fields of the export form that are not filters of a layer.
FORM_FIELDS = {"layer", "format", "crs", "crs_other", "csrf_token", "contact"}
ALL_LAYERS = "alle"


# A planners' export at the city-wide /export names its Quartier (or "alle").
EVERY_QUARTIER = "alle"
PLANNER_EXPORTS = ("export.planner_ideas", "export.planner_ideas_form")


def _chosen_quartiere() -> list[str]:
    """The Quartiere a planners' export is of: the one of a ``/q/<slug>/`` URL; at the
    city-wide ``/export`` the ones ``quartier`` names ("alle": every one), or the only
    one there is. Never silently the first of several."""
    if g.get("quartier_from_url"):
        return [current_quartier().slug]
    source = request.form if request.method == "POST" else request.args
    named = {v.strip() for value in source.getlist("quartier") for v in value.split(",")}
    named.discard("")
    there = [q.slug for q in get_store().quartiere.all()]
    if EVERY_QUARTIER in named:
        return there
    if not named:
        if len(there) == 1:
            return there
        raise QueryError(
            "quartier",
            Message(
                N_(
                    "Bitte wählen Sie, aus welchem Quartier die Ideen kommen sollen "
                    "(quartier=kennung, mehrere durch Komma getrennt, oder quartier=%(every)s)."
                ),
                every=EVERY_QUARTIER,
            ),
        )
    unknown = sorted(named - set(there))
    if unknown:
        raise QueryError(
            "quartier",
            Message(
                N_("Unbekannter Wert für '%(parameter)s': %(unknown)s. Erlaubt sind: %(allowed)s."),
                parameter="quartier",
                unknown=", ".join(unknown),
                allowed=", ".join([*there, EVERY_QUARTIER]),
            ),
        )
    return sorted(named)


@bp.before_request
def _planners_quartier():
    """At the city-wide URL, a planners' export of one Quartier is that Quartier's request:
    the role is checked there (``planner_required``) and the contact export recorded for
    it."""
    if request.endpoint in PLANNER_EXPORTS and not g.get("quartier_from_url"):
        chosen = _chosen_quartiere()
        g.export_quartiere = chosen
        # One of the chosen (of several: the view checks the role in each).
        g.quartier = get_store().quartiere.get(chosen[0])


def _in_each(role: str, chosen: list[str]) -> None:
    """The planner holds ``role`` in every chosen Quartier; else nothing of them is there."""
    planner = current_planner()
    if planner is None or not all(
        allows(get_store().planners.roles(planner.id, slug), role) for slug in chosen
    ):
        abort(404)


def _send(
    spec: export.ExportSpec,
    private: bool = False,
    record_as: str | None = None,
    quartiere: list[str] | None = None,
):
    """Build the file in a temporary folder and stream it to the client.

    The folder is removed as soon as the file is open: on POSIX systems the open handle
    keeps the data readable until the response is closed, and nothing is left behind
    even when a worker dies in the middle of a download.
    """
    # Under /q/<slug>/export only that Quartier's records; at /export all Quartiere's,
    # but a planner's export is always of the Quartier the planner's role is checked for.
    keep = scoped if private else in_quartier_of_url
    if quartiere is not None and len(quartiere) > 1:
        # A planners' export of several chosen Quartiere (roles checked in each).
        def keep(query):
            return (query or LayerQuery()).with_filter("quartier", set(quartiere))

    spec = dataclasses.replace(
        spec, queries={layer: keep(spec.queries.get(layer)) for layer in spec.layers}
    )
    directory = Path(tempfile.mkdtemp(prefix="quartierskarte-export-"))
    try:
        result = export.write_export(get_store(), spec, directory)
        size = result.path.stat().st_size
        handle = open(result.path, "rb")  # closed with the response
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    try:
        if record_as is not None:
            get_store().contact_exports.record(
                current_quartier().slug,
                current_planner().username,
                record_as,
                sum(result.counts.values()),
            )
        response = send_file(
            handle,
            mimetype=spec.fmt.media_type,
            as_attachment=True,
            download_name=export.download_name(spec, date.today()),
            conditional=False,
            etag=False,
            max_age=0,
        )
    except BaseException:
        handle.close()
        raise
    response.content_length = size
    # Exactly the format's media type: werkzeug would add a second charset to text/csv.
    response.headers["Content-Type"] = spec.fmt.media_type
    # Planners' files (moderation, perhaps contact data) must not sit in any cache.
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response


def _radio_crs(args: dict[str, list[str]], format_key: str) -> str:
    """The CRS picked in a form; GeoJSON and KML ignore it, they are always in 4326."""
    fmt = formats.FORMATS.get(format_key)
    return "" if fmt is None or fmt.wgs84_only else (args.get("crs") or [""])[0].strip()


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


@bp.get("")
def index():
    """The export page: quick downloads and a form with format, CRS and filters."""
    planner = current_planner()
    return render_template(
        "export/index.html",
        layers={name: layer.title for name, layer in LAYERS.items()},
        formats=formats.FORMATS,
        statuses=STATUSES,
        categories=CATEGORIES,
        kinds=LOCATION_KINDS,
        planner=planner,
        contact_exports=get_store().contact_exports.latest(limit=20) if planner else [],
    )


@bp.get("/herunterladen")
def form_download():
    """The public form's target: on to the download URL with the filters of that layer."""
    args = _args()
    layer = (args.get("layer") or [""])[0]
    format_key = (args.get("format") or ["gpkg"])[0]
    crs = (args.get("crs_other") or [""])[0].strip() or _radio_crs(args, format_key)
    # The form offers every filter; each layer takes the ones it knows (all for "alle").
    known = (
        set().union(*LAYER_PARAMETERS.values())
        if layer == ALL_LAYERS
        else LAYER_PARAMETERS.get(layer, frozenset())
    )
    params = {
        k: [v for v in values if v.strip()]
        for k, values in args.items()
        if k not in FORM_FIELDS and (k in known or k in export.OPTIONS)
    }
    params = {k: v for k, v in params.items() if v}
    if crs:
        params["crs"] = [crs]
    if layer == ALL_LAYERS:
        export.parse_spec(export.PUBLIC_LAYERS, format_key, params)
        target = url_for("export.all_layers")
    elif layer in export.PUBLIC_LAYERS:
        export.parse_spec([layer], format_key, params)
        target = url_for("export.layer_file", layer=layer, fmt=format_key)
    else:
        raise QueryError("layer", N_("Bitte eine Ebene wählen."))
    query = urlencode(params, doseq=True)
    return redirect(target + ("?" + query if query else ""), code=303)


@bp.get("/quartierskarte.gpkg")
def all_layers():
    """Every public layer as a table of one GeoPackage."""
    return _send(export.parse_spec(export.PUBLIC_LAYERS, "gpkg", _args()))


@bp.get("/<any(quartier,measures,locations,ideas):layer>.<fmt>")
def layer_file(layer: str, fmt: str):
    """One public layer in one format: open data, without personal data."""
    return _send(export.parse_spec([layer], fmt, _args()))


@bp.get("/ideas-all.<fmt>")
@planner_required
def planner_ideas(fmt: str):
    """All ideas with moderation state and history, for planners; no contact data."""
    args = _args()
    if "contact" in args:
        raise QueryError(
            "contact",
            N_(
                "Kontaktdaten gibt es nur über das Formular auf der Export-Seite, mit "
                "ausdrücklicher Bestätigung."
            ),
        )
    chosen = _planners_choice(args)
    return _send(
        export.parse_spec([export.PLANNER_IDEAS], fmt, args), private=True, quartiere=chosen
    )


def _planners_choice(args: dict) -> list[str]:
    """The chosen Quartiere of a planners' export (their role checked in each); the
    ``quartier`` of the city-wide URL is the choice, not a filter of the file."""
    chosen = g.get("export_quartiere") or [current_quartier().slug]
    if not g.get("quartier_from_url"):
        args.pop("quartier", None)
    _in_each(ROLE_FOR["export"], chosen)
    return chosen


@bp.post("/ideas-all")
@planner_required
def planner_ideas_form():
    """The planners' form: all ideas; name and e-mail only when the box is ticked."""
    form = request.form.to_dict(flat=False)
    format_key = (form.get("format") or ["gpkg"])[0]
    form["crs"] = [_radio_crs(form, format_key)]
    with_contacts = (form.get("contact") or [""])[0] == "1"
    args = {
        k: [v for v in values if v.strip()]
        for k, values in form.items()
        if k in LAYER_PARAMETERS["ideas"] | export.OPTIONS
    }
    args = {k: v for k, v in args.items() if v}
    chosen = _planners_choice(args)
    spec = export.parse_spec([export.PLANNER_IDEAS], format_key, args, with_contacts)
    record = None
    if with_contacts and len(chosen) > 1:
        raise QueryError(
            "quartier",
            N_("Kontaktdaten gibt es nur für ein Quartier auf einmal: bitte eines wählen."),
        )
    if with_contacts and not has_role("admin"):
        raise UserError(
            N_("Kontaktdaten exportieren darf nur, wer das Quartier verwaltet (Rolle admin)."),
            status=403,
            code="forbidden",
        )
    if with_contacts:
        query = urlencode(args, doseq=True)
        record = f"ideas-all.{format_key} EPSG:{spec.epsg}" + (f" ?{query}" if query else "")
    return _send(spec, private=True, record_as=record, quartiere=chosen)


@click.command("export", cls=Command)
@click.option(
    "--layer",
    type=click.Choice(export.PUBLIC_LAYERS),
    help="Die Ebene; ohne Angabe alle Ebenen in eine GeoPackage-Datei.",
)
@click.option(
    "--format",
    "format_key",
    type=click.Choice(list(formats.FORMATS)),
    default="gpkg",
    show_default=True,
)
@click.option("--crs", default="4326", show_default=True, help="EPSG-Code, z. B. 25832.")
@click.option("--status", multiple=True, help="Nur Maßnahmen mit diesem Status (mehrfach).")
@click.option("--category", multiple=True, help="Nur dieses Handlungsfeld (mehrfach).")
@click.option("--kind", multiple=True, help="Nur Orte dieser Art (mehrfach).")
@click.option("--bbox", help="minLänge,minBreite,maxLänge,maxBreite (EPSG:4326).")
@click.option("--from", "since", help="Geändert (Ideen: eingereicht) ab diesem Datum.")
@click.option("--to", "until", help="… bis zu diesem Datum.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Zieldatei; ohne Angabe der Name mit Ebene, Datum und EPSG-Code.",
)
@click.option("--force", is_flag=True, help="Eine vorhandene Zieldatei überschreiben.")
@with_appcontext
def export_command(
    layer, format_key, crs, status, category, kind, bbox, since, until, output, force
) -> None:
    """Exportiert öffentliche Ebenen für GIS (ohne personenbezogene Daten)."""
    args = {
        name: list(values)
        for name, values in {
            "crs": [crs],
            "status": status,
            "category": category,
            "kind": kind,
            "bbox": [bbox] if bbox else [],
            "from": [since] if since else [],
            "to": [until] if until else [],
        }.items()
        if values
    }
    layers = [layer] if layer else list(export.PUBLIC_LAYERS)
    spec = export.parse_spec(layers, format_key, args)
    target = output or Path(export.download_name(spec, date.today()))
    if target.exists() and not force:
        raise UserError(f"{target} gibt es schon (--force überschreibt).")
    with tempfile.TemporaryDirectory(prefix="quartierskarte-export-") as directory:
        result = export.write_export(get_store(), spec, Path(directory))
        shutil.move(result.path, target)
    counts = ", ".join(f"{name}: {count}" for name, count in result.counts.items())
    click.echo(f"{target} geschrieben (EPSG:{spec.epsg}; {counts}).")


def init_app(app: Flask, limiter) -> None:
    app.register_blueprint(bp)
    # Building a file costs far more than an API answer: a budget of its own.
    limit_views(
        app,
        limiter.limit(lambda: current_app.config["RATELIMIT_EXPORT"]),
        "export.all_layers",
        "export.layer_file",
        "export.planner_ideas",
        "export.planner_ideas_form",
    )
