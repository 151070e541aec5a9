"""The maps of the pages, drawn by folium on the server.

folium writes the Leaflet map: the tiles, the outline of the Quartier, the measures by
status (colour, symbol and line pattern), the places by kind, their popups and the layer
control. Icons and popups are rendered from the same Jinja partials as the lists and the
legend, so each piece has one renderer. folium's CDN links are replaced by the libraries
the app serves itself (``app/vendor.py``).

What grows with the residents stays out of the page: the overview's ideas are fetched by
the scripts in ``app/static/js/residents-map/`` from ``/api/layers/ideas/points`` and
drawn in the (empty) cluster layer made here. Those scripts also place the pin for a new
idea and follow the filters; ``app/map_scripts.py`` says what they are given.
"""

from __future__ import annotations

import json

import folium
import shapely
from branca.element import MacroElement
from flask import current_app, render_template
from flask_babel import gettext
from folium.plugins import MarkerCluster
from jinja2 import Template
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from app.i18n import label
from app.vendor import vendor_url
from measures.domain.layers import status_date
from measures.domain.model import Idea, Location, Measure, Quartier
from measures.domain.quartiere import QuartierProfile
from measures.domain.vocabulary import CATEGORIES, LOCATION_KINDS, STATUSES

# Colours from the Okabe–Ito palette, which colour-blind people can tell apart; the
# symbol and the line pattern carry the status a second time for those who cannot.
STATUS_STYLES: dict[str, dict[str, str]] = {
    "idee": {"color": "#CC79A7", "ink": "#000000", "symbol": "1", "dash": "6 4"},
    "im_beirat_vorgestellt": {"color": "#56B4E9", "ink": "#000000", "symbol": "2", "dash": "6 4"},
    "vom_beirat_empfohlen": {"color": "#0072B2", "ink": "#FFFFFF", "symbol": "3", "dash": "6 4"},
    "vom_parlament_beschlossen": {
        "color": "#F0E442",
        "ink": "#000000",
        "symbol": "4",
        "dash": "6 4",
    },
    "in_umsetzung": {"color": "#E69F00", "ink": "#000000", "symbol": "5", "dash": "2 5"},
    "abgeschlossen": {"color": "#009E73", "ink": "#FFFFFF", "symbol": "check", "dash": ""},
    "zurueckgestellt": {"color": "#999999", "ink": "#000000", "symbol": "pause", "dash": "1 7"},
    "abgelehnt": {"color": "#D55E00", "ink": "#FFFFFF", "symbol": "cross", "dash": "1 7"},
}
# Areas and lines of measures, and the outline of the Quartier (also drawn in the legend).
MEASURE_LINE_WEIGHT = 4
OUTLINE_STYLE = {"color": "#1d3557", "weight": 3, "dashArray": "8 5", "fill": False}

# A short mark per kind of place, shown in its marker and explained in the legend.
KIND_MARKS: dict[str, str] = {
    "familienzentrum": "FZ",
    "kita": "KI",
    "schule": "S",
    "treffpunkt": "T",
    "beratung": "i",
    "spielplatz": "SP",
    "sport": "SO",
    "gruenanlage": "G",
    "kirche": "K",
    "einkauf": "E",
    "haltestelle": "H",
}

# The view when there is no Quartier to fit: the extent named in geodata/README.md.
DALHEIM_BOUNDS = (8.463, 50.559, 8.485, 50.571)
DETAIL_ZOOM = 17

CLUSTER_OPTIONS = {"spiderfyOnMaxZoom": True, "showCoverageOnHover": False, "maxClusterRadius": 50}


def template_vocabulary() -> dict:
    """What the map's partials (and the pages that include them) need besides the record."""
    return {
        "statuses": STATUSES,
        "categories": CATEGORIES,
        "kinds": LOCATION_KINDS,
        "status_styles": STATUS_STYLES,
        "kind_marks": KIND_MARKS,
        "outline_style": OUTLINE_STYLE,
        "measure_line_weight": MEASURE_LINE_WEIGHT,
        "status_date": status_date,
    }


def _partial(name: str, **context) -> str:
    return render_template(name, **template_vocabulary(), **context)


# branca renders each piece of folium's script and then compiles the result as a Jinja
# template once more, so text from the data that read "{{ … }}" or "{% … %}" would run as
# template code on the server. Data goes into the script through ``_js``, which writes
# braces inside strings as JavaScript escapes (and <, >, &, ' as Jinja's tojson does).
_JS_STRING_ESCAPES = str.maketrans(
    {"{": "\\u007b", "}": "\\u007d", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}
)


def _js(value) -> str:
    """``value`` as a JavaScript literal that branca's second rendering leaves alone."""
    if isinstance(value, str):
        return json.dumps(value).translate(_JS_STRING_ESCAPES)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_js(key)}: {_js(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_js(item) for item in value) + "]"
    return json.dumps(value)


class _Popup(MacroElement):
    """A popup of ready HTML for its parent layer.

    folium's own Popup builds its content with jQuery and gives it an inline style
    attribute, which our Content-Security-Policy (no 'unsafe-inline') refuses.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html_js }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str):
        super().__init__()
        self._name = "Popup"
        self.html_js = _js(html)


class _FitBounds(MacroElement):
    """Fit the view without animation: Leaflet drops a view change that comes while one
    still animates, such as one made by the page's scripts or by a test right after."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds(
            {{ this.bounds|tojson }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, bounds: tuple[float, float, float, float], **options):
        super().__init__()
        self._name = "FitBounds"
        minx, miny, maxx, maxy = bounds
        self.bounds = [[miny, minx], [maxy, maxx]]
        self.options = {"animate": False, **options}


class _PageHandles(MacroElement):
    """Hands folium's map and layers to the page's scripts (and to the browser tests)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.quartierskarteLayers = {
            map: {{ this._parent.get_name() }},
            {%- if this.ideas %}
            ideas: {{ this.ideas.get_name() }},
            {%- endif %}
            {%- if this.measures %}
            measures: {{ this.measures.get_name() }},
            measureGroups: {
                {%- for id, group in this.measure_groups.items() %}
                {{ this.keys[id] }}: {{ group.get_name() }},
                {%- endfor %}
            },
            {%- endif %}
            features: {
                {%- for key, marker in this.features.items() %}
                {{ this.feature_keys[key] }}: {{ marker.get_name() }},
                {%- endfor %}
            },
        };
        {% endmacro %}
        """
    )

    def __init__(self, measures=None, measure_groups=None, ideas=None, features=None):
        super().__init__()
        self._name = "PageHandles"
        self.measures = measures
        self.measure_groups = measure_groups or {}
        self.keys = {key: _js(key) for key in self.measure_groups}
        self.ideas = ideas
        # Each measure's and place's marker by "layer:id", as the list's cards name them.
        self.features = features or {}
        self.feature_keys = {key: _js(key) for key in self.features}


# --- the pieces -------------------------------------------------------------------------


def _lat_lon(point: BaseGeometry) -> list[float]:
    return [point.y, point.x]


def _feature(geometry: BaseGeometry) -> dict:
    # Only the geometry (and an id folium needs): what a popup shows is rendered here.
    return {"type": "Feature", "id": "shape", "properties": {}, "geometry": mapping(geometry)}


def _status_icon(status: str) -> folium.DivIcon:
    return folium.DivIcon(
        html=_partial("pages/_status_symbol.html", style=STATUS_STYLES[status], size=28),
        icon_size=(28, 28),
        icon_anchor=(14, 14),
        popup_anchor=(0, -14),
        class_name="qk-marker qk-measure",
    )


def _kind_icon(kind: str) -> folium.DivIcon:
    # Anchored at its top-left corner, so a place shows beside a measure at the same spot
    # (the KiFaZ is both) instead of under it.
    return folium.DivIcon(
        html=_partial("pages/_kind_mark.html", kind=kind),
        icon_size=(30, 30),
        icon_anchor=(-15, -15),
        popup_anchor=(0, -15),
        class_name="qk-marker qk-place",
    )


def idea_icon_options() -> dict:
    """The idea pin's icon as Leaflet options: folium's markers and the page's clusters."""
    return {
        "html": _partial("pages/_idea_mark.html"),
        # 26 px: above the 24 px that WCAG 2.2 asks of a target.
        "iconSize": [26, 26],
        "iconAnchor": [13, 13],
        "popupAnchor": [0, -13],
        "className": "qk-marker qk-idea",
    }


def _idea_icon() -> folium.DivIcon:
    options = idea_icon_options()
    return folium.DivIcon(
        html=options["html"],
        icon_size=tuple(options["iconSize"]),
        icon_anchor=tuple(options["iconAnchor"]),
        popup_anchor=tuple(options["popupAnchor"]),
        class_name=options["className"],
    )


class _Marker(folium.Marker):
    """folium's Marker with its options written by ``_js`` (the title comes from data)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.marker(
            {{ this.location|tojson }}, {{ this.options_js }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    @property
    def options_js(self) -> str:
        return _js(self.options)


def _marker(location: list[float], icon: folium.DivIcon, title: str, **options) -> folium.Marker:
    # keyboard: the marker is a button in the tab order; Enter opens its popup.
    return _Marker(location, icon=icon, title=title, alt=title, keyboard=True, **options)


def feature_key(layer: str, record_id: str) -> str:
    """How the page names a feature: in the URL (``auswahl``), on cards and for markers."""
    return f"{layer}:{record_id}"


def _measure(measure: Measure, show: bool = True) -> tuple[folium.FeatureGroup, folium.Marker]:
    """A measure: its area or line in the status style, a status marker, one popup."""
    group = folium.FeatureGroup(name=measure.id, control=False, show=show)
    popup = _partial("pages/_measure_popup.html", m=measure)
    style = STATUS_STYLES[measure.status]
    anchor = measure.geometry
    if measure.geometry.geom_type != "Point":
        shape_style = {
            "color": style["color"],
            "weight": MEASURE_LINE_WEIGHT,
            "dashArray": style["dash"] or None,
            "fillOpacity": 0.25,
        }
        shape = folium.GeoJson(
            _feature(anchor),
            style_function=lambda _feature: shape_style,
            control=False,
        )
        shape.add_child(_Popup(popup))
        group.add_child(shape)
        anchor = anchor.envelope.centroid
    title = f"{measure.title} – {label(STATUSES[measure.status])}"
    # Above the places and ideas at the same spot.
    marker = _marker(_lat_lon(anchor), _status_icon(measure.status), title, zIndexOffset=1000)
    marker.add_child(_Popup(popup))
    group.add_child(marker)
    return group, marker


def _location(location: Location) -> folium.Marker:
    title = f"{location.name} – {label(LOCATION_KINDS[location.kind])}"
    marker = _marker(_lat_lon(location.geometry), _kind_icon(location.kind), title)
    marker.add_child(_Popup(_partial("pages/_location_popup.html", loc=location)))
    return marker


def _idea_cluster(show: bool = True) -> MarkerCluster:
    ideas = MarkerCluster(name=gettext("Ideen"), show=show, options=CLUSTER_OPTIONS)
    ideas.default_js = [
        ("markerclusterjs", vendor_url("leaflet_markercluster", "leaflet.markercluster.js"))
    ]
    ideas.default_css = [
        ("markerclustercss", vendor_url("leaflet_markercluster", "MarkerCluster.css")),
        (
            "markerclusterdefaultcss",
            vendor_url("leaflet_markercluster", "MarkerCluster.Default.css"),
        ),
    ]
    return ideas


# --- the maps ---------------------------------------------------------------------------


def _base_map(
    quartier: Quartier | None, centre: BaseGeometry | None = None, zoom: int = 15
) -> folium.Map:
    """Tiles and the outline of the Quartier; the caller adds layers, then ``_finish``.

    The map opens at ``centre`` (by default the middle of the Quartier) and ``zoom``; a
    view that fits a box is set by ``_FitBounds``.
    """
    config = current_app.config
    if centre is None:
        centre = shapely.box(*(quartier.geometry.bounds if quartier else DALHEIM_BOUNDS)).centroid
    fmap = folium.Map(
        location=_lat_lon(centre),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        max_zoom=19,
        width="100%",
        height="100%",
    )
    # Only the libraries we serve ourselves; folium's Bootstrap, Font Awesome and jQuery
    # are not needed. (The page links them, see RenderedMap.)
    fmap.default_js = [("leaflet", vendor_url("leaflet", "leaflet.js"))]
    fmap.default_css = [("leaflet_css", vendor_url("leaflet", "leaflet.css"))]
    folium.TileLayer(
        tiles=config["TILE_URL"],
        attr=config["TILE_ATTRIBUTION"],
        name=gettext("Grundkarte"),
        max_zoom=19,
        max_native_zoom=19,
        control=False,
    ).add_to(fmap)
    if quartier:
        folium.GeoJson(
            _feature(quartier.geometry),
            name=gettext("Fördergebiet"),
            style_function=lambda _feature: OUTLINE_STYLE,
            interactive=False,
        ).add_to(fmap)
    return fmap


def _finish(fmap: folium.Map, handles: _PageHandles) -> folium.Map:
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.add_child(handles)
    return fmap


def overview_map(
    quartier: Quartier | None,
    measures: list[Measure],
    shown: set[str],
    locations: list[Location],
) -> folium.Map:
    """The residents' map: every measure, those in ``shown`` on the map; the places; an
    empty cluster layer for the ideas.

    Measures outside the filter are drawn too, but not added to the map, so that the
    filters can show them again without drawing anything in the browser.
    """
    fmap = _base_map(quartier)
    measure_layer = folium.FeatureGroup(name=gettext("Maßnahmen")).add_to(fmap)
    groups, features = {}, {}
    for m in measures:
        group, marker = _measure(m, show=m.id in shown)
        groups[m.id] = group.add_to(measure_layer)
        features[feature_key("measures", m.id)] = marker
    places = folium.FeatureGroup(name=gettext("Orte")).add_to(fmap)
    for location in locations:
        features[feature_key("locations", location.id)] = _location(location).add_to(places)
    ideas = _idea_cluster().add_to(fmap)
    _FitBounds(quartier.geometry.bounds if quartier else DALHEIM_BOUNDS).add_to(fmap)
    return _finish(fmap, _PageHandles(measure_layer, groups, ideas, features))


def record_map(quartier: Quartier | None, layer: str, record: Measure | Location | Idea):
    """The small map of a record's own page, at the record."""
    geometry = record.geometry
    # A point opens at its place; fitBounds cannot zoom to a box of no size.
    point = geometry if geometry.geom_type == "Point" else None
    fmap = _base_map(quartier, centre=point, zoom=DETAIL_ZOOM)
    if layer == "measures":
        group = folium.FeatureGroup(name=gettext("Maßnahmen")).add_to(fmap)
        _measure(record)[0].add_to(group)
    elif layer == "locations":
        group = folium.FeatureGroup(name=gettext("Orte")).add_to(fmap)
        _location(record).add_to(group)
    else:
        # On the idea's own page its pin needs no popup: the page says it all.
        group = folium.FeatureGroup(name=gettext("Ideen")).add_to(fmap)
        _marker(_lat_lon(record.geometry), _idea_icon(), record.title).add_to(group)
    if point is None:
        _FitBounds(geometry.bounds, maxZoom=DETAIL_ZOOM, padding=[30, 30]).add_to(fmap)
    return _finish(fmap, _PageHandles())


def quartiere_map(quartiere: list[QuartierProfile]) -> folium.Map:
    """The city's map of its Quartiere: each boundary, its popup linking to its map."""
    bounds = shapely.union_all([q.boundary for q in quartiere]).bounds
    fmap = _base_map(None, centre=shapely.box(*bounds).centroid)
    group = folium.FeatureGroup(name=gettext("Quartiere")).add_to(fmap)
    for quartier in quartiere:
        outline = folium.GeoJson(
            _feature(quartier.boundary),
            name=quartier.name,
            style_function=lambda _feature: OUTLINE_STYLE,
        )
        outline.add_child(_Popup(_partial("pages/_quartier_popup.html", quartier=quartier)))
        outline.add_to(group)
    _FitBounds(bounds, padding=[20, 20]).add_to(fmap)
    return _finish(fmap, _PageHandles())
