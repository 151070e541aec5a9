"""Server-rendered pages for residents: the map, lists, details and the information pages.

Every list takes the same filters as the map, parsed by the same code and read through
the same store, so the map and the list show the same set for the same URL. All pages
work without JavaScript; only the map needs it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext

from app.db import get_store
from app.participation import spots
from app.residents_map import KIND_MARKS, STATUS_STYLES, build_map, map_config, render_map
from measures.domain.layers import status_date
from measures.domain.query import IDEA_SORTS, LayerQuery, sort_ideas
from measures.domain.vocabulary import CATEGORIES, LOCATION_KINDS, STATUSES
from measures.reading.parameters import parse_idea_sort, parse_layer_query

bp = Blueprint("pages", __name__)


def _args(*names: str) -> dict[str, list[str]]:
    """The page's own query parameters; others (tracking tags and the like) are ignored."""
    return {name: values for name, values in request.args.lists() if name in names and values}


def _measure_query() -> LayerQuery:
    return parse_layer_query("measures", _args("status", "category"))


def _idea_query() -> LayerQuery:
    return parse_layer_query("ideas", _args("category"))


def _vocabularies() -> dict:
    return {
        "statuses": STATUSES,
        "categories": CATEGORIES,
        "kinds": LOCATION_KINDS,
        "idea_sorts": IDEA_SORTS,
        "status_styles": STATUS_STYLES,
        "kind_marks": KIND_MARKS,
        "status_date": status_date,
    }


@bp.get("/")
def index():
    """The map of the Quartier with filters, legend and the filtered list below it."""
    store = get_store()
    measure_query, idea_query = _measure_query(), _idea_query()
    sort = parse_idea_sort(request.args.getlist("sort"))
    quartier = store.quartier()
    fmap = build_map(quartier.geometry.bounds if quartier else None)
    return render_template(
        "pages/index.html",
        quartier=quartier,
        measures=store.measures(measure_query),
        # Only the number is shown; reading 10,000 ideas for it took most of the view's time.
        idea_count=store.idea_count(idea_query),
        measure_query=measure_query,
        sort=sort,
        map=render_map(fmap),
        map_config=map_config("overview"),
        spots=spots(),
        **_vocabularies(),
    )


@bp.get("/massnahmen")
def measures():
    """All measures as a list, filtered like the map."""
    query = _measure_query()
    return render_template(
        "pages/measures.html",
        measures=get_store().measures(query),
        measure_query=query,
        **_vocabularies(),
    )


def _detail(layer: str, name: str, record_id: str, found, **context):
    """A record's own page with a small map that map.js zooms to the record.

    The map reads the record from the read API's endpoint of the same name
    (``api.measure`` with ``measure_id``, and so on).
    """
    if found is None:
        abort(404)
    feature_url = url_for(f"api.{name}", **{f"{name}_id": record_id})
    quartier = get_store().quartier()
    fmap = build_map(quartier.geometry.bounds if quartier else None, with_ideas=layer == "ideas")
    return render_template(
        f"pages/{name}.html",
        **{name: found},
        map=render_map(fmap),
        map_config=map_config("detail", layer=layer, feature=feature_url),
        **context,
        **_vocabularies(),
    )


@bp.get("/massnahmen/<measure_id>")
def measure(measure_id: str):
    """One measure: its decision path, costs, sources and a small map."""
    return _detail("measures", "measure", measure_id, get_store().measure(measure_id))


@bp.get("/orte")
def locations():
    """The community places of the Quartier, optionally of one kind."""
    query = parse_layer_query("locations", _args("kind"))
    return render_template(
        "pages/locations.html",
        locations=get_store().locations(query),
        location_query=query,
        **_vocabularies(),
    )


@bp.get("/orte/<location_id>")
def location(location_id: str):
    """One community place with a small map."""
    return _detail("locations", "location", location_id, get_store().location(location_id))


@bp.get("/ideen")
def ideas():
    """Approved ideas of residents, newest or most supported first."""
    query = _idea_query()
    sort = parse_idea_sort(request.args.getlist("sort"))
    return render_template(
        "pages/ideas.html",
        ideas=sort_ideas(get_store().ideas(query), sort),
        idea_query=query,
        sort=sort,
        **_vocabularies(),
    )


@bp.get("/ideen/<idea_id>")
def idea(idea_id: str):
    """One approved idea with a small map."""
    store = get_store()
    found = store.idea(idea_id)
    contact = store.idea_contact(idea_id) if found else None
    return _detail(
        "ideas",
        "idea",
        idea_id,
        found,
        # The name the author chose to show; the e-mail address is never shown.
        author_name=contact.author_name if contact else "",
    )


@bp.get("/ueber")
def about():
    """What the Quartiersmanagement is and how residents take part."""
    return render_template("pages/about.html")


@bp.get("/datenschutz")
def privacy():
    """What is stored, why and for how long; then the operator's text from configuration."""
    return render_template(
        "pages/privacy.html",
        retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
        text=current_app.config["PRIVACY_TEXT"],
    )


@bp.get("/impressum")
def imprint():
    """The imprint, from configuration."""
    return render_template(
        "pages/text.html",
        title=gettext("Impressum"),
        text=current_app.config["IMPRINT_TEXT"],
    )
