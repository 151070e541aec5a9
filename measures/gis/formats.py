"""The file formats of the GIS exports and the two CRSs every planner meets.

Shared by the export (``export``), the writers (``writers``) and the upload reader
(``files``), so that none of them imports another for a constant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from measures.domain.vocabulary import N_

WGS84 = 4326
UTM32N = 25832


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    driver: str | None  # None: written by ``spreadsheet``, not GDAL
    extension: str
    media_type: str
    wgs84_only: bool = False
    layer_options: Mapping[str, str] = field(default_factory=dict)


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat("gpkg", N_("GeoPackage"), "GPKG", "gpkg", "application/geopackage+sqlite3"),
        ExportFormat("shp", N_("Shapefile (ZIP)"), "ESRI Shapefile", "shp.zip", "application/zip"),
        ExportFormat(
            "geojson",
            N_("GeoJSON"),
            "GeoJSON",
            "geojson",
            "application/geo+json",
            wgs84_only=True,
            layer_options={"RFC7946": "YES"},
        ),
        ExportFormat(
            "kml",
            N_("KML (Google Earth)"),
            "LIBKML",
            "kml",
            "application/vnd.google-earth.kml+xml",
            wgs84_only=True,
        ),
        ExportFormat("csv", N_("CSV"), None, "csv", "text/csv; charset=utf-8"),
        ExportFormat(
            "csv-excel", N_("CSV für Excel (deutsch)"), None, "csv", "text/csv; charset=utf-8"
        ),
        ExportFormat("fgb", N_("FlatGeobuf"), "FlatGeobuf", "fgb", "application/octet-stream"),
    )
}
