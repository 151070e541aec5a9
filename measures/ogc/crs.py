"""Coordinate reference systems of the service (OGC API – Features Part 2).

Geometries are stored as lon/lat in WGS 84, which is OGC:CRS84. EPSG:4326 is the same
datum, but its official axis order is latitude first: Part 2 requires coordinates (and
``bbox`` with ``bbox-crs``) in EPSG:4326 to be written lat,lon, so they are swapped here.
"""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

from measures.domain import bbox as bbox_module
from measures.domain import crs as crs_module
from measures.domain import geo
from measures.domain.query import BBox
from measures.domain.vocabulary import N_

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
    CRS84: N_("WGS 84, Länge/Breite (CRS84)"),
    EPSG_4326: N_("WGS 84, Breite/Länge (EPSG:4326)"),
    EPSG_25832: "ETRS89 / UTM Zone 32N (EPSG:25832)",
    EPSG_3857: "WGS 84 / Pseudo-Mercator (EPSG:3857)",
}


def parse_crs(value: str, parameter: str) -> str:
    """The URI of a supported CRS, or a 400 naming the ones there are."""
    crs_module.parse_crs(value, parameter, SUPPORTED)
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


def parse_bbox(text: str, crs: str) -> BBox:
    """``bbox`` given in ``crs`` (4 numbers, or 6 with heights) → lon/lat bounds."""
    return bbox_module.parse_bbox(text, "bbox", crs=SUPPORTED[crs], heights=True)
