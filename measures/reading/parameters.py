"""Filters for reading a layer, parsed from query parameters in a framework-free way."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from measures.domain.layers import LAYERS
from measures.domain.query import IDEA_SORTS, BBox, LayerQuery

# Which filters each layer understands; anything else is an error, so that a typo such as
# "stauts" is reported instead of silently returning everything.
LAYER_PARAMETERS: dict[str, frozenset[str]] = {
    name: layer.parameters for name, layer in LAYERS.items()
}


class QueryError(ValueError):
    """A query parameter a person must correct; ``message`` is German and safe to show."""

    def __init__(self, parameter: str, message: str, code: str = "invalid_parameter"):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.code = code


def parse_bbox(text: str, parameter: str = "bbox") -> BBox:
    """``minlon,minlat,maxlon,maxlat`` in EPSG:4326 → a tuple of four floats."""
    parts = text.split(",")
    if len(parts) != 4:
        raise QueryError(
            parameter,
            f"'{parameter}' braucht genau vier Zahlen: minLänge,minBreite,maxLänge,maxBreite.",
        )
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise QueryError(parameter, f"'{parameter}' enthält etwas, das keine Zahl ist.") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise QueryError(parameter, f"'{parameter}' enthält eine unendliche oder ungültige Zahl.")
    if not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise QueryError(
            parameter, f"'{parameter}' liegt außerhalb von Länge -180…180 und Breite -90…90."
        )
    if minx > maxx or miny > maxy:
        raise QueryError(parameter, f"In '{parameter}' muss das Minimum vor dem Maximum stehen.")
    return minx, miny, maxx, maxy


def _choices(parameter: str, values: Iterable[str], allowed: Mapping[str, str]) -> frozenset[str]:
    chosen = {v.strip() for value in values for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - allowed.keys())
    if unknown:
        raise QueryError(
            parameter,
            f"Unbekannter Wert für '{parameter}': {', '.join(unknown)}. "
            f"Erlaubt sind: {', '.join(allowed)}.",
        )
    return frozenset(chosen)


def check_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise QueryError(
            "layer",
            f"Die Ebene '{layer}' gibt es nicht. Vorhanden sind: {', '.join(LAYERS)}.",
            code="unknown_layer",
        )


def parse_layer_query(layer: str, args: Mapping[str, list[str]]) -> LayerQuery:
    """Parse ``args`` (parameter → all its values) for ``layer``; raise ``QueryError``."""
    check_layer(layer)
    allowed = LAYER_PARAMETERS[layer]
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise QueryError(
            unknown[0],
            f"Den Filter '{unknown[0]}' gibt es für diese Ebene nicht. "
            f"Möglich sind: {', '.join(sorted(allowed))}.",
        )
    bbox_values = args.get("bbox", [])
    if len(bbox_values) > 1:
        raise QueryError("bbox", "'bbox' darf nur einmal angegeben werden.")
    return LayerQuery.of(
        bbox=parse_bbox(bbox_values[0]) if bbox_values else None,
        **{
            f.field: _choices(f.name, args.get(f.name, []), f.values)
            for f in LAYERS[layer].filters.values()
        },
    )


def parse_idea_sort(values: list[str]) -> str:
    """The order of an idea list; ``newest`` unless ``supported`` is asked for."""
    if not values:
        return "newest"
    if len(values) > 1 or values[0] not in IDEA_SORTS:
        raise QueryError("sort", f"'sort' muss einer dieser Werte sein: {', '.join(IDEA_SORTS)}.")
    return values[0]
