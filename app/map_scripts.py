"""What the residents' map's scripts are given: their modules and their settings.

The overview's scripts (``app/static/js/residents-map/``) fetch the ideas, place the pin
for a new idea and follow the filters; the map page hands them ``overview_config`` as JSON
and names ``MAP_MODULES`` in its head.
"""

from __future__ import annotations

from pathlib import Path

import shapely
from flask import url_for
from flask_babel import gettext
from shapely.geometry import mapping

from app.i18n import label, translated
from app.quartiere import current_quartier
from app.residents_map import DALHEIM_BOUNDS, idea_icon_options
from measures.domain.geo import tolerance_area
from measures.domain.ideas import missing_messages
from measures.domain.model import Quartier
from measures.domain.vocabulary import CATEGORIES

# The map's modules, named in the page's head so that the browser fetches them at once
# (modulepreload) instead of one import level after the other: the ideas were asked for
# only after the last level had arrived.
MAP_MODULES = tuple(
    sorted(p.name for p in (Path(__file__).parent / "static/js/residents-map").glob("*.js"))
)


def overview_config(quartier: Quartier | None) -> dict:
    """Where the ideas are, the area a new idea's pin may lie in, and the words to say."""
    tolerance_m = current_quartier().tolerance_m
    bounds = quartier.geometry.bounds if quartier else DALHEIM_BOUNDS
    return {
        "api": {
            "idea_points": url_for("api.idea_points"),
            "ideas": url_for("api.layer", name="ideas"),
            "nearby": url_for("api.ideas_nearby"),
        },
        # The list of measures for the same filters: the server decides what matches.
        "measure_list": url_for("pages.measures"),
        "idea_page": url_for("pages.idea", idea_id="__ID__"),
        "quartier_bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        # The Quartier grown by the tolerance the server allows (EPSG:25832), to the
        # 0.1 m that six decimals hold. Without a Quartier the server alone decides.
        "pin_area": (
            mapping(shapely.set_precision(tolerance_area(quartier.geometry, tolerance_m), 1e-6))
            if quartier
            else None
        ),
        "idea_icon": idea_icon_options(),
        "categories": {key: label(text) for key, text in CATEGORIES.items()},
        "words": {
            "supports": gettext("Unterstützungen"),
            "more": gettext("Mehr erfahren"),
            "located": gettext("Ihr Standort"),
            "locate_failed": gettext("Ihr Standort ließ sich nicht bestimmen."),
            "loading_failed": gettext(
                "Die Kartendaten ließen sich nicht laden. Bitte laden Sie die Seite neu."
            ),
            "idea_marker": gettext("Idee: {category}"),
            "loading": gettext("wird geladen …"),
            "idea_gone": gettext("Diese Idee ist nicht mehr auf der Karte."),
            "idea_failed": gettext(
                "Die Idee lässt sich gerade nicht laden. Bitte versuchen Sie es noch einmal."
            ),
            "shown": gettext("Auf der Karte: {measures} Maßnahmen, {ideas} Ideen."),
            "pin": gettext("Ort Ihrer Idee (mit Pfeiltasten verschiebbar)"),
            "pin_inside": gettext("Ort gewählt. Sie können ihn noch verschieben."),
            "pin_beside": gettext("Ort gewählt: neben „{name}“."),
            "pin_outside": gettext(
                "Dieser Ort liegt außerhalb des Quartiers %(name)s. Bitte wählen Sie einen Ort "
                "innerhalb der gestrichelten Grenze.",
                name=current_quartier().called,
            ),
            "pin_missing": gettext("Bitte wählen Sie zuerst den Ort auf der Karte."),
            # What the server would answer for each empty field, said before sending.
            "idea_missing": translated(missing_messages()),
            "pin_start": gettext("Tippen oder klicken Sie auf die Karte, wo Ihre Idee hingehört."),
            "show_on_map": gettext("Auf der Karte zeigen"),
            "cluster": gettext("{count} Ideen – {categories}"),
            "ideas_here": gettext("{count} Ideen: {titles}"),
            "close_popup": gettext("Fenster schließen"),
            "zoom_in": gettext("Hineinzoomen"),
            "zoom_out": gettext("Herauszoomen"),
            "layers": gettext("Ebenen der Karte"),
            "search_found": gettext("{count} Treffer. Mit den Pfeiltasten auswählen."),
            "search_none": gettext("Nichts gefunden."),
            "search_failed": gettext("Die Suche ging gerade nicht. Bitte noch einmal versuchen."),
            "search_shown": gettext("Auf der Karte: {name}"),
            "support": gettext("Unterstützen"),
            "supported": gettext("Sie unterstützen diese Idee."),
        },
    }
