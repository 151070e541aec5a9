"""Reading a bounding box that a person gives: one parser for the read API, the GIS export
and the OGC API.

The read API and the export take lon/lat (EPSG:4326 as GIS users write it); the OGC API
also takes a box in another CRS (``bbox-crs``, in that CRS's axis order) and with heights
(six numbers), which play no part here.
"""

from __future__ import annotations

import math

from measures.domain import crs as crs_module
from measures.domain.errors import QueryError
from measures.domain.messages import Message
from measures.domain.query import BBox
from measures.domain.vocabulary import N_


def parse_bbox(
    text: str, parameter: str = "bbox", *, crs: str = crs_module.LONLAT, heights: bool = False
) -> BBox:
    """``minX,minY,maxX,maxY`` in ``crs`` (a pyproj code) → lon/lat bounds; else QueryError."""
    parts = text.split(",")
    if len(parts) != 4 and not (heights and len(parts) == 6):
        if heights:
            message = Message(
                N_(
                    "'%(parameter)s' braucht vier Zahlen (minX,minY,maxX,maxY) oder sechs mit "
                    "Höhen; angegeben sind %(count)s."
                ),
                parameter=parameter,
                count=len(parts),
            )
        else:
            message = Message(
                N_(
                    "'%(parameter)s' braucht genau vier Zahlen: "
                    "minLänge,minBreite,maxLänge,maxBreite."
                ),
                parameter=parameter,
            )
        raise QueryError(parameter, message)
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise QueryError(
            parameter,
            Message(N_("'%(parameter)s' enthält etwas, das keine Zahl ist."), parameter=parameter),
        ) from None
    if not all(math.isfinite(v) for v in numbers):
        raise QueryError(
            parameter,
            Message(
                N_("'%(parameter)s' enthält eine unendliche oder ungültige Zahl."),
                parameter=parameter,
            ),
        )
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if crs_module.north_first(crs):
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    geographic = crs_module.is_geographic(crs)
    if geographic and not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise QueryError(
            parameter,
            Message(
                N_("'%(parameter)s' liegt außerhalb von Länge -180…180 und Breite -90…90."),
                parameter=parameter,
            ),
        )
    if minx > maxx or miny > maxy:
        raise QueryError(
            parameter,
            Message(
                N_("In '%(parameter)s' muss das Minimum vor dem Maximum stehen."),
                parameter=parameter,
            ),
        )
    if geographic:
        # The geographic CRS offered are WGS 84: the numbers are lon/lat already.
        return minx, miny, maxx, maxy
    lonlat = crs_module.bounds_to_lonlat(crs, (minx, miny, maxx, maxy))
    if not all(math.isfinite(v) for v in lonlat):
        raise QueryError(
            parameter,
            Message(
                N_("'%(parameter)s' lässt sich nicht in geographische Koordinaten umrechnen."),
                parameter=parameter,
            ),
        )
    return lonlat
