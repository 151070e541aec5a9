"""Reading a layer that a planner uploads: GeoPackage, GeoJSON or a zipped Shapefile.

The result is a GeoDataFrame in EPSG:4326 with the file's columns, or a ``GisFileError``
with a German message that says what is wrong with the file as a whole (damaged, wrong
zip contents, too large, attributes not in UTF-8). Problems of single features are the
business of ``measures.gis.importing``.

An upload is opened only as what its name says. GDAL picks a driver by a file's bytes,
so an OGR VRT named ``x.geojson`` would otherwise be opened by the VRT driver and read any
file the server can read, or fetch any URL. Hence:

- a GeoPackage and a GeoJSON file are opened through the ``GPKG:`` and ``GeoJSON:``
  prefixes, which leave GDAL no other driver;
- a Shapefile has no such prefix: its ``.shp`` and ``.shx`` must start with the Shapefile
  magic number, which no other driver claims, and only Shapefile parts leave the zip;
- a GeoJSON file is parsed here first (strictly, after a cheap count of its positions),
  and a ``crs`` member may only name a CRS: GDAL fetches the URL of a ``link`` CRS;
- a GeoPackage layer must be a table: a view runs SQL of the file's author;
- the limits are checked on what was read, never on a count the file states (a VRT
  states −1).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj.exceptions import ProjError

from measures.domain.crs import upload_crs_problem
from measures.domain.messages import Count, Message
from measures.domain.vocabulary import N_
from measures.gis.formats import WGS84
from measures.gis.upload_errors import GisFileError
from measures.gis.upload_zip import sibling, unpack_shapefiles

SUFFIXES = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".zip": "shp"}
SQLITE_MAGIC = b"SQLite format 3\x00"
# Every GeoJSON position is an array that starts with a number; nothing else in valid
# JSON matches outside strings, so this counts at least every position.
_POSITION = re.compile(rb"\[[ \t\r\n]*-?[0-9]")
# The CRS names GDAL resolves without the network or the file system.
_CRS_NAME = re.compile(
    r"^(EPSG:[0-9]+|urn:ogc:def:crs:EPSG:[0-9.]*:[0-9]+|urn:ogc:def:crs:OGC:1\.3:CRS84)$"
)


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


@dataclass(frozen=True)
class ImportLimits:
    """What one upload may hold (the app's ``IMPORT_MAX_*`` settings)."""

    features: int
    vertices_per_feature: int
    vertices: int
    unpacked_bytes: int


@dataclass(frozen=True)
class UploadedLayer:
    """The features of an uploaded file, reprojected to EPSG:4326 where the file says how."""

    frame: gpd.GeoDataFrame
    # The file's CRS as "EPSG:25832" or its name; None when the file names none.
    source_crs: str | None
    from_shapefile: bool
    # The file had heights (Z), which the map does not keep.
    heights_dropped: bool = False


def upload_kind(filename: str) -> str:
    """``gpkg``, ``geojson`` or ``shp`` by the file's ending; else GisFileError."""
    kind = SUFFIXES.get(PurePosixPath(filename.lower()).suffix)
    if kind is None:
        raise GisFileError(
            N_(
                "Bitte eine GeoPackage-Datei (.gpkg), eine GeoJSON-Datei (.geojson) oder ein "
                "Shapefile als ZIP-Datei (.zip) hochladen."
            )
        )
    return kind


def _damaged(kind: str) -> GisFileError:
    names = {"gpkg": "GeoPackage", "geojson": "GeoJSON", "shp": "Shapefile"}
    return GisFileError(
        Message(
            N_(
                "Die Datei lässt sich nicht als %(format)s lesen; sie ist beschädigt oder hat "
                "ein anderes Format."
            ),
            format=names[kind],
        )
    )


def _not_utf8() -> GisFileError:
    return GisFileError(
        N_(
            "Die Attribute der Datei sind nicht UTF-8-kodiert. Bitte als UTF-8 speichern "
            "(QGIS: Exportieren → Kodierung UTF-8)."
        )
    )


def _too_many_vertices(count: int, limit: int) -> GisFileError:
    return GisFileError(
        Message(
            N_(
                "Die Datei enthält %(count)s Stützpunkte; höchstens %(limit)s lassen sich auf "
                "einmal einlesen. Bitte die Geometrien vereinfachen (QGIS: Vektor → "
                "Geometrie-Werkzeuge → Vereinfachen) oder die Datei aufteilen."
            ),
            count=Count(count),
            limit=Count(limit),
        )
    )


# -- GeoPackage -------------------------------------------------------------------------------


def _gpkg_table(path: Path) -> str:
    """The one layer with geometries; else a GisFileError that names what the file holds."""
    with path.open("rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise _damaged("gpkg")
    try:
        with _gdal_warnings_logged():
            listed = pyogrio.list_layers(f"GPKG:{path}")
    except DataSourceError:
        raise _damaged("gpkg") from None
    # Tables without geometry (QGIS keeps its styles in "layer_styles") are no layer to import.
    names = [str(name) for name, geometry_type in listed if geometry_type is not None]
    if not names:
        raise GisFileError(
            N_("Die GeoPackage-Datei enthält keine Ebene mit Geometrien (Punkten oder Flächen).")
        )
    if len(names) > 1:
        raise GisFileError(
            Message(
                N_(
                    "Die GeoPackage-Datei enthält %(count)s Ebenen (%(names)s). Bitte nur die "
                    "eine Ebene hochladen, die übernommen werden soll (QGIS: Rechtsklick auf "
                    "die Ebene → Exportieren → Objekte speichern als … → GeoPackage)."
                ),
                count=len(names),
                names=", ".join(names),
            )
        )
    if _is_view(path, names[0]):
        raise GisFileError(
            Message(
                N_(
                    "Die Ebene „%(name)s“ ist eine Abfrage (View), keine Tabelle. Bitte die "
                    "Ebene als Tabelle speichern (QGIS: Exportieren → Objekte speichern als …)."
                ),
                name=names[0],
            )
        )
    return names[0]


def _is_view(path: Path, table: str) -> bool:
    """Whether ``table`` is an SQL view, read from the schema without running any of it."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            row = connection.execute(
                "SELECT type FROM sqlite_master WHERE name = ?", (table,)
            ).fetchone()
    except sqlite3.Error:
        raise _damaged("gpkg") from None
    return row is None or row[0] != "table"


# -- GeoJSON ----------------------------------------------------------------------------------


def _check_geojson(path: Path, limits: ImportLimits) -> None:
    """Refuse what GDAL should not see: too many positions, no JSON, CRS references.
    Whole numbers too long for GDAL are written as text (``_whole_number``)."""
    content = path.read_bytes()
    # Counted before parsing: the parsers keep every number as an object.
    positions = sum(1 for _ in _POSITION.finditer(content))
    if positions > limits.vertices:
        raise _too_many_vertices(positions, limits.vertices)
    long_numbers: list[str] = []
    try:
        document = json.loads(content, parse_int=partial(_whole_number, long_numbers))
    except UnicodeDecodeError:
        raise _not_utf8() from None
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        raise _damaged("geojson") from None
    if not isinstance(document, dict):
        raise _damaged("geojson")
    for crs in _crs_members(document):
        properties = crs.get("properties") if isinstance(crs, dict) else None
        name = properties.get("name") if isinstance(properties, dict) else None
        if not (
            isinstance(crs, dict)
            and crs.get("type") == "name"
            and isinstance(name, str)
            and _CRS_NAME.match(name)
        ):
            raise GisFileError(
                N_(
                    "Die GeoJSON-Datei nennt ihr Koordinatensystem über einen Verweis. Bitte "
                    "ohne „crs“-Angabe in Länge/Breite (EPSG:4326) speichern, wie es RFC 7946 "
                    "vorsieht."
                )
            )
    if long_numbers:
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


# The most digits that every whole number of 64 bits has room for.
_INT64_DIGITS = 18


def _whole_number(found: list[str], text: str) -> int | str:
    """A whole number of the file; one with more digits than GDAL reads (it refuses the
    whole file at one past 64 bits) or Python converts (4,300) stays text, noted in
    ``found``: a bad value of its feature, named in the preview like any other."""
    if len(text.removeprefix("-")) <= _INT64_DIGITS:
        return int(text)
    found.append(text)
    return text


def _crs_members(document) -> Iterator:
    """Every ``crs`` member in the document, at any depth (coordinates skipped).

    Walked with a list rather than by recursion: a document nested nearly as deep as the
    JSON parser allows would otherwise exceed Python's recursion limit here.
    """
    waiting = [document]
    while waiting:
        value = waiting.pop()
        if isinstance(value, dict):
            for key, member in value.items():
                if key == "crs":
                    yield member
                elif key != "coordinates":
                    waiting.append(member)
        elif isinstance(value, list):
            waiting.extend(value)


# -- reading ----------------------------------------------------------------------------------


def _read(source: Source, kind: str, limits: ImportLimits) -> gpd.GeoDataFrame:
    try:
        with _gdal_warnings_logged():
            # One feature more than allowed: enough to know the file has too many.
            data = pyogrio.read_dataframe(
                source.name,
                layer=source.table,
                encoding=source.encoding,
                max_features=limits.features + 1,
            )
    except UnicodeDecodeError:
        raise _not_utf8() from None
    except (DataSourceError, DataLayerError):
        raise _damaged(kind) from None
    if not isinstance(data, gpd.GeoDataFrame):
        raise GisFileError(
            N_(
                "Die Datei enthält keine Geometrien (keine Geometriespalte). Bitte eine Ebene "
                "mit Punkten oder Flächen hochladen."
            )
        )
    return data


def _check_text(data: pd.DataFrame) -> None:
    """Refuse UTF-8 text read as Latin-1: a ``.cpg`` that names the wrong encoding.

    "Straße" saved as UTF-8 and read as Latin-1 becomes "StraÃŸe"; encoded back it decodes
    as UTF-8, which real Latin-1 text with umlauts never does.
    """
    for column in data.columns:
        for value in data[column]:
            if isinstance(value, str) and not value.isascii():
                try:
                    restored = value.encode("cp1252").decode("utf-8")
                except UnicodeError:
                    continue
                if restored != value:
                    raise GisFileError(
                        Message(
                            N_(
                                "Die Texte der Datei sind falsch kodiert („%(text)s“): die "
                                ".cpg-Datei nennt eine andere Kodierung als die, in der die "
                                "Texte gespeichert sind. Bitte als UTF-8 speichern (QGIS: "
                                "Exportieren → Kodierung UTF-8)."
                            ),
                            text=value[:40],
                        )
                    )


def _check_limits(count: int, geometries, limits: ImportLimits) -> None:
    if count > limits.features:
        raise GisFileError(
            Message(
                N_(
                    "Die Datei enthält mehr als %(limit)s Objekte; höchstens %(limit)s lassen "
                    "sich auf einmal einlesen."
                ),
                limit=Count(limits.features),
            )
        )
    vertices = shapely.get_num_coordinates(geometries)
    if len(vertices) and vertices.max() > limits.vertices_per_feature:
        index = int(vertices.argmax())
        raise GisFileError(
            Message(
                N_(
                    "Objekt Nr. %(number)s der Datei hat %(count)s Stützpunkte; höchstens "
                    "%(limit)s je Objekt sind möglich. Bitte die Geometrie vereinfachen "
                    "(QGIS: Vektor → Geometrie-Werkzeuge → Vereinfachen)."
                ),
                number=index + 1,
                count=Count(int(vertices[index])),
                limit=Count(limits.vertices_per_feature),
            )
        )
    if vertices.sum() > limits.vertices:
        raise _too_many_vertices(int(vertices.sum()), limits.vertices)


def _crs_name(crs) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


@dataclass(frozen=True)
class Source:
    """What GDAL opens: a name that leaves it one driver, the table, the text encoding."""

    name: str
    table: str | None = None
    encoding: str | None = None


def _sources(path: Path, kind: str, workdir: Path, limits: ImportLimits) -> list[Source]:
    """The parts of the upload for GDAL, after the checks that come before GDAL."""
    if kind == "shp":
        shapes = unpack_shapefiles(path, workdir / "shp", limits.unpacked_bytes)
        # Without a .cpg GDAL would guess Latin-1; our exports and QGIS write UTF-8.
        return [Source(str(p), None, None if sibling(p, ".cpg") else "UTF-8") for p in shapes]
    if kind == "gpkg":
        return [Source(f"GPKG:{path}", _gpkg_table(path))]
    _check_geojson(path, limits)
    return [Source(f"GeoJSON:{path}")]


def read_upload(path: Path, kind: str, workdir: Path, limits: ImportLimits) -> UploadedLayer:
    """Read the uploaded file at ``path`` of ``kind`` (see ``upload_kind``)."""
    tables, geometries, names = [], [], set()
    count = 0
    for source in _sources(path, kind, workdir, limits):
        data = _read(source, kind, limits)
        count += len(data)
        if kind == "shp":
            _check_text(data)
        if data.crs is None:
            names.add(None)
        else:
            names.add(_crs_name(data.crs))
            problem = upload_crs_problem(data.crs)
            if problem:
                raise GisFileError(problem)
            try:
                data = data.to_crs(WGS84)
            except ProjError:
                # upload_crs_problem should have said why; never a 500 if it did not.
                raise GisFileError(
                    Message(
                        N_(
                            "Die Koordinaten der Datei (%(crs)s) lassen sich nicht in "
                            "Länge/Breite umrechnen. Bitte die Datei in ETRS89 / UTM 32N "
                            "(EPSG:25832) speichern."
                        ),
                        crs=_crs_name(data.crs),
                    )
                ) from None
        tables.append(pd.DataFrame(data.drop(columns=data.geometry.name)))
        geometries.extend(data.geometry.array)
    _check_limits(count, geometries, limits)
    heights = bool(shapely.has_z(geometries).any()) if geometries else False
    attributes = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    # Without a CRS in every part the coordinates mean nothing certain: no CRS at all.
    known = None not in names
    frame = gpd.GeoDataFrame(
        attributes.reset_index(drop=True),
        geometry=gpd.GeoSeries(shapely.force_2d(geometries), crs=WGS84 if known else None),
    )
    return UploadedLayer(
        frame=frame,
        source_crs=", ".join(sorted(names)) if known else None,
        from_shapefile=kind == "shp",
        heights_dropped=heights,
    )
