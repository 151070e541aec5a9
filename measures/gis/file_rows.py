"""A row of an uploaded layer as the properties of a feature: typed as our columns are,
nested values parsed back from JSON text, Shapefile names mapped back to ours.

The dry run (``measures.gis.importing``) compares what this gives with the stored records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from measures.domain.messages import Message
from measures.domain.vocabulary import N_
from measures.gis import attributes, shapefile_names
from measures.gis.writers import shapefile_text

# About 1 cm in Dalheim; RFC 7946 GeoJSON rounds to 7 decimals (at most 0.5e-7).
GEOMETRY_TOLERANCE_DEG = 1e-7
# Booleans as spreadsheets, dBASE ("T"/"F") and people write them.
TRUE_WORDS = {"true", "t", "wahr", "ja", "j", "1", "yes", "y"}
FALSE_WORDS = {"false", "f", "falsch", "nein", "n", "0", "no", ""}


def plain(value: Any) -> Any:
    """A Python value for a cell: None for every kind of missing, no numpy scalars."""
    if isinstance(value, list | dict):
        return value
    if isinstance(value, np.ndarray):  # a list field (GDAL's IntegerList, StringList)
        return value.tolist()
    if value is None or pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def as_kind(value: Any, kind: str) -> Any:
    """The value as the column's kind where that is unambiguous; else as it is."""
    if value is None:
        return None
    if kind == "str" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if kind == "int" and isinstance(value, str) and _integer_text(value.strip()):
        return int(value.strip())
    if kind == "float" and isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return value
    if kind == "bool" and not isinstance(value, bool):
        word = str(value).strip().lower()
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return value


def _integer_text(text: str) -> bool:
    """Whether ``int(text)`` gives the number a person wrote: ASCII digits, a sign, short.

    "²".isdigit() is true but int("²") fails, and int() of thousands of digits raises:
    such a cell stays text, and the field's check says it is no whole number.
    """
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) <= 18


def _nested(value: Any, field: str, problems: list[str]) -> Any:
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        # JSONDecodeError, or the plain ValueError of a number past Python's 4,300 digits.
        except ValueError:
            pass
    example = (
        '[{"title": "…", "url": "https://…"}]'
        if field == "sources"
        else ('[{"status": "idee", "date": "2024", "note": ""}]')
    )
    problems.append(
        Message(
            N_("%(field)s: ist keine gültige JSON-Liste (Beispiel: %(example)s)."),
            field=field,
            example=example,
        )
    )
    return None


def single_part(geometry: BaseGeometry | None) -> BaseGeometry | None:
    if geometry is not None and geometry.geom_type.startswith("Multi"):
        parts = shapely.get_parts(geometry)
        if len(parts) == 1:
            return parts[0]
    return geometry


def same_geometry(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Equal within ``GEOMETRY_TOLERANCE_DEG`` whatever the ring order and orientation."""
    if a.geom_type != b.geom_type:
        return False
    return bool(
        shapely.equals_exact(
            shapely.normalize(a), shapely.normalize(b), tolerance=GEOMETRY_TOLERANCE_DEG
        )
    )


def feature_properties(
    raw: Mapping[str, Any],
    columns: Mapping[str, str],
    stored_flat: Mapping[str, Any] | None,
    from_shapefile: bool,
    problems: list[str],
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, kind in columns.items():
        if name not in raw:
            # A column the planner left out keeps the stored value.
            value = stored_flat.get(name) if stored_flat else None
        else:
            value = plain(raw[name])
            if (
                from_shapefile
                and stored_flat is not None
                and isinstance(stored_flat.get(name), str)
                and isinstance(value, str)
                # dBASE also drops trailing spaces, so a cut may end one character short.
                and value.rstrip() == shapefile_text(stored_flat[name]).rstrip()
            ):
                value = stored_flat[name]
        if name in attributes.NESTED:
            value = _nested(value, name, problems)
        else:
            value = as_kind(value, kind)
        if value is not None:
            properties[name] = value
    return properties


def column_names(frame_columns) -> dict[str, str]:
    """File column → full name; a full name in the file wins over a short one."""
    present = set(frame_columns)
    names = {}
    for column in frame_columns:
        full = shapefile_names.long_name(column)
        names[column] = column if full in present and full != column else full
    return names
