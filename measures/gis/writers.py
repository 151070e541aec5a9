"""Writing the export's tables to files: GDAL's drivers through pyogrio, or CSV.

The formats' own limits are handled here: dBASE's ten-character field names and
254-byte texts for Shapefiles, one geometry kind per Shapefile, HTML in Google Earth's
balloons for KML.
"""

from __future__ import annotations

import html
import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pyogrio

from measures.domain.layers import GEOMETRY_GROUPS
from measures.gis import shapefile_names, spreadsheet
from measures.gis.formats import ExportFormat

SHAPEFILE_TEXT_BYTES = 254
# Shapefiles hold one kind of geometry per file, so a layer of mixed kinds becomes one
# file per kind (``measures_punkte.shp`` …); single and multi parts share a file.
SHAPE_GROUPS = {kind: group for group, kinds in GEOMETRY_GROUPS.items() for kind in kinds}
EMPTY_SHAPE_TYPE = {"quartier": "Polygon"}


def kml_table(data: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The table as GDAL's LIBKML driver wants it for Google Earth, with escaped text.

    LIBKML writes the columns ``id``, ``name`` and ``description`` as the placemark's id,
    name and description, so ``title`` becomes ``name``. Google Earth shows descriptions
    and extended data as HTML, so every text is HTML-escaped: a resident's ``<script>``
    stays visible text. Escaping also keeps ``]]>`` out of the CDATA sections that libkml
    writes (it does not split them, and the file would break).
    """
    table = data.rename(columns={"title": "name"})
    for column in table.columns:
        if table[column].dtype == object:
            table[column] = table[column].map(
                lambda v: html.escape(v, quote=True) if isinstance(v, str) else v
            )
    return table


def _write_gdal(data: gpd.GeoDataFrame, path: Path, layer: str, fmt: ExportFormat):
    if fmt.key == "kml":
        data = kml_table(data)
    pyogrio.write_dataframe(
        data,
        path,
        layer=layer,
        driver=fmt.driver,
        layer_options=dict(fmt.layer_options) or None,
    )


def shapefile_text(text, limit: int = SHAPEFILE_TEXT_BYTES):
    """``text`` cut to ``limit`` bytes of UTF-8 at a character boundary, as dBASE holds it."""
    if not isinstance(text, str) or len(text) * 4 <= limit:
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def shapefile_table(data: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Short field names and texts cut to 254 bytes, the limits of dBASE.

    Cutting here rather than in GDAL gives the same result without a warning per field,
    and ``measures.gis.importing`` cuts the stored values the same way to recognise unedited ones.
    """
    table = data.rename(columns={c: shapefile_names.short_name(c) for c in data.columns})
    for column in table.columns:
        if table[column].dtype == object:
            table[column] = table[column].map(shapefile_text)
    return table


def _write_shapefile_zip(data: gpd.GeoDataFrame, directory: Path, layer: str) -> Path:
    columns = [c for c in data.columns if c != data.geometry.name]
    table = shapefile_table(data)
    groups = data.geometry.geom_type.map(SHAPE_GROUPS)
    kinds = sorted(set(groups.dropna()))
    files = directory / "shp"
    files.mkdir()
    if not kinds:
        shape_type = EMPTY_SHAPE_TYPE.get(layer, "Point")
        pyogrio.write_dataframe(
            table, files / f"{layer}.shp", encoding="UTF-8", geometry_type=shape_type
        )
    for kind in kinds:
        name = layer if len(kinds) == 1 else f"{layer}_{kind}"
        pyogrio.write_dataframe(
            table[(groups == kind).to_numpy()], files / f"{name}.shp", encoding="UTF-8"
        )
    path = directory / f"{layer}.shp.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(files.iterdir()):
            archive.write(member, member.name)
        archive.writestr("feldnamen.txt", shapefile_names.mapping_text(columns))
    return path


def write_frames(
    frames: Mapping[str, gpd.GeoDataFrame], fmt: ExportFormat, directory: Path
) -> Path:
    """Write the frames (layer → table) in ``fmt`` into ``directory``; return the file."""
    if fmt.key == "gpkg":
        path = directory / "export.gpkg"
        for layer, data in frames.items():
            _write_gdal(data, path, layer, fmt)
        return path
    ((layer, data),) = frames.items()
    if fmt.key == "shp":
        return _write_shapefile_zip(data, directory, layer)
    path = directory / f"export.{fmt.extension}"
    if fmt.driver is None:
        spreadsheet.write_csv(data, path, excel=fmt.key == "csv-excel")
    else:
        _write_gdal(data, path, layer, fmt)
    return path
