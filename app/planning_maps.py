"""The planners' maps: the ideas that wait, and the map of the form that draws a measure's
or place's geometry.

They are made of the same pieces as the residents' maps (``app/residents_map.py``): the
tiles and outline, the idea icon, the popups from Jinja partials. The drawing itself is
the browser's (``app/static/js/planning/``, with leaflet-geoman served by
``app/vendor.py``); the map here only opens at the record, or at the Quartier.
"""

from __future__ import annotations

import shapely
from flask_babel import gettext
from shapely.geometry import mapping

from app.quartiere import current_quartier
from app.residents_map import (
    DALHEIM_BOUNDS,
    DETAIL_ZOOM,
    _base_map,
    _finish,
    _FitBounds,
    _idea_cluster,
    _idea_icon,
    _lat_lon,
    _marker,
    _PageHandles,
    _partial,
    _Popup,
)
from measures.domain.geo import tolerance_area
from measures.domain.layers import LAYERS
from measures.domain.model import Idea, Quartier


def planning_map(quartier: Quartier | None, ideas: list[Idea]):
    """The planners' map of the ideas that wait, each linking to its moderation page."""
    fmap = _base_map(quartier)
    cluster = _idea_cluster().add_to(fmap)
    for idea in ideas:
        marker = _marker(_lat_lon(idea.geometry), _idea_icon(), idea.title)
        marker.add_child(_Popup(_partial("planning/_idea_popup.html", idea=idea)))
        marker.add_to(cluster)
    _FitBounds(quartier.geometry.bounds if quartier else DALHEIM_BOUNDS).add_to(fmap)
    return _finish(fmap, _PageHandles(ideas=cluster))


def editing_map(quartier: Quartier | None, geometry=None):
    """The map of the planners' form: the Quartier, opened at the geometry being edited.

    The geometry itself is drawn by the form's script from the form's GeoJSON field, so
    that what the map shows and what is saved are one thing.
    """
    fmap = _base_map(quartier)
    if geometry is not None and not geometry.is_empty:
        _FitBounds(geometry.bounds, maxZoom=DETAIL_ZOOM, padding=[30, 30]).add_to(fmap)
    else:
        _FitBounds(quartier.geometry.bounds if quartier else DALHEIM_BOUNDS).add_to(fmap)
    return _finish(fmap, _PageHandles())


def editing_config(quartier: Quartier | None, layer: str) -> dict:
    """What the drawing script is given: what may be drawn, where, and the words."""
    tolerance_m = current_quartier().tolerance_m
    groups = LAYERS[layer].geometry_groups
    return {
        "layer": layer,
        # "punkte", "linien", "flaechen": what this layer's geometry may be.
        "groups": list(groups),
        "single_point": LAYERS[layer].geometry_types == frozenset({"Point"}),
        "area": (
            mapping(shapely.set_precision(tolerance_area(quartier.geometry, tolerance_m), 1e-6))
            if quartier
            else None
        ),
        "words": {
            "point": gettext("Punkt (mit Pfeiltasten verschiebbar)"),
            "drawn": gettext("Geometrie geändert: {parts} Teil(e). Noch nicht gespeichert."),
            "outside": gettext(
                "Ein Teil liegt außerhalb des Quartiers. Beim Speichern wird das geprüft."
            ),
            "mixed": gettext(
                "Bitte nur eine Art verwenden: Punkte, Linien oder Flächen (mehrere Teile "
                "derselben Art sind möglich)."
            ),
            "undone": gettext("Letzte Änderung zurückgenommen."),
            "nothing_to_undo": gettext("Es gibt nichts zurückzunehmen."),
            "unreadable": gettext(
                "Das Feld „Geometrie“ enthält kein lesbares GeoJSON; die Karte zeigt es nicht."
            ),
            "drawing": gettext(
                "Zeichnen: auf die Karte klicken; Doppelklick oder Klick auf den ersten "
                "Punkt beendet."
            ),
            "editing": gettext("Bearbeiten: Eckpunkte ziehen. Noch einmal drücken zum Beenden."),
            "removing": gettext(
                "Löschen: den Teil anklicken, der wegfallen soll. Noch einmal drücken zum Beenden."
            ),
            "moved": gettext("Punkt verschoben. Noch nicht gespeichert."),
            "vertex": gettext("Eckpunkt (mit der Maus ziehen)"),
            "midpoint": gettext("Neuen Eckpunkt hier einfügen (mit der Maus ziehen)"),
        },
    }
