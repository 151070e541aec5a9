"""The Quartier a request is about, its URLs, and the command line that adds and lists
Quartiere.

Every page, API and planners' route of a Quartier lies under ``/q/<slug>/``: the
blueprints are registered with that prefix (``register``), ``_load`` takes the slug out
of the URL's values and puts the Quartier into ``g`` (an unknown slug is a German 404, in
the JSON shape under the API), and ``_fill`` gives every ``url_for`` of such a route the
current Quartier, so templates name no Quartier. The URLs of the time before Quartiere
(``/massnahmen``, ``/api/layers``, …) keep working: ``add_unprefixed_rules`` serves each
route there too, for the default Quartier (the first active one by slug).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Blueprint, Flask, abort, current_app, g, has_request_context, request
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.db import get_store
from app.errors import Commands
from measures.domain.errors import NotFound, QueryError, UserError
from measures.domain.messages import Message
from measures.domain.model import Quartier
from measures.domain.quartiere import (
    DEFAULT_CATEGORIES,
    DEFAULT_TOLERANCE_M,
    MapView,
    QuartierProfile,
    boundary_from_geojson,
    check_categories,
    check_slug,
)
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import N_
from measures.storage.quartiere import QuartiereAsRead

quartier_cli = Commands("quartier", help="Quartiere dieser Installation anlegen und auflisten.")


PREFIX = "/q/<quartier>"
# The filter of a query that keeps it to Quartiere (``measures.domain.fields.quartier_key``).
QUARTIER = "quartier"
# The blueprints that serve all Quartiere together at their own URLs (``/ogc``,
# ``/export``, the feeds) and one Quartier under ``/q/<slug>/``.
CITY_WIDE = ("ogc", "export", "feeds")


# The views whose write checks the version of the Quartiere it was checked against
# (``submit_idea``: the idea's INSERT does, ``measures/storage/intake.py``). Their
# requests take the Quartiere as this worker last read them, without the statement that
# asks whether they changed; the write reads them again if they did.
CHECKED_WHEN_STORED = frozenset({"api.create_idea", "participation.new"})


def _quartiere() -> QuartiereAsRead:
    """The Quartiere as this request sees them: for a view of ``CHECKED_WHEN_STORED``
    as last read, kept for the request; for any other as they are now."""
    if "quartiere" in g:
        return g.quartiere
    if not (
        has_request_context()
        and request.method == "POST"
        and request.endpoint in CHECKED_WHEN_STORED
    ):
        return get_store().quartiere.read()
    g.quartiere = get_store().quartiere.read(recheck=False)
    return g.quartiere


def quartiere_version() -> int | None:
    """The version of the layer ``quartier`` this request's Quartier was taken from as
    last read, for the write to check; None when it was read as it is now."""
    current_quartier()
    return g.quartiere.version if "quartiere" in g else None


def read_quartier_again() -> QuartierProfile:
    """This request's Quartier read afresh, after a write found that the Quartiere
    changed since they were read (404 when it is gone)."""
    slug = current_quartier().slug
    g.quartiere = get_store().quartiere.read()
    if g.get("quartier_from_url"):
        g.quartier = _by_slug(slug)
    else:
        g.pop("quartier", None)
    return current_quartier()


def current_quartier() -> QuartierProfile:
    """The Quartier of this request: the one its URL names, else the default one (the
    first active by slug; 404 when there is none)."""
    if "quartier" not in g:
        g.quartier = default_quartier()
    return g.quartier


def default_quartier() -> QuartierProfile:
    """The Quartier the URLs without ``/q/<slug>/`` serve: the first active by slug (or
    the first at all); 404 when there is none."""
    quartiere = _quartiere()
    found = quartiere.all(active_only=True) or quartiere.all()
    if not found:
        abort(404)
    return found[0]


def scoped(query: LayerQuery | None = None) -> LayerQuery:
    """``query`` kept to the current Quartier's records (a ``quartier`` filter asked for
    as well narrows it: naming another Quartier finds nothing)."""
    query = _known(query or LayerQuery())
    wanted = query.wanted(QUARTIER)
    mine = {current_quartier().slug}
    return query.with_filter(QUARTIER, mine & wanted if wanted else mine)


def _known(query: LayerQuery) -> LayerQuery:
    """``query``, once every Quartier its ``quartier`` filter names exists; a German 400
    naming those there are otherwise."""
    wanted = query.wanted(QUARTIER)
    if wanted:
        there = [q.slug for q in get_store().quartiere.all()]
        unknown = sorted(wanted - set(there))
        if unknown:
            raise QueryError(
                QUARTIER,
                Message(
                    N_(
                        "Unbekannter Wert für '%(parameter)s': %(unknown)s. "
                        "Erlaubt sind: %(allowed)s."
                    ),
                    parameter=QUARTIER,
                    unknown=", ".join(unknown),
                    allowed=", ".join(there),
                ),
            )
    return query


def register(app: Flask, blueprint: Blueprint) -> None:
    """Register a blueprint of a Quartier's routes under ``/q/<slug>/``."""
    app.register_blueprint(blueprint, url_prefix=PREFIX + (blueprint.url_prefix or ""))


def add_unprefixed_rules(app: Flask) -> None:
    """Serve every route under ``/q/<slug>/`` also at its URL without that prefix, for the
    default Quartier: the links of an installation with one Quartier keep working.

    Each is a second rule of the same endpoint, so the blueprint's hooks, limits, error
    shape and every check of the endpoint apply alike; ``url_for`` builds the rule under
    ``/q/<slug>/`` (the one with more arguments), so links lead there. Called last, so
    that the views it serves are those with their rate limits."""
    for rule in list(app.url_map.iter_rules()):
        if not rule.rule.startswith(PREFIX):
            continue
        app.add_url_rule(
            rule.rule[len(PREFIX) :] or "/",
            endpoint=rule.endpoint,
            view_func=app.view_functions[rule.endpoint],
            # Flask adds HEAD and OPTIONS (answering preflights) by itself, as for the first.
            methods=sorted(rule.methods - {"HEAD", "OPTIONS"}),
            strict_slashes=rule.strict_slashes,
        )


def from_old_url() -> bool:
    """The request came by a URL without ``/q/<slug>/``."""
    return request.url_rule is not None and not request.url_rule.rule.startswith(PREFIX)


def _load(_endpoint: str | None, values: dict | None) -> None:
    if not values or "quartier" not in values:
        return
    g.quartier = _by_slug(values.pop("quartier"))
    g.quartier_from_url = True


def _by_slug(slug: str) -> QuartierProfile:
    found = _quartiere().get(slug)
    if found is None:
        raise NotFound(
            Message(N_("Ein Quartier '%(slug)s' gibt es hier nicht."), slug=slug), "quartier"
        )
    return found


def _fill(endpoint: str, values: dict) -> None:
    if "quartier" in values or not current_app.url_map.is_endpoint_expecting(endpoint, "quartier"):
        return
    # A city-wide resource links on within the city, a Quartier's within the Quartier.
    if endpoint.partition(".")[0] in CITY_WIDE and not g.get("quartier_from_url"):
        return
    values["quartier"] = current_quartier().slug


def add_quartier_rules(app: Flask) -> None:
    """Serve each route of the city-wide blueprints also under ``/q/<slug>/``, for that
    Quartier alone (``in_quartier_of_url``). Called after ``add_unprefixed_rules``."""
    for rule in list(app.url_map.iter_rules()):
        if rule.endpoint.partition(".")[0] not in CITY_WIDE or rule.rule.startswith(PREFIX):
            continue
        app.add_url_rule(
            PREFIX + rule.rule,
            endpoint=rule.endpoint,
            view_func=app.view_functions[rule.endpoint],
            methods=sorted(rule.methods - {"HEAD", "OPTIONS"}),
            strict_slashes=rule.strict_slashes,
        )


def in_quartier_of_url(query: LayerQuery | None = None) -> LayerQuery:
    """``query`` kept to the Quartier the URL names; all Quartiere's records without one."""
    if g.get("quartier_from_url"):
        return scoped(query)
    return _known(query or LayerQuery())


def area_of_url() -> str | None:
    """The name of the Quartier a service's answer at this URL covers (the OGC API's
    title): the one the URL names, or the only one there is; None for several."""
    if g.get("quartier_from_url"):
        return current_quartier().called
    found = get_store().quartiere.all()
    return found[0].called if len(found) == 1 else None


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_load)
    app.url_defaults(_fill)
    app.jinja_env.globals["current_quartier"] = current_quartier
    app.jinja_env.globals["page_quartier"] = page_quartier
    app.jinja_env.globals["site_name"] = site_name


def page_quartier() -> QuartierProfile | None:
    """The Quartier whose name and office the page shows; None where there is none to
    show (no Quartier yet, or the database does not answer: an error page still renders)."""
    try:
        return current_quartier()
    except (HTTPException, SQLAlchemyError):
        return None


def site_name() -> str:
    """The site's name, from the current Quartier's record: "Quartierskarte Dalheim"."""
    quartier = page_quartier()
    if quartier is None:
        return gettext("Quartierskarte")
    return gettext("Quartierskarte %(name)s", name=quartier.called)


def _view(value: str | None) -> MapView | None:
    if not value:
        return None
    try:
        lon, lat, zoom = value.split(",")
        return MapView(float(lon), float(lat), int(zoom))
    except ValueError:
        raise UserError(
            "--view braucht Länge,Breite,Zoomstufe (z. B. 8.474,50.565,15).", parameter="view"
        ) from None


@quartier_cli.command("add")
@click.option("--slug", required=True, help="Kennung in Adressen, z. B. dalheim.")
@click.option("--name", required=True, help="Name, wie er auf den Seiten steht.")
@click.option(
    "--boundary",
    "boundary_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    help="GeoJSON-Datei (EPSG:4326) mit der Grenze: Polygon oder MultiPolygon.",
)
@click.option(
    "--short-name",
    default="",
    help="Kurzname für den Namen der Seite, z. B. Dalheim (ohne Angabe: --name).",
)
@click.option("--programme", default="", help="Förderprogramm, z. B. Sozialer Zusammenhalt.")
@click.option("--about", "about_text", default="", help="Text der Seite „Über das Projekt“.")
@click.option("--description", default="", help="Beschreibung des Gebiets.")
@click.option(
    "--tolerance",
    type=float,
    default=DEFAULT_TOLERANCE_M,
    show_default=True,
    help="Wie weit (Meter) eine Idee außerhalb der Grenze liegen darf.",
)
@click.option("--contact", default="", help="Quartiersbüro: Adresse, Telefon, E-Mail.")
@click.option("--view", default=None, help="Kartenausschnitt: Länge,Breite,Zoomstufe.")
@click.option(
    "--categories",
    default=",".join(DEFAULT_CATEGORIES),
    show_default=True,
    help="Handlungsfelder (Schlüssel, durch Kommas getrennt).",
)
def add_command(
    slug: str,
    name: str,
    boundary_file: Path,
    short_name: str,
    programme: str,
    about_text: str,
    description: str,
    tolerance: float,
    contact: str,
    view: str | None,
    categories: str,
) -> None:
    """Legt ein Quartier mit seiner Grenze an."""
    slug = check_slug(slug)
    if not name.strip():
        raise UserError("--name darf nicht leer sein.", parameter="name")
    if tolerance < 0:
        raise UserError("--tolerance darf nicht negativ sein.", parameter="tolerance")
    try:
        data = json.loads(boundary_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UserError(
            "Die Datei der Grenze ist kein gültiges JSON.", parameter="boundary"
        ) from None
    boundary = boundary_from_geojson(data)
    keys = check_categories(tuple(key.strip() for key in categories.split(",") if key.strip()))
    record = Quartier(
        id=slug,
        name=name.strip(),
        description=description,
        accuracy="approximate",
        sources=(),
        geometry=boundary,
    )
    profile = QuartierProfile(
        slug=slug,
        name=record.name,
        boundary=boundary,
        programme=programme,
        short_name=short_name.strip(),
        about_text=about_text.strip(),
        tolerance_m=tolerance,
        contact=contact,
        view=_view(view),
        categories=keys,
    )
    get_store().quartiere.add(record, profile)
    click.echo(f"Quartier {slug} angelegt: {record.name}")


@quartier_cli.command("list")
def list_command() -> None:
    """Listet die Quartiere: Kennung, Name, aktiv oder archiviert."""
    for quartier in get_store().quartiere.all():
        state = "aktiv" if quartier.active else "archiviert"
        click.echo(f"{quartier.slug}\t{quartier.name}\t{state}")
