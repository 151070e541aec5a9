"""Reading a coordinate reference system that a person names: one parser for the service.

Two vocabularies name a CRS here: the OGC API lists its CRS by URI (Part 2) and accepts
only those; the GIS export takes any EPSG code, written ``25832`` or ``EPSG:25832``. Both
end in the same check: pyproj must know the CRS, it must be horizontal, and it must be
able to express Dalheim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from measures.domain.errors import QueryError

# Lon/lat on WGS 84: how geometries are stored and how the read API takes a bbox.
LONLAT = "OGC:CRS84"
# A point in Dalheim: a CRS that cannot express it is of no use for this map.
DALHEIM = (8.474, 50.566)


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
