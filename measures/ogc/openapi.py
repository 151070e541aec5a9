"""The OpenAPI 3.0 description of the service (``/ogc/api``), complete and exact.

Paths are written out per collection (``/collections/measures/items``, not only a
template) because clients read them that way: GDAL looks up the parameters of
``/collections/{its layer}/items`` to learn which properties it may filter on and,
through the ``limit`` parameter's ``$ref``, the page size to use.
"""

from __future__ import annotations

from measures.domain.messages import Message, as_message
from measures.domain.vocabulary import N_
from measures.ogc import crs, gml_schema
from measures.ogc.collections import COLLECTIONS, Collection
from measures.ogc.documents import service_description, service_title
from measures.ogc.links import Urls
from measures.ogc.negotiation import GEOJSON_TYPE, HTML_TYPE, JSON_TYPE, OPENAPI_TYPE, SCHEMA_TYPE
from measures.ogc.params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
        **extra,
    }


def _list_filter(name: str, values: dict[str, str] | None) -> dict:
    # An open filter (the Quartier) lists no values: they are the installation's.
    item = {"type": "string"} if values is None else {"type": "string", "enum": list(values)}
    return _query(
        name,
        Message(
            N_(
                "Nur Objekte mit diesem Wert von %(name)s. Mehrere Werte durch Komma "
                "getrennt: Objekte mit einem davon."
            ),
            name=name,
        ),
        {"type": "array", "items": item},
    )


def _parameters() -> dict:
    crs_schema = {"type": "string", "format": "uri", "enum": list(crs.SUPPORTED)}
    filters = {f.name: f for collection in COLLECTIONS.values() for f in collection.filters}
    return {
        "f": _query(
            "f",
            N_("Format der Antwort; ohne f entscheidet der Accept-Header (Browser: HTML)."),
            {"type": "string", "enum": ["json", "html"]},
        ),
        "limit": _query(
            "limit",
            Message(
                N_(
                    "Höchstzahl der Objekte einer Seite (ab 1; mehr als %(maximum)s gibt "
                    "%(maximum)s und einen Link next zur nächsten Seite)."
                ),
                maximum=MAX_LIMIT,
            ),
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        "offset": _query(
            "offset",
            N_(
                "Wie viele Objekte vor dieser Seite übersprungen werden; die Links next und "
                "prev blättern damit."
            ),
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        ),
        "bbox": _query(
            "bbox",
            N_(
                "Nur Objekte, die dieses Rechteck berühren: minX,minY,maxX,maxY (oder sechs "
                "Zahlen mit Höhen) im Koordinatensystem von bbox-crs, ohne bbox-crs in CRS84 "
                "(Länge,Breite). Bei EPSG:4326 gilt die Achsenfolge Breite,Länge."
            ),
            {
                "type": "array",
                "minItems": 4,
                "maxItems": 6,
                "items": {"type": "number"},
            },
        ),
        "bbox-crs": _query(
            "bbox-crs",
            N_("Koordinatensystem von bbox."),
            {**crs_schema, "default": crs.CRS84},
        ),
        "crs": _query(
            "crs",
            N_("Koordinatensystem der Geometrien in der Antwort (Header Content-Crs)."),
            {**crs_schema, "default": crs.CRS84},
        ),
        "datetime": _query(
            "datetime",
            N_(
                "Zeitpunkt oder Zeitraum nach RFC 3339, offene Enden mit '..' "
                "(z. B. 2024-01-01T00:00:00Z/..). Gilt in jeder Sammlung für updated_at, die "
                "letzte Änderung eines Objekts."
            ),
            {"type": "string"},
        ),
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": N_("Kennung des Objekts (Eigenschaft id)."),
            "schema": {"type": "string"},
        },
        **{name: _list_filter(name, f.values) for name, f in filters.items()},
    }


def _content(*types_and_schemas: tuple[str, dict]) -> dict:
    return {media_type: {"schema": schema} for media_type, schema in types_and_schemas}


HTML_CONTENT = (HTML_TYPE, {"type": "string"})


def _ok(description: str, media_type: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": _content((media_type, schema), HTML_CONTENT)}
    if headers:
        response["headers"] = headers
    return {"200": response}


def _errors(*statuses: int) -> dict:
    names = {400: "InvalidParameter", 404: "NotFound", 429: "TooManyRequests", 500: "ServerError"}
    return {str(status): _ref("responses", names[status]) for status in statuses}


def _operation(
    operation_id: str, summary: str, ok: dict, parameters=(), errors=(400, 429, 500)
) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["Features"],
            "parameters": list(parameters),
            "responses": {**ok, **_errors(*errors)},
        }
    }


def _collection_paths(collection: Collection) -> dict:
    cid = collection.id
    base = f"/collections/{cid}"

    def summary(template: str) -> Message:
        return Message(template, collection=as_message(collection.title))

    content_crs = {"Content-Crs": _ref("headers", "Content-Crs")}
    return {
        base: _operation(
            f"{cid}_collection",
            summary(N_("Beschreibung der Sammlung „%(collection)s“")),
            _ok("Die Sammlung", JSON_TYPE, _ref("schemas", "collection")),
            [_ref("parameters", "f")],
        ),
        f"{base}/items": _operation(
            f"{cid}_items",
            summary(N_("Objekte der Sammlung „%(collection)s“, seitenweise")),
            _ok(
                "Eine Seite der Objekte",
                GEOJSON_TYPE,
                _ref("schemas", "featureCollectionGeoJSON"),
                content_crs,
            ),
            [
                _ref("parameters", name)
                for name in (
                    "f",
                    "limit",
                    "offset",
                    "bbox",
                    "bbox-crs",
                    "crs",
                    "datetime",
                    *collection.filter_names,
                )
            ],
        ),
        f"{base}/items/{{featureId}}": _operation(
            f"{cid}_item",
            summary(N_("Ein Objekt der Sammlung „%(collection)s“")),
            _ok("Das Objekt", GEOJSON_TYPE, _ref("schemas", "featureGeoJSON"), content_crs),
            [_ref("parameters", n) for n in ("featureId", "f", "crs")],
            errors=(400, 404, 429, 500),
        ),
        f"{base}/queryables": _operation(
            f"{cid}_queryables",
            summary(N_("Filterbare Eigenschaften der Sammlung „%(collection)s“")),
            _ok("JSON Schema der filterbaren Eigenschaften", SCHEMA_TYPE, {"type": "object"}),
            [_ref("parameters", "f")],
        ),
        f"{base}/schema": _operation(
            f"{cid}_schema",
            summary(
                N_(
                    "Eigenschaften und Geometrietyp der Objekte der Sammlung „%(collection)s“ "
                    "(OGC API – Features Part 5)"
                )
            ),
            _json_only("JSON Schema der Objekte"),
        ),
        **(
            {
                f"{base}/schema.xsd": _operation(
                    f"{cid}_xml_schema",
                    summary(
                        N_(
                            "Eigenschaften und Geometrietyp der Objekte der Sammlung "
                            "„%(collection)s“ als XML-Schema (für GDAL)"
                        )
                    ),
                    {
                        "200": {
                            "description": "GML-Anwendungsschema der Objekte",
                            "content": {gml_schema.XML_TYPE: {"schema": {"type": "string"}}},
                        }
                    },
                )
            }
            if gml_schema.offers_gml_schema(collection)
            else {}
        ),
    }


def _json_only(description: str) -> dict:
    return {
        "200": {"description": description, "content": _content((SCHEMA_TYPE, {"type": "object"}))}
    }


def _schemas() -> dict:
    link = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {
            "href": {"type": "string", "format": "uri"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    links = {"type": "array", "items": _ref("schemas", "link")}
    return {
        "exception": {
            "type": "object",
            "required": ["code", "description", "status"],
            "properties": {
                "code": {"type": "string"},
                "description": {
                    "type": "string",
                    "description": "zum Anzeigen: Deutsch oder die Sprache von Accept-Language",
                },
                "status": {"type": "integer"},
            },
        },
        "link": link,
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": links,
            },
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {
                "conformsTo": {"type": "array", "items": {"type": "string", "format": "uri"}},
                "links": links,
            },
        },
        "extent": {
            "type": "object",
            "properties": {
                "spatial": {
                    "type": "object",
                    "properties": {
                        "bbox": {
                            "type": "array",
                            "items": {
                                "type": "array",
                                "minItems": 4,
                                "maxItems": 6,
                                "items": {"type": "number"},
                            },
                        },
                        "crs": {"type": "string", "format": "uri"},
                    },
                },
                "temporal": {
                    "type": "object",
                    "properties": {
                        "interval": {
                            "type": "array",
                            "items": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 2,
                                "items": {
                                    "type": "string",
                                    "format": "date-time",
                                    "nullable": True,
                                },
                            },
                        },
                        "trs": {"type": "string", "format": "uri"},
                    },
                },
            },
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "extent": _ref("schemas", "extent"),
                "itemType": {"type": "string"},
                "crs": {"type": "array", "items": {"type": "string", "format": "uri"}},
                "storageCrs": {"type": "string", "format": "uri"},
                "links": links,
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": links,
                "collections": {"type": "array", "items": _ref("schemas", "collection")},
            },
        },
        "geometryGeoJSON": {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {
                    "type": "string",
                    "enum": [
                        "Point",
                        "MultiPoint",
                        "LineString",
                        "MultiLineString",
                        "Polygon",
                        "MultiPolygon",
                        "GeometryCollection",
                    ],
                },
                "coordinates": {"type": "array"},
                "geometries": {"type": "array", "items": _ref("schemas", "geometryGeoJSON")},
            },
        },
        "featureGeoJSON": {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": _ref("schemas", "geometryGeoJSON"),
                "properties": {"type": "object", "nullable": True},
                "links": links,
            },
        },
        "featureCollectionGeoJSON": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        },
    }


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": _content((JSON_TYPE, _ref("schemas", "exception")), HTML_CONTENT),
    }


def openapi_document(urls: Urls, area: str | None) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": service_title(area),
            "version": "1.0.0",
            "description": service_description(area),
        },
        "servers": [{"url": urls.base, "description": "Dieser Dienst"}],
        "tags": [{"name": "Features", "description": "OGC API – Features, Teile 1 bis 3"}],
        "paths": {
            "/": _operation(
                "landingPage",
                N_("Startseite des Dienstes"),
                _ok("Die Startseite", JSON_TYPE, _ref("schemas", "landingPage")),
                [_ref("parameters", "f")],
            ),
            "/conformance": _operation(
                "conformance",
                N_("Erfüllte Konformitätsklassen"),
                _ok("Die Konformitätsklassen", JSON_TYPE, _ref("schemas", "confClasses")),
                [_ref("parameters", "f")],
            ),
            "/api": _operation(
                "api",
                N_("Diese API-Beschreibung"),
                _ok("Die API-Beschreibung", OPENAPI_TYPE, {"type": "object"}),
                [_ref("parameters", "f")],
            ),
            "/collections": _operation(
                "collections",
                N_("Die Sammlungen (Ebenen)"),
                _ok("Die Sammlungen", JSON_TYPE, _ref("schemas", "collections")),
                [_ref("parameters", "f")],
            ),
            **{
                path: item
                for collection in COLLECTIONS.values()
                for path, item in _collection_paths(collection).items()
            },
        },
        "components": {
            "parameters": _parameters(),
            "schemas": _schemas(),
            "headers": {
                "Content-Crs": {
                    "description": "Koordinatensystem der Geometrien, als URI in spitzen Klammern.",
                    "schema": {"type": "string"},
                }
            },
            "responses": {
                "InvalidParameter": _error_response("Ein Parameter ist fehlerhaft oder unbekannt."),
                "NotFound": _error_response("Die Sammlung oder das Objekt gibt es nicht."),
                "TooManyRequests": _error_response("Zu viele Anfragen in kurzer Zeit."),
                "ServerError": _error_response("Interner Fehler."),
            },
        },
    }
