"""The geometries of a GIS file a planner uploads for one measure or place.

A complex shape (a park's outline from the surveying office, a cycle route from QGIS) is
easier to bring as a file than to draw. GeoPackage, GeoJSON and zipped Shapefiles are read
as the GIS import reads them (``measures.gis.files``: the same checks, CRS and limits);
KML, which Google Earth and many web tools write, is read by GDAL's KML driver and is
always in longitude/latitude (EPSG:4326). Only the geometries are used.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.geometry.base import BaseGeometry

from measures.domain.errors import UserError
from measures.domain.messages import Message
from measures.domain.vocabulary import N_
from measures.gis.files import SUFFIXES, GisFileError, ImportLimits, read_upload, upload_kind

KML_SUFFIX = ".kml"


class GeometryFileError(UserError):
    """The file could not be read as geometries; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message, code="invalid_file")


def _read_kml(path: Path, max_features: int) -> list[BaseGeometry]:
    head = path.read_bytes()[:200].lstrip()
    if not head.startswith(b"<"):
        raise GeometryFileError(N_("Die KML-Datei ist beschädigt oder keine KML-Datei."))
    try:
        data = pyogrio.read_dataframe(str(path), max_features=max_features + 1)
    except (DataSourceError, DataLayerError, UnicodeDecodeError):
        raise GeometryFileError(N_("Die KML-Datei ist beschädigt oder keine KML-Datei.")) from None
    if len(data) > max_features:
        raise GeometryFileError(
            Message(N_("Die Datei enthält mehr als %(limit)s Objekte."), limit=max_features)
        )
    return list(shapely.force_2d(data.geometry.array))


def read_geometry_file(
    path: Path, filename: str, workdir: Path, *, max_features: int, max_vertices: int
) -> list[BaseGeometry]:
    """The geometries (EPSG:4326, 2D) of the file at ``path`` named ``filename``."""
    if PurePosixPath(filename.lower()).suffix == KML_SUFFIX:
        geometries = _read_kml(path, max_features)
    else:
        limits = ImportLimits(
            features=max_features,
            vertices_per_feature=max_vertices,
            vertices=max_vertices,
            unpacked_bytes=50 * 1024 * 1024,
        )
        if PurePosixPath(filename.lower()).suffix not in SUFFIXES:
            raise GeometryFileError(
                N_(
                    "Bitte eine GeoPackage-Datei (.gpkg), GeoJSON-Datei (.geojson), KML-Datei "
                    "(.kml) oder ein Shapefile als ZIP-Datei (.zip) hochladen."
                )
            )
        try:
            uploaded = read_upload(path, upload_kind(filename), workdir, limits)
        except GisFileError as error:
            raise GeometryFileError(error.message) from None
        if uploaded.source_crs is None:
            raise GeometryFileError(
                N_(
                    "Die Datei nennt kein Koordinatensystem. Bitte mit Koordinatensystem "
                    "speichern (z. B. ETRS89 / UTM 32N, EPSG:25832)."
                )
            )
        geometries = list(uploaded.frame.geometry.array)
    found = [g for g in geometries if g is not None and not g.is_empty]
    if not found:
        raise GeometryFileError(N_("Die Datei enthält keine Geometrie."))
    return found
