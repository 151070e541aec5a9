"""What the features of a collection hold, as JSON Schema (OGC API – Features Part 5
"Schemas"), so that a client can type a layer before (or without) reading a feature: an
empty ``ideas`` collection included.

``/collections/{id}/schema``, derived from the layer's columns: the properties flat, the
geometry among them with ``x-ogc-role: primary-geometry`` and a ``format`` naming its type
(``geometry-point``, ``geometry-any``, …), the id with ``x-ogc-role: id``, and
``updated_at``, what ``datetime`` filters on, with ``x-ogc-role: primary-instant``. Linked
from the collection with rel ``http://www.opengis.net/def/rel/ogc/1.0/schema``.

GDAL (3.6 and 3.12) reads no Part 5 schema, only a schema behind a ``describedBy`` link:
a GeoJSON Feature schema there made GDAL drop the JSON subtype of ``sources`` and
``timeline`` in every collection, so none is offered. Collections without JSON lists link
a GML application schema instead (``gml_schema``), which types even an empty layer in
GDAL; QGIS 3.22's own OGC API provider types a layer from its first features only.
"""

from __future__ import annotations

from measures.domain.layers import GEOMETRY_GROUPS, LAYERS, Column
from measures.ogc.collections import Collection
from measures.ogc.links import Urls

SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
GEOMETRY = "geometry"

# Part 5's formats for the geometry types a collection may hold; anything else: any.
_GEOMETRY_FORMATS = {
    **{
        frozenset({kind}): f"geometry-{kind.lower()}"
        for kinds in GEOMETRY_GROUPS.values()
        for kind in kinds
    },
    GEOMETRY_GROUPS["punkte"]: "geometry-point-or-multipoint",
    GEOMETRY_GROUPS["linien"]: "geometry-linestring-or-multilinestring",
    GEOMETRY_GROUPS["flaechen"]: "geometry-polygon-or-multipolygon",
}

_SOURCE = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
}
_STEP = {
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "status_label": {"type": "string"},
        "date": {"type": "string"},
        "note": {"type": "string"},
        "body": {"type": "string"},
        "body_label": {"type": "string"},
        "reference": {"type": "string"},
    },
}
# JSON Schema of a value, by the kind of its column (``Column.kind``).
_KIND_SCHEMAS = {
    "id": {"type": "string"},
    "text": {"type": "string"},
    "label": {"type": "string"},
    "choice": {"type": "string"},
    "int": {"type": "integer"},
    "fraction": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "sources": {"type": "array", "items": _SOURCE},
    "timeline": {"type": "array", "items": _STEP},
}
_ROLES = {"id": "id"}


def geometry_format(geometry_types: frozenset[str]) -> str:
    return _GEOMETRY_FORMATS.get(geometry_types, "geometry-any")


def _property_schema(column: Column, time_property: str) -> dict:
    schema = {"title": column.title, **_KIND_SCHEMAS[column.kind]}
    if column.kind == "choice":
        schema["enum"] = list(column.field.vocabulary)
    if column.kind in _ROLES:
        schema["x-ogc-role"] = _ROLES[column.kind]
    if column.name == time_property:
        schema["x-ogc-role"] = "primary-instant"
    return schema


def _property_schemas(collection: Collection) -> dict[str, dict]:
    return {
        c.name: _property_schema(c, collection.time_property)
        for c in LAYERS[collection.layer].columns("public")
    }


def _geometry_schema(collection: Collection) -> dict:
    return {
        "title": "Geometrie",
        "x-ogc-role": "primary-geometry",
        "format": geometry_format(collection.geometry_types),
    }


def feature_schema(urls: Urls, collection: Collection) -> dict:
    """The Part 5 schema of the collection's features: every property, flat."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": urls.schema(collection.id),
        "type": "object",
        "title": collection.title,
        "description": collection.description,
        "properties": {GEOMETRY: _geometry_schema(collection), **_property_schemas(collection)},
    }
