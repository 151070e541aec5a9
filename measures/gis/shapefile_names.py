"""Shapefile field names: dBASE allows ten characters, our columns are longer.

One fixed table, derived from the layers' declarations (``measures.domain.model``), maps
every column of our exports that is longer than ten characters to a short name; shorter
names stay as they are. The table is the documentation (README, and ``feldnamen.txt`` in
every Shapefile zip) and it maps back on import, so a layer edited in QGIS returns with its
full column names. A test checks that the short names are unique,
fit into ten characters and cover every exported column.

A Shapefile that QGIS or ogr2ogr wrote from one of our GeoPackage or GeoJSON exports has
GDAL's names instead: the first ten characters, a clash numbered ``_1`` to ``_9`` after
eight. These map back too (``GDAL_NAMES``), in the column order of our exports.
"""

from __future__ import annotations

from collections.abc import Iterable

from measures.domain.layers import LAYERS
from measures.gis import attributes

MAX_LENGTH = 10

# Every column of every layer, as each layer declares it, and the author's name, which
# only the planners' export of ideas carries.
SHORT_NAMES: dict[str, str] = {
    **{
        column.name: column.shapefile
        for layer in LAYERS.values()
        for column in layer.columns("planner")
        if column.shapefile != column.name
    },
    "author_name": "author",
}


def _gdal_names(columns: Iterable[str]) -> dict[str, str]:
    """GDAL's Shapefile name (lower case) → column, as its Shapefile driver names fields.

    dBASE compares names without case; GDAL cuts a long name to ten characters and, where
    that name is taken, tries the first eight characters with ``_1`` … ``_9``, then the
    first eight with ``10`` … ``99`` (``OGRShapeLayer::CreateField``).
    """
    taken: dict[str, str] = {}
    for column in columns:
        name = column[:MAX_LENGTH].lower()
        number = 1
        while name in taken and number < 10:
            name = f"{column[:8]}_{number}".lower()
            number += 1
        while name in taken and number < 100:
            name = f"{column[:8]}{number:02d}".lower()
            number += 1
        taken[name] = column
    return {name: column for name, column in taken.items() if name != column}


# The attribute columns of each export, in their order (GDAL numbers clashes in it).
_EXPORTS = [
    *(attributes.columns_of(name, "planner") for name in LAYERS if name != "ideas"),
    {**attributes.PLANNER_IDEA_COLUMNS, **attributes.CONTACT_COLUMNS},
]


def _merged(tables: Iterable[dict[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for table in tables:
        for short, long in table.items():
            if merged.setdefault(short, long) != long:
                raise ValueError(
                    f"Shapefile name {short!r} stands for {long!r} and {merged[short]!r}"
                )
    return merged


# One table for both kinds of name; a name standing for two columns fails at import time.
GDAL_NAMES: dict[str, str] = _merged(_gdal_names(columns) for columns in _EXPORTS)
LONG_NAMES: dict[str, str] = _merged(
    [{short: long for long, short in SHORT_NAMES.items()}, GDAL_NAMES]
)


def short_name(column: str) -> str:
    """The Shapefile name of ``column``; a long column missing from the table is a bug."""
    if len(column) <= MAX_LENGTH:
        return column
    return SHORT_NAMES[column]


def long_name(field: str) -> str:
    """The full column name of a field read from a Shapefile (or any file): ours or GDAL's."""
    return LONG_NAMES.get(field.lower(), field)


def mapping_text(columns: Iterable[str]) -> str:
    """The mapping of the given columns as a small text file for the Shapefile zip."""
    lines = [
        "Feldnamen dieses Shapefiles (dBASE erlaubt höchstens 10 Zeichen)",
        "Kurzname\tvollständiger Name",
    ]
    lines += [f"{short_name(c)}\t{c}" for c in columns if short_name(c) != c]
    return "\n".join(lines) + "\n"
