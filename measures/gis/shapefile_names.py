"""Shapefile field names: dBASE allows ten characters, our columns are longer.

One fixed table, derived from the layers' declarations (``measures.domain.model``), maps
every column of our exports that is longer than ten characters to a short name; shorter
names stay as they are. The table is the documentation (README, and ``feldnamen.txt`` in
every Shapefile zip) and it maps back on import, so a layer edited in QGIS returns with its
full column names. A test checks that the short names are unique,
fit into ten characters and cover every exported column.
"""

from __future__ import annotations

from collections.abc import Iterable

from measures.domain.layers import LAYERS

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
LONG_NAMES: dict[str, str] = {short: long for long, short in SHORT_NAMES.items()}


def short_name(column: str) -> str:
    """The Shapefile name of ``column``; a long column missing from the table is a bug."""
    if len(column) <= MAX_LENGTH:
        return column
    return SHORT_NAMES[column]


def long_name(field: str) -> str:
    """The full column name of a field read from a Shapefile (or any file)."""
    return LONG_NAMES.get(field.lower(), field)


def mapping_text(columns: Iterable[str]) -> str:
    """The mapping of the given columns as a small text file for the Shapefile zip."""
    lines = [
        "Feldnamen dieses Shapefiles (dBASE erlaubt höchstens 10 Zeichen)",
        "Kurzname\tvollständiger Name",
    ]
    lines += [f"{short_name(c)}\t{c}" for c in columns if short_name(c) != c]
    return "\n".join(lines) + "\n"
