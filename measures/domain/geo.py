"""Geo operations: reprojection and the geofence of the Quartier.

Distances are computed in EPSG:25832 (ETRS89 / UTM zone 32N), the metric CRS that Hesse
uses, so a tolerance given in metres means metres on the ground.
"""

from __future__ import annotations

import math
from functools import lru_cache

import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

# For its side effect: PROJ knows the installed grids before the first transformation.
from measures.domain import crs  # noqa: F401

WGS84 = "EPSG:4326"
UTM32N = "EPSG:25832"


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    # always_xy: our geometries are (lon, lat) whatever the CRS's official axis order.
    return Transformer.from_crs(source, target, always_xy=True)


def to_crs(geometry: BaseGeometry, target: str, source: str = WGS84) -> BaseGeometry:
    """Return ``geometry`` reprojected from ``source`` to ``target``."""
    if source == target:
        return geometry
    return shapely.transform(geometry, _transformer(source, target).transform, interleaved=False)


def box_geometry(minx: float, miny: float, maxx: float, maxy: float) -> BaseGeometry:
    """The closed box as a geometry, for "intersects the box" tests.

    A box without width or height becomes a line or a point, as PostGIS's ST_Envelope
    makes it: as a polygon of no area it would intersect a point on it but not a line
    through it, and in PostGIS nothing at all.
    """
    if minx == maxx and miny == maxy:
        return Point(minx, miny)
    if minx == maxx or miny == maxy:
        return LineString([(minx, miny), (maxx, maxy)])
    return box(minx, miny, maxx, maxy)


@lru_cache(maxsize=32)
def _in_utm(area: BaseGeometry) -> BaseGeometry:
    """``area`` in metres, kept: a Quartier's boundary is asked for with every idea."""
    return to_crs(area, UTM32N)


def distance_outside_m(area: BaseGeometry, geometry: BaseGeometry) -> float:
    """How far, in metres, the farthest part of ``geometry`` lies outside ``area``.

    0 when the geometry lies wholly inside. Both are given in EPSG:4326.
    """
    area_m = _in_utm(area)
    outside = to_crs(geometry, UTM32N).difference(area_m)
    if outside.is_empty:
        return 0.0
    return max(area_m.distance(Point(coord[0], coord[1])) for coord in _coords(outside))


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def is_inside(area: BaseGeometry, geometry: BaseGeometry, tolerance_m: float) -> bool:
    """True when ``geometry`` lies inside ``area`` or at most ``tolerance_m`` outside it."""
    return distance_outside_m(area, geometry) <= tolerance_m


def tolerance_area(area: BaseGeometry, tolerance_m: float) -> BaseGeometry:
    """``area`` grown by ``tolerance_m`` metres in EPSG:25832, returned in EPSG:4326.

    The shape of what ``is_inside`` accepts, for a browser to test a point against before
    sending it. Arcs get 8 segments per quarter circle, so at a corner the shape stays
    within 2 % of the tolerance (half a metre at 25 m); the server's check decides.
    """
    grown = to_crs(area, UTM32N).buffer(tolerance_m, quad_segs=8)
    return to_crs(grown, WGS84, source=UTM32N)


def _coords(geometry: BaseGeometry):
    if hasattr(geometry, "geoms"):
        for part in geometry.geoms:
            yield from _coords(part)
    elif geometry.geom_type == "Polygon":
        yield from geometry.exterior.coords
    else:
        yield from geometry.coords
