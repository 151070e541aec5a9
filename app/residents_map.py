"""The residents' map, built with folium and embedded in our own page.

folium writes the Leaflet map, its tile layer, layer groups, clusters and controls. Its
CDN links are replaced by the libraries the app serves itself (``app/vendor.py``), and
the layer data is not inlined: ``app/static/js/map.js`` fetches it from the read API, so
the page stays small however many ideas there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from branca.element import MacroElement
from flask import current_app, url_for
from flask_babel import gettext
from folium.plugins import MarkerCluster
from jinja2 import Template

from app.i18n import label, select_locale
from app.vendor import vendor_url
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


class _ClientLayers(MacroElement):
    """Hands the folium objects to map.js, which fills them with data from the API."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.quartierskarteLayers = {
            map: {{ this._parent.get_name() }},
            quartier: {{ this.groups.quartier.get_name() }},
            measures: {{ this.groups.measures.get_name() }},
            locations: {{ this.groups.locations.get_name() }},
            ideas: {{ this.groups.ideas.get_name() }}
        };
        {% endmacro %}
        """
    )

    def __init__(self, groups: dict):
        super().__init__()
        self._name = "ClientLayers"
        self.groups = groups


@dataclass(frozen=True)
class RenderedMap:
    """The parts of folium's document that our page template places.

    folium's header is left out: it would disable zooming the page (a barrier for people
    who enlarge text) and set page-wide styles. Our template links the same libraries
    (``vendor_url``) and our stylesheet sizes the map.
    """

    html: str
    script: str


def build_map(bounds: tuple[float, float, float, float] | None, with_ideas: bool = True):
    """A folium map of the Quartier with empty layer groups for map.js to fill."""
    config = current_app.config
    south_west_north_east = (
        [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]
        if bounds
        else [[50.559, 8.463], [50.571, 8.485]]
    )
    fmap = folium.Map(
        location=[
            (south_west_north_east[0][0] + south_west_north_east[1][0]) / 2,
            (south_west_north_east[0][1] + south_west_north_east[1][1]) / 2,
        ],
        zoom_start=15,
        tiles=None,
        control_scale=True,
        max_zoom=19,
        width="100%",
        height="100%",
    )
    # Only the libraries we serve ourselves; folium's Bootstrap and Font Awesome are not
    # needed, as our markers are drawn by map.js. (The page links them, see RenderedMap.)
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

    groups = {
        "quartier": folium.FeatureGroup(name=gettext("Fördergebiet")),
        "measures": folium.FeatureGroup(name=gettext("Maßnahmen")),
        "locations": folium.FeatureGroup(name=gettext("Orte")),
    }
    ideas = MarkerCluster(
        name=gettext("Ideen"),
        show=with_ideas,
        options={"spiderfyOnMaxZoom": True, "showCoverageOnHover": False, "maxClusterRadius": 50},
    )
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
    groups["ideas"] = ideas
    for group in groups.values():
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    # No fit_bounds here: map.js sets the view once its data is in, and a second view
    # change while folium's first one animates would be dropped by Leaflet.
    fmap.add_child(_ClientLayers(groups))
    return fmap


def render_map(fmap: folium.Map) -> RenderedMap:
    root = fmap.get_root()
    root.render()
    return RenderedMap(html=root.html.render(), script=root.script.render())


def map_config(mode: str, **extra) -> dict:
    """What map.js needs: where the data is, and the words and styles to show it with."""
    return {
        "mode": mode,
        "api": {
            **{
                name: url_for("api.layer", name=name)
                for name in ("quartier", "measures", "locations", "ideas")
            },
            "idea_points": url_for("api.idea_points"),
            "nearby": url_for("api.ideas_nearby"),
        },
        "detail": {
            "measures": url_for("pages.measure", measure_id="__ID__"),
            "locations": url_for("pages.location", location_id="__ID__"),
            "ideas": url_for("pages.idea", idea_id="__ID__"),
        },
        "tolerance_m": current_app.config["QUARTIER_TOLERANCE_M"],
        "language": select_locale(),
        "statuses": {key: label(text) for key, text in STATUSES.items()},
        "categories": {key: label(text) for key, text in CATEGORIES.items()},
        "kinds": {key: label(text) for key, text in LOCATION_KINDS.items()},
        "status_styles": STATUS_STYLES,
        "kind_marks": KIND_MARKS,
        "words": {
            "status": gettext("Status"),
            "category": gettext("Handlungsfeld"),
            "years": gettext("Zeitraum"),
            "cost": gettext("Kosten"),
            "cost_estimate": gettext("geschätzt"),
            "funding": gettext("Förderung"),
            "approximate": gettext("Lage ungefähr"),
            "more": gettext("Mehr erfahren"),
            "supports": gettext("Unterstützungen"),
            "since": gettext("seit"),
            "located": gettext("Ihr Standort"),
            "locate_failed": gettext("Ihr Standort konnte nicht bestimmt werden."),
            "loading_failed": gettext(
                "Die Kartendaten konnten nicht geladen werden. Bitte laden Sie die Seite neu."
            ),
            "idea_marker": gettext("Idee: {category}"),
            "loading": gettext("wird geladen …"),
            "idea_gone": gettext("Diese Idee ist nicht mehr auf der Karte."),
            "idea_failed": gettext(
                "Die Idee konnte nicht geladen werden. Bitte versuchen Sie es noch einmal."
            ),
            "shown": gettext("Auf der Karte: {measures} Maßnahmen, {ideas} Ideen."),
            "pin": gettext("Ort Ihrer Idee (mit Pfeiltasten verschiebbar)"),
            "pin_inside": gettext("Ort gewählt. Sie können ihn noch verschieben."),
            "pin_outside": gettext(
                "Dieser Ort liegt außerhalb des Quartiers Dalheim. Bitte wählen Sie einen Ort "
                "innerhalb der gestrichelten Grenze."
            ),
            "pin_missing": gettext("Bitte wählen Sie zuerst den Ort auf der Karte."),
        },
        **extra,
    }
