"""The Quartiere of one installation: each a programme area with its own boundary, texts,
Handlungsfelder and map view.

The boundary and the public description of a Quartier are the record of the layer
``quartier`` (``model.Quartier``); ``QuartierProfile`` adds what the service needs to run
the Quartier (tolerance, texts, view, Handlungsfelder, whether it is active). Both live
in one row of the table ``quartier``, whose ``id`` is the Quartier's slug: the part of
its URLs (``/q/<slug>/…``) and the key every measure, place, idea and log entry holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from measures.domain.errors import UserError
from measures.domain.vocabulary import CATEGORIES

# Hand-placed positions may sit a little off a boundary that is itself an approximation.
DEFAULT_TOLERANCE_M = 25.0

# The Handlungsfelder every Quartier starts with; a Quartier's Rahmenplan may name fewer.
DEFAULT_CATEGORIES: tuple[str, ...] = tuple(CATEGORIES)

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


@dataclass(frozen=True)
class MapView:
    """Where a Quartier's map opens: centre (lon, lat) and zoom level."""

    lon: float
    lat: float
    zoom: int


@dataclass(frozen=True, kw_only=True)
class QuartierProfile:
    slug: str
    name: str
    boundary: BaseGeometry
    programme: str = ""
    # What the site's name and texts call it ("Dalheim"); "": ``name``.
    short_name: str = ""
    # How far (metres, EPSG:25832) a pin or a feature may lie outside the boundary.
    tolerance_m: float = DEFAULT_TOLERANCE_M
    # The Quartiersbüro or whoever answers for the Quartier.
    contact: str = ""
    about_text: str = ""
    # The parts of the privacy statement and the imprint that differ per Quartier.
    privacy_text: str = ""
    imprint_text: str = ""
    # None: the map fits the boundary.
    view: MapView | None = None
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    active: bool = True

    @property
    def called(self) -> str:
        """The name the site's name and texts use: the short one, else the full one."""
        return self.short_name or self.name


def check_slug(slug: Any) -> str:
    """A slug as URLs and keys use it, or UserError."""
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise UserError(
            "Die Kennung eines Quartiers besteht aus Kleinbuchstaben, Ziffern und "
            "Bindestrichen (z. B. dalheim oder west-2), höchstens 80 Zeichen.",
            parameter="slug",
        )
    return slug


def check_categories(keys: tuple[str, ...]) -> tuple[str, ...]:
    """Handlungsfelder of a Quartier: known keys, at least one, each once."""
    unknown = [key for key in keys if key not in CATEGORIES]
    if unknown or not keys or len(set(keys)) != len(keys):
        raise UserError(
            "Handlungsfelder: bekannte Schlüssel, jeder einmal, mindestens einer "
            f"({', '.join(CATEGORIES)}).",
            parameter="categories",
        )
    return keys


def check_boundary(boundary: BaseGeometry) -> BaseGeometry:
    if boundary.geom_type not in ("Polygon", "MultiPolygon") or boundary.is_empty:
        raise UserError(
            "Die Grenze eines Quartiers ist eine Fläche (Polygon oder MultiPolygon).",
            parameter="boundary",
        )
    if not boundary.is_valid:
        raise UserError(
            "Die Grenze ist keine gültige Fläche (sie schneidet sich selbst).",
            parameter="boundary",
        )
    return boundary


def boundary_from_geojson(data: Any) -> BaseGeometry:
    """The boundary in a GeoJSON file (EPSG:4326): a geometry, a Feature, or a
    FeatureCollection of one feature."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise UserError(
                "Die Datei der Grenze enthält genau ein Gebiet (ein Feature).",
                parameter="boundary",
            )
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    try:
        boundary = shape(data)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        raise UserError(
            "Die Datei der Grenze ist kein GeoJSON mit einer Fläche.", parameter="boundary"
        ) from None
    minx, miny, maxx, maxy = boundary.bounds if not boundary.is_empty else (0, 0, 0, 0)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise UserError(
            "Die Grenze muss in Länge/Breite (EPSG:4326) angegeben sein.", parameter="boundary"
        )
    return check_boundary(boundary)
