"""Reading a coordinate reference system that a person names: one parser for the service.

Two vocabularies name a CRS here: the OGC API lists its CRS by URI (Part 2) and accepts
only those; the GIS export takes any EPSG code, written ``25832`` or ``EPSG:25832``. Both
end in the same check: pyproj must know the CRS, it must be horizontal, and it must be
able to express Dalheim.

A third vocabulary comes with uploaded files: whatever CRS the file declares. Such a CRS
must have Dalheim in its area of use, and PROJ must have what its best transformation to
lon/lat needs (``upload_crs_problem``).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pyproj.datadir
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from measures.domain.errors import QueryError

# Lon/lat on WGS 84: how geometries are stored and how the read API takes a bbox.
LONLAT = "OGC:CRS84"
# A point in Dalheim: a CRS that cannot express it is of no use for this map.
DALHEIM = (8.474, 50.566)
# The Quartier's extent in lon/lat (geodata/quartier.geojson): a file's CRS must cover it.
QUARTIER_BOUNDS = (8.463, 50.5585, 8.4855, 50.5715)

# PROJ's transformation grids as Debian's package proj-data installs them (it comes with
# gdal-bin; .ci/run names it). Among them is BETA2007.gsb, the AdV's grid from DHDN (the
# old Gauss-Krüger CRSs of Hesse) to ETRS89: without it PROJ falls back to a
# seven-parameter shift that is about a metre off in Dalheim. PROJ's network, which would
# fetch grids at run time, stays off.
SYSTEM_GRIDS = Path("/usr/share/proj")


def use_system_grids() -> None:
    """Let pyproj's PROJ find the grids of proj-data, after its own data directory.

    pyproj's own directory stays first: its ``proj.db`` belongs to its PROJ version.
    """
    if not SYSTEM_GRIDS.is_dir():
        return
    if str(SYSTEM_GRIDS) not in pyproj.datadir.get_data_dir().split(os.pathsep):
        pyproj.datadir.append_data_dir(str(SYSTEM_GRIDS))


# Before any transformation of this process: every reprojection in ``measures`` (uploads,
# exports, the OGC API, the geofence) imports this module first.
use_system_grids()


def parse_crs(text: str, parameter: str = "crs", offered: Mapping[str, str] | None = None) -> str:
    """The code pyproj knows the CRS of ``text`` by (``EPSG:25832``); else QueryError.

    ``offered`` maps the names a protocol lists to those codes (the OGC API's URIs): then
    only these names count. Without it ``text`` is an EPSG code, ``25832`` or ``EPSG:25832``.
    """
    if offered is not None:
        if text not in offered:
            raise QueryError(
                parameter,
                f"Das Koordinatensystem '{text}' in '{parameter}' wird nicht unterstützt. "
                f"Möglich sind: {', '.join(offered)}.",
            )
        code = offered[text]
    else:
        digits = text[5:] if text.upper().startswith("EPSG:") else text
        # isascii: "²".isdigit() is true, but no EPSG code.
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 6:
            raise QueryError(
                parameter,
                f"'{parameter}' muss ein EPSG-Code sein wie 25832 (ETRS89 / UTM 32N) oder 4326, "
                f"nicht '{text}'.",
            )
        code = f"EPSG:{int(digits)}"
    _check(code, parameter)
    return code


def epsg_number(code: str) -> int:
    """25832 for ``EPSG:25832``."""
    return int(code.removeprefix("EPSG:"))


@lru_cache(maxsize=64)
def _check(code: str, parameter: str) -> None:
    """Nothing when ``code`` is a horizontal CRS that can express Dalheim; else QueryError."""
    crs = _crs(code, parameter)
    if not (crs.is_geographic or crs.is_projected) or crs.is_vertical:
        raise QueryError(
            parameter, f"{code} ({crs.name}) ist kein Koordinatensystem für Lagekoordinaten."
        )
    x, y = Transformer.from_crs(LONLAT, crs, always_xy=True).transform(*DALHEIM)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise QueryError(parameter, f"{code} ({crs.name}) deckt Dalheim nicht ab.")


@lru_cache(maxsize=64)
def _crs(code: str, parameter: str = "crs") -> CRS:
    try:
        return CRS.from_user_input(code)
    except CRSError:
        raise QueryError(
            parameter,
            f"Das Koordinatensystem {code} ist unbekannt. Üblich sind 25832 "
            "(ETRS89 / UTM 32N) und 4326 (WGS 84, Länge/Breite).",
        ) from None


def is_geographic(code: str) -> bool:
    return _crs(code).is_geographic


def north_first(code: str) -> bool:
    """Whether the CRS's official axis order puts northing (latitude) first, as EPSG:4326."""
    return _crs(code).axis_info[0].direction.lower() == "north"


@lru_cache(maxsize=8)
def _to_lonlat(code: str) -> Transformer:
    return Transformer.from_crs(code, LONLAT, always_xy=True)


def bounds_to_lonlat(
    code: str, bounds: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Easting/northing bounds in ``code`` → lon/lat bounds that enclose all of the box.

    A box in a projected CRS is curved in lon/lat; densified bounds enclose all of it.
    """
    return _to_lonlat(code).transform_bounds(*bounds, densify_pts=21)


def _area_of_use(crs: CRS) -> tuple[float, float, float, float] | None:
    """West, south, east, north in degrees; an unnamed CRS (a .prj) by its EPSG twin."""
    area = crs.area_of_use
    if area is None:
        epsg = crs.to_epsg(min_confidence=70)
        area = CRS.from_epsg(epsg).area_of_use if epsg else None
    return area.bounds if area is not None else None


def _missing_grids(crs: CRS) -> list[str]:
    """The grids that the best transformation of ``crs`` to lon/lat needs and PROJ lacks."""
    with warnings.catch_warnings():
        # pyproj warns about the missing grid; the caller says it in plain words.
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup(crs, LONLAT, always_xy=True)
    if group.best_available:
        return []
    return sorted(
        {
            g.short_name
            for op in group.unavailable_operations[:1]
            for g in op.grids
            if not g.available
        }
    )


@lru_cache(maxsize=32)
def _upload_crs_problem(wkt: str, bounds: tuple[float, float, float, float]) -> str | None:
    crs = CRS.from_wkt(wkt)
    name = f"EPSG:{crs.to_epsg()} ({crs.name})" if crs.to_epsg() else crs.name
    area = _area_of_use(crs)
    west, south, east, north = bounds
    if area is not None and not (
        area[0] <= west and area[1] <= south and east <= area[2] and north <= area[3]
    ):
        return (
            f"Das Koordinatensystem der Datei, {name}, gilt nicht für Dalheim (sein "
            f"Gültigkeitsbereich: {area[0]:g}° bis {area[2]:g}° Länge, {area[1]:g}° bis "
            f"{area[3]:g}° Breite); die Koordinaten lägen anderswo. Bitte die Datei in "
            "ETRS89 / UTM 32N (EPSG:25832) speichern oder das richtige Koordinatensystem "
            "zuweisen."
        )
    missing = _missing_grids(crs)
    if missing:
        return (
            f"Für das Koordinatensystem der Datei, {name}, fehlt auf dem Server das "
            f"Korrekturgitter ({', '.join(missing)}); ohne es lägen die Objekte bis zu "
            "einem Meter daneben. Bitte die Datei in ETRS89 / UTM 32N (EPSG:25832) speichern."
        )
    return None


def upload_crs_problem(
    crs: CRS, bounds: tuple[float, float, float, float] = QUARTIER_BOUNDS
) -> str | None:
    """Why the features of a file in ``crs`` cannot be placed in the Quartier; else None.

    A CRS whose area of use misses ``bounds`` (lon/lat) gives coordinates elsewhere on
    earth, and one whose best transformation needs a grid that is not installed shifts
    everything without saying so: both are refused, in German.
    """
    return _upload_crs_problem(crs.to_wkt(), tuple(bounds))
