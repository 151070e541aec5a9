"""Reading a layer that a planner uploads: GeoPackage, GeoJSON or a zipped Shapefile.

The result is a GeoDataFrame in EPSG:4326 with the file's columns, or a ``GisFileError``
with a German message that says what is wrong with the file as a whole (damaged, wrong
zip contents, too many features, attributes not in UTF-8). Problems of single features
are the business of ``measures.gis.importing``.
"""

from __future__ import annotations

import logging
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from measures.domain.crs import upload_crs_problem
from measures.domain.errors import UserError
from measures.gis.formats import WGS84

SUFFIXES = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".zip": "shp"}
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
# A zip may hold at most this much once unpacked: a guard against zip bombs.
MAX_UNPACKED_BYTES = 500 * 1024 * 1024


log = logging.getLogger(__name__)


@contextmanager
def _gdal_warnings_logged() -> Iterator[None]:
    """GDAL's warnings about an uploaded file go to the log, not to the planner.

    They come as Python warnings from pyogrio (e.g. "bad application_id" for a damaged
    GeoPackage); whether the file is usable is decided by the errors GDAL raises.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        log.info("GDAL beim Lesen eines Uploads: %s", warning.message)


class GisFileError(UserError):
    """The file cannot be read as a layer; ``message`` is German and safe to show."""

    def __init__(self, message: str):
        super().__init__(message, code="invalid_file")


@dataclass(frozen=True)
class UploadedLayer:
    """The features of an uploaded file, reprojected to EPSG:4326 where the file says how."""

    frame: gpd.GeoDataFrame
    # The file's CRS as "EPSG:25832" or its name; None when the file names none.
    source_crs: str | None
    from_shapefile: bool


def upload_kind(filename: str) -> str:
    """``gpkg``, ``geojson`` or ``shp`` by the file's ending; else GisFileError."""
    kind = SUFFIXES.get(PurePosixPath(filename.lower()).suffix)
    if kind is None:
        raise GisFileError(
            "Bitte eine GeoPackage-Datei (.gpkg), eine GeoJSON-Datei (.geojson) oder ein "
            "Shapefile als ZIP-Datei (.zip) hochladen."
        )
    return kind


def _damaged(kind: str) -> GisFileError:
    names = {"gpkg": "GeoPackage", "geojson": "GeoJSON", "shp": "Shapefile"}
    return GisFileError(
        f"Die Datei lässt sich nicht als {names[kind]} lesen; sie ist beschädigt oder hat "
        "ein anderes Format."
    )


def _unpack_shapefiles(archive_path: Path, target: Path) -> list[Path]:
    """Unpack the Shapefile parts of the zip (flat, by name only) and return the .shp files."""
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError):
        raise GisFileError("Die ZIP-Datei ist beschädigt oder keine ZIP-Datei.") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise GisFileError("Die ZIP-Datei ist entpackt zu groß.")
        target.mkdir(parents=True, exist_ok=True)
        seen: set[str] = set()
        for member in members:
            # Only the file name counts: no folders, so no path can leave the target.
            name = PurePosixPath(member.filename.replace("\\", "/")).name
            if name.startswith(".") or PurePosixPath(name).suffix.lower() not in SHAPEFILE_PARTS:
                continue
            if "__MACOSX" in member.filename:
                continue
            if name.lower() in seen:
                raise GisFileError(f"Die ZIP-Datei enthält „{name}“ mehrfach.")
            seen.add(name.lower())
            try:
                (target / name).write_bytes(archive.read(member))
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
                raise GisFileError("Die ZIP-Datei ist beschädigt.") from None
    shapes = sorted(p for p in target.iterdir() if p.suffix.lower() == ".shp")
    if not shapes:
        raise GisFileError(
            "Die ZIP-Datei enthält kein Shapefile (.shp mit .shx und .dbf, am besten mit .prj "
            "und .cpg)."
        )
    for shape in shapes:
        for part in (".shx", ".dbf"):
            if not any(p.name.lower() == (shape.stem + part).lower() for p in target.iterdir()):
                raise GisFileError(
                    f"Zu „{shape.name}“ fehlt in der ZIP-Datei „{shape.stem}{part}“."
                )
    return shapes


def _has_cpg(shape: Path) -> bool:
    return any(p.name.lower() == (shape.stem + ".cpg").lower() for p in shape.parent.iterdir())


def _gpkg_layer(path: Path, layer: str) -> str:
    """The table to read: the only one, or the one named like the layer."""
    try:
        with _gdal_warnings_logged():
            names = [str(name) for name, _type in pyogrio.list_layers(path)]
    except DataSourceError:
        raise _damaged("gpkg") from None
    if len(names) == 1:
        return names[0]
    if layer in names:
        return layer
    raise GisFileError(
        f"Die GeoPackage-Datei enthält mehrere Ebenen ({', '.join(names) or 'keine'}), aber "
        f"keine heißt „{layer}“."
    )


def _read(path: Path, kind: str, table: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        with _gdal_warnings_logged():
            return pyogrio.read_dataframe(path, layer=table, encoding=encoding)
    except UnicodeDecodeError:
        raise GisFileError(
            "Die Attribute der Datei sind nicht UTF-8-kodiert. Bitte als UTF-8 speichern "
            "(QGIS: Exportieren → Kodierung UTF-8)."
        ) from None
    except (DataSourceError, DataLayerError):
        raise _damaged(kind) from None


def _count(path: Path, kind: str, table: str | None) -> int:
    try:
        with _gdal_warnings_logged():
            return int(pyogrio.read_info(path, layer=table)["features"])
    except (DataSourceError, DataLayerError):
        raise _damaged(kind) from None


def _crs_name(crs) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def read_upload(
    path: Path, kind: str, layer: str, workdir: Path, max_features: int
) -> UploadedLayer:
    """Read the uploaded file at ``path`` as ``layer`` (measures or locations)."""
    if kind == "shp":
        # Without a .cpg GDAL would guess Latin-1; our exports and QGIS write UTF-8.
        shapes = _unpack_shapefiles(path, workdir / "shp")
        sources = [(p, None, None if _has_cpg(p) else "UTF-8") for p in shapes]
    elif kind == "gpkg":
        sources = [(path, _gpkg_layer(path, layer), None)]
    else:
        sources = [(path, None, None)]
    total = sum(_count(p, kind, table) for p, table, _ in sources)
    if total > max_features:
        raise GisFileError(
            f"Die Datei enthält {total} Objekte; höchstens {max_features} lassen sich auf "
            "einmal einlesen."
        )
    tables, geometries, names = [], [], set()
    for source, table, encoding in sources:
        data = _read(source, kind, table, encoding)
        if data.crs is None:
            names.add(None)
        else:
            names.add(_crs_name(data.crs))
            problem = upload_crs_problem(data.crs)
            if problem:
                raise GisFileError(problem)
            data = data.to_crs(WGS84)
        tables.append(pd.DataFrame(data.drop(columns=data.geometry.name)))
        geometries.extend(shapely.force_2d(data.geometry.array))
    attributes = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    # Without a CRS in every part the coordinates mean nothing certain: no CRS at all.
    known = None not in names
    frame = gpd.GeoDataFrame(
        attributes.reset_index(drop=True),
        geometry=gpd.GeoSeries(geometries, crs=WGS84 if known else None),
    )
    return UploadedLayer(
        frame=frame,
        source_crs=", ".join(sorted(names)) if known else None,
        from_shapefile=kind == "shp",
    )
