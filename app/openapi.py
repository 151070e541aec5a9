"""The OpenAPI 3.0 document of the read API, built from the same vocabularies it checks."""

from __future__ import annotations

from measures.vocabulary import CATEGORIES, LAYERS, LOCATION_KINDS, STATUSES


def _list_parameter(name: str, values: dict[str, str], description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Mehrere Werte durch Komma getrennt oder wiederholt.",
        "schema": {"type": "array", "items": {"type": "string", "enum": list(values)}},
        "style": "form",
        "explode": False,
    }


def _error_responses(*statuses: int) -> dict:
    texts = {
        304: "Nicht geändert (ETag oder Last-Modified stimmt).",
        400: "Fehlerhafter Parameter.",
        404: "Nicht gefunden.",
    }
    responses = {}
    for status in statuses:
        if status == 304:
            responses["304"] = {"description": texts[304]}
        else:
            responses[str(status)] = {
                "description": texts[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return responses


def _feature_operation(summary: str, what: str) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": what,
                    "content": {
                        "application/geo+json": {"schema": {"$ref": "#/components/schemas/Feature"}}
                    },
                },
                **_error_responses(304, 404),
            },
        }
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Quartierskarte Dalheim – Lese-API",
            "version": "1",
            "description": (
                "Maßnahmen, Orte und freigegebene Ideen im Fördergebiet Dalheim (Wetzlar) "
                "als GeoJSON (RFC 7946, EPSG:4326). Ideen enthalten nie personenbezogene Daten."
            ),
        },
        "paths": {
            "/api/layers": {
                "get": {
                    "summary": "Alle Ebenen mit Titel, Anzahl, Ausdehnung und letzter Änderung",
                    "responses": {
                        "200": {
                            "description": "Die Ebenen",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Layers"}
                                }
                            },
                        },
                        **_error_responses(304),
                    },
                }
            },
            "/api/layers/{name}": {
                "get": {
                    "summary": "Eine Ebene als GeoJSON-FeatureCollection",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(LAYERS)},
                        },
                        _list_parameter("status", STATUSES, "Nur Maßnahmen mit diesem Status."),
                        _list_parameter(
                            "category",
                            CATEGORIES,
                            "Nur Maßnahmen oder Ideen dieses Handlungsfelds.",
                        ),
                        _list_parameter("kind", LOCATION_KINDS, "Nur Orte dieser Art."),
                        {
                            "name": "bbox",
                            "in": "query",
                            "required": False,
                            "description": "minLänge,minBreite,maxLänge,maxBreite in EPSG:4326",
                            "schema": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 4,
                                "maxItems": 4,
                            },
                            "style": "form",
                            "explode": False,
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Die Objekte der Ebene",
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/FeatureCollection"}
                                }
                            },
                        },
                        **_error_responses(304, 400, 404),
                    },
                }
            },
            "/api/measures/{id}": _feature_operation("Eine Maßnahme", "Die Maßnahme"),
            "/api/locations/{id}": _feature_operation("Ein Ort", "Der Ort"),
            "/api/ideas/{id}": _feature_operation("Eine freigegebene Idee", "Die Idee"),
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "code", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "parameter": {"type": "string"},
                            },
                        }
                    },
                },
                "Feature": {
                    "type": "object",
                    "required": ["type", "id", "geometry", "properties"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "id": {"type": "string"},
                        "geometry": {"type": "object"},
                        "properties": {"type": "object"},
                    },
                },
                "FeatureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "name": {"type": "string"},
                        "features": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Feature"},
                        },
                    },
                },
                "Layers": {
                    "type": "object",
                    "properties": {
                        "layers": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "title": {"type": "string"},
                                    "count": {"type": "integer"},
                                    "bbox": {
                                        "type": "array",
                                        "items": {"type": "number"},
                                        "nullable": True,
                                    },
                                    "geometry_types": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                    "changed_at": {
                                        "type": "string",
                                        "format": "date-time",
                                        "nullable": True,
                                    },
                                    "url": {"type": "string"},
                                },
                            },
                        }
                    },
                },
            }
        },
    }
