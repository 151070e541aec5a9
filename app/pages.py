"""Server-rendered pages for residents: the map, lists, details and the information pages.

Every list takes the same filters as the map, parsed by the same code and read through
the same store, so the map and the list show the same set for the same URL. All pages
work without JavaScript; only the map needs it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_wtf.csrf import generate_csrf

from app.comments import discussion
from app.db import get_store
from app.map_rendering import RenderedMap, RenderedMaps, render_map
from app.map_scripts import MAP_MODULES, overview_config
from app.participation import spots, supported_ideas
from app.quartiere import current_quartier, from_old_url, scoped
from app.residents_map import (
    overview_map,
    quartiere_map,
    record_map,
    template_vocabulary,
)
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.query import IDEA_SORTS, LayerQuery, sort_ideas
from measures.domain.seed import SEED_DIR
from measures.reading.parameters import parse_idea_sort, parse_layer_query

bp = Blueprint("pages", __name__)


def _args(*names: str) -> dict[str, list[str]]:
    """The page's own query parameters; others (tracking tags and the like) are ignored."""
    return {name: values for name, values in request.args.lists() if name in names and values}


def _measure_query() -> LayerQuery:
    return scoped(parse_layer_query("measures", _args("status", "category")))


def _idea_query() -> LayerQuery:
    return scoped(parse_layer_query("ideas", _args("category")))


# What folium draws on the overview: it changes with these layers, the filter and the
# language only.
MAP_LAYERS = ("quartier", "measures", "locations")


def _kept_maps() -> RenderedMaps:
    return current_app.extensions.setdefault("quartierskarte.overview_maps", RenderedMaps())


def _vocabularies() -> dict:
    return {**template_vocabulary(), "idea_sorts": IDEA_SORTS}


@bp.get("/")
def index():
    """The map of the Quartier with filters, legend and the filtered list below it.

    At ``/`` itself: the map of the only active Quartier, or, with several, the city's
    map of all of them."""
    store = get_store()
    if from_old_url():
        active = store.quartiere.all(active_only=True)
        if len(active) > 1:
            return render_template(
                "pages/quartiere.html", quartiere=active, map=render_map(quartiere_map(active))
            )
    measure_query, idea_query = _measure_query(), _idea_query()
    sort = parse_idea_sort(request.args.getlist("sort"))
    # The change times before the rows, so that a map kept under them is never older.
    versions = tuple(store.layers.changed_at(name) for name in MAP_LAYERS)
    slug = current_quartier().slug
    quartier = store.layers.quartier(slug)
    measures = store.layers.records("measures", measure_query)
    locations = store.layers.records("locations", scoped())
    shown = frozenset(m.id for m in measures)

    def draw() -> RenderedMap:
        return render_map(
            overview_map(
                quartier,
                store.layers.records("measures", scoped()),
                shown,
                locations,
            )
        )

    rendered = _kept_maps().get_or_draw((slug, versions, shown, str(get_locale())), draw)
    return render_template(
        "pages/index.html",
        quartier=quartier,
        measures=measures,
        locations=locations,
        # Only the number is shown; reading 10,000 ideas for it took most of the view's time.
        idea_count=store.ideas.count(PUBLIC_STATES, idea_query),
        measure_query=measure_query,
        sort=sort,
        map=rendered,
        map_config={**overview_config(quartier), "support": _support_config()},
        map_modules=MAP_MODULES,
        spots=spots(),
        **_vocabularies(),
    )


def _support_config() -> dict:
    """What the map's idea popups need to offer support (see idea-popup.js)."""
    return {
        "url": url_for("participation.support", idea_id="__ID__"),
        "csrf": generate_csrf(),
        "supported": supported_ideas(),
    }


@bp.get("/massnahmen")
def measures():
    """All measures as a list, filtered like the map."""
    query = _measure_query()
    return render_template(
        "pages/measures.html",
        measures=get_store().layers.records("measures", query),
        measure_query=query,
        **_vocabularies(),
    )


def _detail(layer: str, name: str, found, **context):
    """A record's own page with a small map at the record."""
    if found is None:
        abort(404)
    return render_template(
        f"pages/{name}.html",
        **{name: found},
        map=render_map(
            record_map(get_store().layers.quartier(current_quartier().slug), layer, found)
        ),
        **context,
        **_vocabularies(),
    )


@bp.get("/massnahmen/<measure_id>")
def measure(measure_id: str):
    """One measure: its decision path, costs, sources and a small map."""
    found = get_store().layers.record("measures", measure_id, scoped())
    comments = discussion("measures", measure_id) if found else None
    return _detail("measures", "measure", found, discussion=comments)


@bp.get("/orte")
def locations():
    """The community places of the Quartier, optionally of one kind."""
    query = scoped(parse_layer_query("locations", _args("kind")))
    return render_template(
        "pages/locations.html",
        locations=get_store().layers.records("locations", query),
        location_query=query,
        **_vocabularies(),
    )


@bp.get("/orte/<location_id>")
def location(location_id: str):
    """One community place with a small map."""
    found = get_store().layers.record("locations", location_id, scoped())
    return _detail("locations", "location", found)


@bp.get("/ideen")
def ideas():
    """Approved ideas of residents, newest or most supported first."""
    query = _idea_query()
    sort = parse_idea_sort(request.args.getlist("sort"))
    return render_template(
        "pages/ideas.html",
        ideas=sort_ideas(get_store().layers.records("ideas", query), sort),
        idea_query=query,
        sort=sort,
        supported=supported_ideas(),
        **_vocabularies(),
    )


@bp.get("/ideen/<idea_id>")
def idea(idea_id: str):
    """One approved idea with a small map."""
    store = get_store()
    found = store.layers.record("ideas", idea_id, scoped())
    contact = store.ideas.contact(idea_id) if found else None
    return _detail(
        "ideas",
        "idea",
        found,
        # The name the author chose to show; the e-mail address is never shown.
        author_name=contact.author_name if contact else "",
        discussion=discussion("ideas", idea_id) if found else None,
        supported=supported_ideas(),
    )


@bp.get("/ueber")
def about():
    """What the Quartiersmanagement is and how residents take part: the Quartier's own
    text; the seed's Quartier (Dalheim) has its page written here; any other without a
    text of its own gets its name, programme and office."""
    quartier = current_quartier()
    if quartier.about_text or quartier.slug != SEED_DIR.name:
        return render_template("pages/about_quartier.html", quartier=quartier)
    return render_template("pages/about.html")


@bp.get("/datenschutz")
def privacy():
    """What is stored, why and for how long; then the operator's text from configuration."""
    return render_template(
        "pages/privacy.html",
        retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
        confirm_days=current_app.config["MAIL_CONFIRM_DAYS"],
        # The Quartier's own part where it has one.
        text=current_quartier().privacy_text or current_app.config["PRIVACY_TEXT"],
    )


@bp.get("/impressum")
def imprint():
    """The imprint, from configuration."""
    return render_template(
        "pages/text.html",
        title=gettext("Impressum"),
        text=current_quartier().imprint_text or current_app.config["IMPRINT_TEXT"],
    )
