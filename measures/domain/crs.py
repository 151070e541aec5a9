"""Reading a coordinate reference system that a person names: one parser for the service.

Two vocabularies name a CRS here: the OGC API lists its CRS by URI (Part 2) and accepts
only those; the GIS export takes any EPSG code, written ``25832`` or ``EPSG:25832``. Both
end in the same check: pyproj must know the CRS, and it must be horizontal.

A third vocabulary comes with uploaded files: whatever CRS the file declares
(``upload_crs_problem``).

Whether written or read, one rule then holds (``_unusable``): the CRS has a place on
earth, Dalheim lies in its area of use, and PROJ has what its best transformation to
lon/lat needs.
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
from measures.domain.messages import Message
from measures.domain.vocabulary import N_

# Lon/lat on WGS 84: how geometries are stored and how the read API takes a bbox.
LONLAT = "OGC:CRS84"
# A point in Dalheim: a CRS that cannot express it is of no use for this map.
DALHEIM = (8.474, 50.566)
# The Quartier's extent in lon/lat (geodata/dalheim/quartier.geojson): a file's CRS must cover it.
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
                Message(
                    N_(
                        "Das Koordinatensystem '%(text)s' in '%(parameter)s' wird nicht "
                        "unterstützt. Möglich sind: %(offered)s."
                    ),
                    text=text,
                    parameter=parameter,
                    offered=", ".join(offered),
                ),
            )
        code = offered[text]
    else:
        digits = text[5:] if text.upper().startswith("EPSG:") else text
        # isascii: "²".isdigit() is true, but no EPSG code.
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 6:
            raise QueryError(
                parameter,
                Message(
                    N_(
                        "'%(parameter)s' muss ein EPSG-Code sein wie 25832 (ETRS89 / UTM 32N) "
                        "oder 4326, nicht '%(text)s'."
                    ),
                    parameter=parameter,
                    text=text,
                ),
            )
        code = f"EPSG:{int(digits)}"
    _check(code, parameter)
    return code


def epsg_number(code: str) -> int:
    """25832 for ``EPSG:25832``."""
    return int(code.removeprefix("EPSG:"))


# The sentence that ends a refusal: what to take instead.
USUAL_CRS = N_("Üblich sind 25832 (ETRS89 / UTM 32N) und 4326 (WGS 84, Länge/Breite).")


@lru_cache(maxsize=64)
def _check(code: str, parameter: str) -> None:
    """Nothing when ``code`` is a horizontal CRS that can express Dalheim; else QueryError."""
    crs = _crs(code, parameter)
    if not (crs.is_geographic or crs.is_projected) or crs.is_vertical:
        raise QueryError(
            parameter,
            Message(
                N_("%(code)s (%(name)s) ist kein Koordinatensystem für Lagekoordinaten."),
                code=code,
                name=crs.name,
            ),
        )
    x, y = Transformer.from_crs(LONLAT, crs, always_xy=True).transform(*DALHEIM)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise QueryError(
            parameter,
            Message(N_("%(code)s (%(name)s) deckt Dalheim nicht ab."), code=code, name=crs.name),
        )
    # A CRS made for elsewhere (UTM 17N, Gauss-Krüger zone 2) still gives finite numbers
    # for Dalheim, but they mean nothing in a GIS: the export would land somewhere else;
    # one whose grid is missing would move everything without a word.
    problem = _unusable(crs, QUARTIER_BOUNDS)
    if problem is None:
        return
    reason, detail = problem
    if reason == AREA:
        template = N_("%(code)s (%(name)s) gilt nicht für Dalheim (%(detail)s). %(usual)s")
    elif reason == GRID:
        template = N_(
            "Für %(code)s (%(name)s) fehlt auf dem Server das Korrekturgitter (%(detail)s); "
            "ohne es lägen die Koordinaten daneben. %(usual)s"
        )
    else:
        template = N_("%(code)s (%(name)s) lässt sich nicht aus Länge/Breite umrechnen. %(usual)s")
    raise QueryError(
        parameter,
        Message(template, code=code, name=crs.name, detail=detail, usual=Message(USUAL_CRS)),
    )


@lru_cache(maxsize=64)
def _crs(code: str, parameter: str = "crs") -> CRS:
    try:
        return CRS.from_user_input(code)
    except CRSError:
        raise QueryError(
            parameter,
            Message(
                N_("Das Koordinatensystem %(code)s ist unbekannt. %(usual)s"),
                code=code,
                usual=Message(USUAL_CRS),
            ),
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


def _transformations(crs: CRS) -> int:
    """How many ways PROJ knows from ``crs`` to lon/lat, grids missing or not."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup(crs, LONLAT, always_xy=True)
    return len(group.transformers) + len(group.unavailable_operations)


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


def _area_missing(
    crs: CRS, bounds: tuple[float, float, float, float]
) -> tuple[float, float, float, float] | None:
    """The area of use of ``crs`` when it does not hold ``bounds`` (lon/lat); else None."""
    area = _area_of_use(crs)
    west, south, east, north = bounds
    if area is not None and not (
        area[0] <= west and area[1] <= south and east <= area[2] and north <= area[3]
    ):
        return area
    return None


def _area_text(area: tuple[float, float, float, float]) -> Message:
    return Message(
        N_(
            "sein Gültigkeitsbereich: %(west)s° bis %(east)s° Länge, "
            "%(south)s° bis %(north)s° Breite"
        ),
        west=f"{area[0]:g}",
        east=f"{area[2]:g}",
        south=f"{area[1]:g}",
        north=f"{area[3]:g}",
    )


# Why a CRS cannot express the Quartier (``_unusable``).
LOCAL, AREA, GRID = "local", "area", "grid"


def _unusable(crs: CRS, bounds: tuple[float, float, float, float]) -> tuple[str, str] | None:
    """Why coordinates in ``crs`` cannot stand for places within ``bounds`` (lon/lat), and
    the detail to name: LOCAL (no way to lon/lat), AREA (its area of use, as text) or GRID
    (the grids that PROJ lacks); None when they can."""
    if not (crs.is_geographic or crs.is_projected) or not _transformations(crs):
        # A local grid (a building site's, LOCAL_CS) has no place on earth.
        return LOCAL, ""
    area = _area_missing(crs, bounds)
    if area is not None:
        return AREA, _area_text(area)
    missing = _missing_grids(crs)
    if missing:
        return GRID, ", ".join(missing)
    return None


@lru_cache(maxsize=32)
def _upload_crs_problem(wkt: str, bounds: tuple[float, float, float, float]) -> Message | None:
    crs = CRS.from_wkt(wkt)
    name = f"EPSG:{crs.to_epsg()} ({crs.name})" if crs.to_epsg() else crs.name
    problem = _unusable(crs, bounds)
    if problem is None:
        return None
    reason, detail = problem
    if reason == LOCAL:
        template = N_(
            "Das Koordinatensystem der Datei, %(name)s, lässt sich nicht in Länge/Breite "
            "umrechnen (etwa ein örtliches Raster ohne Bezug zur Erde). Bitte die Datei in "
            "ETRS89 / UTM 32N (EPSG:25832) speichern oder das richtige Koordinatensystem "
            "zuweisen."
        )
    elif reason == AREA:
        template = N_(
            "Das Koordinatensystem der Datei, %(name)s, gilt nicht für Dalheim "
            "(%(detail)s); die Koordinaten lägen anderswo. Bitte die Datei in "
            "ETRS89 / UTM 32N (EPSG:25832) speichern oder das richtige Koordinatensystem "
            "zuweisen."
        )
    else:
        template = N_(
            "Für das Koordinatensystem der Datei, %(name)s, fehlt auf dem Server das "
            "Korrekturgitter (%(detail)s); ohne es lägen die Objekte bis zu "
            "einem Meter daneben. Bitte die Datei in ETRS89 / UTM 32N (EPSG:25832) speichern."
        )
    return Message(template, name=name, detail=detail)


def upload_crs_problem(
    crs: CRS, bounds: tuple[float, float, float, float] = QUARTIER_BOUNDS
) -> Message | None:
    """Why the features of a file in ``crs`` cannot be placed in the Quartier; else None.

    A CRS whose area of use misses ``bounds`` (lon/lat) gives coordinates elsewhere on
    earth, and one whose best transformation needs a grid that is not installed shifts
    everything without saying so: both are refused, in German.
    """
    return _upload_crs_problem(crs.to_wkt(), tuple(bounds))
