"""Writing the export's tables to files: GDAL's drivers through pyogrio, or CSV.

The formats' own limits are handled here: dBASE's ten-character field names and
254-byte texts for Shapefiles, one geometry kind per Shapefile. KML is written by
``measures.gis.kml``. GeoPackages are version 1.2, which GDAL 3.6 and QGIS 3.22 open
without a warning (GDAL 3.12 writes 1.4 by default), and their JSON columns are
registered as GDAL does it, so that GDAL and QGIS read them as JSON.
"""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pyogrio

from measures.domain.layers import GEOMETRY_GROUPS
from measures.gis import kml, shapefile_names, spreadsheet
from measures.gis.attributes import iso_time
from measures.gis.formats import ExportFormat

SHAPEFILE_TEXT_BYTES = 254
# Shapefiles hold one kind of geometry per file, so a layer of mixed kinds becomes one
# file per kind (``measures_punkte.shp`` …); single and multi parts share a file.
SHAPE_GROUPS = {kind: group for group, kinds in GEOMETRY_GROUPS.items() for kind in kinds}
EMPTY_SHAPE_TYPE = {"quartier": "Polygon"}


GEOPACKAGE_VERSION = "1.2"
JSON_MEDIA_TYPE = "application/json"


SCHEMA_EXTENSION = "http://www.geopackage.org/spec121/#extension_schema"


def register_json_columns(path: Path, layer: str, columns: Sequence[str]) -> None:
    """Mark ``columns`` of ``layer`` as JSON in the GeoPackage, the way GDAL does it.

    GDAL reads a column as the JSON subtype when ``gpkg_data_columns`` gives it the
    mime_type ``application/json`` (the GeoPackage schema extension); pyogrio cannot set
    the subtype when writing. The extension is both of its tables, each registered once,
    as GDAL writes them: its validator (``validate_gpkg.py``) counts exactly two rows.
    """
    if not columns:
        return
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, "
            "column_name TEXT NOT NULL, name TEXT UNIQUE, title TEXT, description TEXT, "
            "mime_type TEXT, constraint_name TEXT, "
            "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), "
            "CONSTRAINT gdc_tn UNIQUE (table_name, name))"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT "
            "NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, "
            "min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, "
            "description TEXT, CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, "
            "value))"
        )
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            # column_name is NULL here, so a UNIQUE constraint would not stop a second row.
            registered = connection.execute(
                "SELECT 1 FROM gpkg_extensions WHERE table_name = ? "
                "AND extension_name = 'gpkg_schema'",
                (table,),
            ).fetchone()
            if registered is None:
                connection.execute(
                    "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                    "definition, scope) VALUES (?, NULL, 'gpkg_schema', ?, 'read-write')",
                    (table, SCHEMA_EXTENSION),
                )
        connection.executemany(
            "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, mime_type) "
            "VALUES (?, ?, ?)",
            [(layer, column, JSON_MEDIA_TYPE) for column in columns],
        )


def _write_gdal(data: gpd.GeoDataFrame, path: Path, layer: str, fmt: ExportFormat):
    pyogrio.write_dataframe(
        data,
        path,
        layer=layer,
        driver=fmt.driver,
        layer_options=dict(fmt.layer_options) or None,
        dataset_options={"VERSION": GEOPACKAGE_VERSION} if fmt.key == "gpkg" else None,
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
        elif table[column].dtype.kind == "M":
            # GDAL writes a date-time to dBASE as text anyway (dBASE has dates only);
            # ISO 8601 text keeps the time. Every such column is a UTC time of day (no
            # field is a date alone), so a dBASE Date field would lose the time.
            table[column] = table[column].map(iso_time, na_action="ignore").astype(object)
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
    frames: Mapping[str, gpd.GeoDataFrame],
    fmt: ExportFormat,
    directory: Path,
    json_columns: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write the frames (layer → table) in ``fmt`` into ``directory``; return the file.

    ``json_columns`` (layer → columns) names the columns that hold JSON text.
    """
    if fmt.key == "gpkg":
        path = directory / "export.gpkg"
        for layer, data in frames.items():
            _write_gdal(data, path, layer, fmt)
            register_json_columns(path, layer, (json_columns or {}).get(layer, ()))
        return path
    ((layer, data),) = frames.items()
    if fmt.key == "shp":
        return _write_shapefile_zip(data, directory, layer)
    path = directory / f"export.{fmt.extension}"
    if fmt.driver is None:
        spreadsheet.write_csv(data, path, excel=fmt.key == "csv-excel")
    elif fmt.key == "kml":
        # LIBKML reads the placemark's name from ``name``.
        kml.write_kml(data.rename(columns={"title": "name"}), path, layer)
    else:
        _write_gdal(data, path, layer, fmt)
    return path
