"""CSV for spreadsheets: plain UTF-8, and a variant that German Excel opens correctly.

Text that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading apostrophe, so a resident's idea titled
``=HYPERLINK(…)`` stays text on a planner's machine ("CSV injection").

German Excel reads a file as UTF-8 only with a byte-order mark, splits columns at ``;``
(the comma is the decimal sign there) and reads ``8,47`` as a number; the ``csv-excel``
variant writes exactly that. The plain variant is for everything else (R, Python, QGIS).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pandas as pd
import shapely
from geopandas import GeoDataFrame

from measures.gis.attributes import iso_time

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):  # pandas' Timestamp too
        return "" if pd.isna(value) else iso_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(value)
        return text.replace(".", ",") if excel else text
    if pd.isna(value):  # pandas.NA of an empty integer column
        return ""
    return str(value)


def _number(value: float, digits: int, excel: bool) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if excel else text


def write_csv(frame: GeoDataFrame, path: Path, excel: bool = False) -> None:
    """Write the attributes, a point (lon/lat or x/y) and the WKT geometry of each row.

    The point is the feature itself for points and a point on the feature for lines and
    areas. Coordinates are in the frame's CRS: degrees to 8 places (about 1 mm), metres
    to 3.
    """
    geographic = frame.crs is None or frame.crs.is_geographic
    x_name, y_name = ("lon", "lat") if geographic else ("x", "y")
    digits = 8 if geographic else 3
    columns = [c for c in frame.columns if c != frame.geometry.name]
    geometries = frame.geometry.array
    points = shapely.point_on_surface(geometries)
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    wkts = shapely.to_wkt(geometries, rounding_precision=digits, trim=True)
    values: Iterable = zip(*(frame[c].tolist() for c in columns), strict=True) if columns else []
    with open(path, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if excel else ",")
        writer.writerow([*columns, x_name, y_name, "wkt"])
        for row, x, y, wkt in zip(values, xs, ys, wkts, strict=True):
            writer.writerow(
                [
                    *(_cell(v, excel) for v in row),
                    _number(x, digits, excel),
                    _number(y, digits, excel),
                    wkt,
                ]
            )
