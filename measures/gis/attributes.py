"""The attribute table of each layer in GIS files: one flat row per record.

GIS formats hold flat columns, so the nested properties of the read API become text:
``sources``, ``timeline`` and an idea's ``history`` are JSON arrays in one text column
(umlauts as they are). JSON rather than a readable "title <url>; …" list because it maps
back without guessing when a planner returns an edited layer (see ``measures.gis.importing``).
Each column has a kind (``Columns``) from which the writers choose the file's field type:
times are datetimes (GIS date-time fields), JSON columns are marked as JSON where the
format can say so.

Public columns carry no personal data. Only ``PLANNER_IDEA_COLUMNS`` (moderation and its
history) and ``CONTACT_COLUMNS`` (name, e-mail) go beyond that, and only the planners'
export asks for them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from measures.domain.layers import LAYERS, Column
from measures.domain.model import Idea, IdeaContact, IdeaEvent

# column → kind ("str", "int", "float", "bool", "datetime", "json"): the schema of a file
# even when it is empty.
Columns = Mapping[str, str]

# The GIS type of a column by its kind; every other kind is text.
_FILE_TYPES = {
    "int": "int",
    "fraction": "float",
    "bool": "bool",
    "datetime": "datetime",
    "sources": "json",
    "timeline": "json",
}


def _file_type(column: Column) -> str:
    return _FILE_TYPES.get(column.kind, "str")


def iso_time(value: datetime | None) -> str | None:
    """A UTC time as ISO 8601 text, as the text formats (CSV, KML, JSON) write it."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def _json(value: Sequence[dict]) -> str:
    return json.dumps(list(value), ensure_ascii=False, separators=(", ", ": "))


def _file_value(column: Column, record: object) -> object:
    """The value of ``column`` as a GIS file holds it, by the kind of the column."""
    value = column.value(record)
    if column.kind == "sources":
        return _json([{"title": s.title, "url": s.url} for s in value])
    if column.kind == "timeline":
        return _json(
            [
                {
                    "status": s.status,
                    "date": s.date,
                    "note": s.note,
                    "body": s.body,
                    "reference": s.reference,
                }
                for s in value
            ]
        )
    return value


def _columns(layer: str, audience: str) -> list[Column]:
    return LAYERS[layer].columns(audience)


def columns_of(layer: str, audience: str = "public") -> Columns:
    """The file columns of ``layer`` that ``audience`` sees, with their kinds."""
    return {c.name: _file_type(c) for c in _columns(layer, audience)}


def to_row(layer: str, record: object, audience: str = "public") -> dict:
    """One flat row of ``record``; the public view carries no moderation, no personal data."""
    return {c.name: _file_value(c, record) for c in _columns(layer, audience)}


# The planners' export of ideas adds the moderation history and, only when asked for,
# the author's name and e-mail, which live apart from the idea (``IdeaContact``).
PLANNER_IDEA_COLUMNS: Columns = {**columns_of("ideas", "planner"), "history": "json"}
CONTACT_COLUMNS: Columns = {"author_name": "str", "email": "str"}


def planner_idea_row(
    idea: Idea, history: Sequence[IdeaEvent], contact: IdeaContact | None = None
) -> dict:
    """An idea with its moderation and history; with name and e-mail only when given."""
    row = {
        **to_row("ideas", idea, "planner"),
        "history": _json(
            [
                {"at": iso_time(e.at), "action": e.action, "actor": e.actor, "reason": e.reason}
                for e in history
            ]
        ),
    }
    if contact is not None:
        row["author_name"] = contact.author_name
        row["email"] = contact.email
    return row


# What an import reads from which column, in the shape ``measures.domain.validation``
# expects: the id and the layer's importable fields.
def _import_columns(layer: str) -> Columns:
    importable = dict(LAYERS[layer].importable)
    return {
        "id": "str",
        **{c.name: _file_type(c) for c in _columns(layer, "public") if c.name in importable},
    }


IMPORT_COLUMNS: dict[str, Columns] = {
    name: _import_columns(name) for name in ("measures", "locations")
}
# Columns an export writes that an import ignores: labels, computed values, times.
DERIVED = frozenset(
    c.name
    for name in IMPORT_COLUMNS
    for c in _columns(name, "public")
    if c.name not in IMPORT_COLUMNS[name]
)
# Columns that hold JSON text of nested values.
NESTED = frozenset(
    c.name
    for name in IMPORT_COLUMNS
    for c in _columns(name, "public")
    if c.kind in ("sources", "timeline")
)
