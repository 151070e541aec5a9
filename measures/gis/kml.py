"""KML 2.2 for Google Earth and GIS, written here rather than by GDAL's LIBKML driver.

Two readers see different things in one Placemark. GDAL and QGIS read ``name``,
``description`` and the ExtendedData as plain text, so the file holds each text exactly as
stored (XML-escaped, no CDATA: a ``]]>`` in a text needs no care). Google Earth shows a
description as HTML, so each Placemark also carries a balloon of its own whose HTML is
escaped: a resident's ``<script>`` stays visible text there.

The Schema gives each column its type (``int``, ``double``, ``bool``, ``string``), so GDAL
reads numbers as Integer and Real; it sits in the layer's Document, where GDAL finds it
even for a layer without features. Booleans are written ``1``/``0``, which GDAL 3.6 reads
(it misreads ``true``).
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from measures.gis.attributes import iso_time

NAMESPACE = "http://www.opengis.net/kml/2.2"
# The columns that become the Placemark's own elements (LIBKML reads them back so).
PLACEMARK_COLUMNS = ("id", "name", "description")
_SCHEMA_TYPES = {"i": "int", "u": "int", "f": "double", "b": "bool"}


def _schema_type(series: pd.Series) -> str:
    return _SCHEMA_TYPES.get(series.dtype.kind, "string")


# What XML 1.0 cannot hold: controls but tab and line breaks, surrogates, U+FFFE, U+FFFF.
# Texts are checked on the way in (measures.domain.texts); this keeps a file readable
# even with a text stored before that check.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str | None:
    """The value as KML text; None for a missing one."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return _NOT_XML.sub("", str(value))


def _coordinates(parent: ET.Element, coords) -> None:
    ET.SubElement(parent, "coordinates").text = " ".join(
        ",".join(repr(float(c)) for c in point) for point in coords
    )


def _geometry(parent: ET.Element, geometry: BaseGeometry | None) -> None:
    if geometry is None or geometry.is_empty:
        return
    kind = geometry.geom_type
    if kind == "Point":
        _coordinates(ET.SubElement(parent, "Point"), geometry.coords)
    elif kind == "LineString":
        _coordinates(ET.SubElement(parent, "LineString"), geometry.coords)
    elif kind == "Polygon":
        polygon = ET.SubElement(parent, "Polygon")
        outer = ET.SubElement(ET.SubElement(polygon, "outerBoundaryIs"), "LinearRing")
        _coordinates(outer, geometry.exterior.coords)
        for ring in geometry.interiors:
            inner = ET.SubElement(ET.SubElement(polygon, "innerBoundaryIs"), "LinearRing")
            _coordinates(inner, ring.coords)
    else:  # Multi* and collections
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geometry):
            _geometry(multi, part)


def _balloon(name: str | None, description: str | None, rows: list[tuple[str, str]]) -> str:
    """The HTML that Google Earth shows, every text escaped."""
    parts = [f"<h3>{html.escape(name or '')}</h3>"]
    if description:
        parts.append("<p>" + html.escape(description).replace("\n", "<br>") + "</p>")
    if rows:
        cells = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        parts.append(f"<table>{cells}</table>")
    return "".join(parts)


def write_kml(data: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write ``data`` (EPSG:4326; ``name`` is the Placemark's name) as a KML layer."""
    geometry_name = data.geometry.name
    extended = [c for c in data.columns if c not in (*PLACEMARK_COLUMNS, geometry_name)]
    root = ET.Element("kml", xmlns=NAMESPACE)
    document = ET.SubElement(ET.SubElement(root, "Document", id="root_doc"), "Document", id=layer)
    ET.SubElement(document, "name").text = layer
    schema_id = f"{layer}.schema"
    schema = ET.SubElement(document, "Schema", name=layer, id=schema_id)
    for column in extended:
        ET.SubElement(schema, "SimpleField", name=column, type=_schema_type(data[column]))
    columns = {c: data[c].tolist() for c in data.columns if c != geometry_name}
    for index, geometry in enumerate(data.geometry.array):
        row = {c: _text(values[index]) for c, values in columns.items()}
        placemark = ET.SubElement(document, "Placemark")
        if row.get("id"):
            placemark.set("id", row["id"])
        if row.get("name") is not None:
            ET.SubElement(placemark, "name").text = row["name"]
        if row.get("description") is not None:
            ET.SubElement(placemark, "description").text = row["description"]
        filled = [(c, row[c]) for c in extended if row[c] is not None]
        balloon = ET.SubElement(ET.SubElement(placemark, "Style"), "BalloonStyle")
        ET.SubElement(balloon, "text").text = _balloon(
            row.get("name"), row.get("description"), filled
        )
        schema_data = ET.SubElement(
            ET.SubElement(placemark, "ExtendedData"), "SchemaData", schemaUrl=f"#{schema_id}"
        )
        for column, text in filled:
            ET.SubElement(schema_data, "SimpleData", name=column).text = text
        _geometry(placemark, geometry)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
