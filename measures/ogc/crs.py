"""Coordinate reference systems of the service (OGC API – Features Part 2).

Geometries are stored as lon/lat in WGS 84, which is OGC:CRS84. EPSG:4326 is the same
datum, but its official axis order is latitude first: Part 2 requires coordinates (and
``bbox`` with ``bbox-crs``) in EPSG:4326 to be written lat,lon, so they are swapped here.
"""

from __future__ import annotations

import math
from functools import lru_cache

import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from measures.domain import geo
from measures.ogc.errors import invalid

BBox = tuple[float, float, float, float]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_25832 = "http://www.opengis.net/def/crs/EPSG/0/25832"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"

STORAGE_CRS = CRS84
# URI → the code pyproj knows it by.
SUPPORTED: dict[str, str] = {
    CRS84: "OGC:CRS84",
    EPSG_4326: "EPSG:4326",
    EPSG_25832: "EPSG:25832",
    EPSG_3857: "EPSG:3857",
}
NAMES: dict[str, str] = {
    CRS84: "WGS 84, Länge/Breite (CRS84)",
    EPSG_4326: "WGS 84, Breite/Länge (EPSG:4326)",
    EPSG_25832: "ETRS89 / UTM Zone 32N (EPSG:25832)",
    EPSG_3857: "WGS 84 / Pseudo-Mercator (EPSG:3857)",
}
GEOGRAPHIC = (CRS84, EPSG_4326)


def parse_crs(value: str, parameter: str) -> str:
    """The URI of a supported CRS, or a 400 naming the ones there are."""
    if value not in SUPPORTED:
        raise invalid(
            f"Das Koordinatensystem '{value}' in '{parameter}' wird nicht unterstützt. "
            f"Möglich sind: {', '.join(SUPPORTED)}."
        )
    return value


def content_crs_header(crs: str) -> str:
    """The value of the ``Content-Crs`` header: the URI in angle brackets."""
    return f"<{crs}>"


def _swap_axes(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda coords: coords[:, ::-1])


def geometry_to(geometry: BaseGeometry, crs: str) -> BaseGeometry:
    """A stored (lon/lat) geometry in ``crs``, with the axis order that CRS defines."""
    if crs == CRS84:
        return geometry
    if crs == EPSG_4326:
        return _swap_axes(geometry)
    return geo.to_crs(geometry, SUPPORTED[crs])


@lru_cache(maxsize=8)
def _to_lonlat(source: str) -> Transformer:
    return Transformer.from_crs(source, "OGC:CRS84", always_xy=True)


def parse_bbox(text: str, crs: str) -> BBox:
    """``bbox`` given in ``crs`` (4 numbers, or 6 with heights) → lon/lat bounds."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise invalid(
            "'bbox' braucht vier Zahlen (minX,minY,maxX,maxY) oder sechs mit Höhen; "
            f"angegeben sind {len(parts)}."
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise invalid("'bbox' enthält etwas, das keine Zahl ist.") from None
    if not all(math.isfinite(v) for v in numbers):
        raise invalid("'bbox' enthält eine unendliche oder ungültige Zahl.")
    if len(numbers) == 6:  # heights play no part here
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if crs == EPSG_4326:
        miny, minx, maxy, maxx = minx, miny, maxx, maxy
    if minx > maxx or miny > maxy:
        raise invalid("In 'bbox' muss jeweils das Minimum vor dem Maximum stehen.")
    if crs in GEOGRAPHIC:
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise invalid("'bbox' liegt außerhalb von Länge -180…180 und Breite -90…90.")
        return minx, miny, maxx, maxy
    # A box in a projected CRS is curved in lon/lat; densified bounds enclose all of it.
    lonlat = _to_lonlat(SUPPORTED[crs]).transform_bounds(minx, miny, maxx, maxy, densify_pts=21)
    if not all(math.isfinite(v) for v in lonlat):
        raise invalid("'bbox' lässt sich nicht in geographische Koordinaten umrechnen.")
    return lonlat
