"""The OpenAPI 3.0 document of the JSON API, built from the same vocabularies it checks.

schemathesis fuzzes the API against this document in the test suite, so every parameter,
body and answer is described here, including the refusals (400, 404, 413, 415, 429).
"""

from __future__ import annotations

from measures.domain.ideas import DESCRIPTION_MAX, EMAIL_MAX, NAME_MAX, TITLE_MAX
from measures.domain.layers import LAYERS, Column
from measures.domain.vocabulary import CATEGORIES, STATUSES


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
        400: "Fehlerhafter Parameter oder Inhalt.",
        404: "Nicht gefunden.",
        413: "Inhalt zu groß.",
        415: "Falscher Content-Type.",
        429: "Zu viele Anfragen von dieser Adresse.",
    }
    responses = {}
    # Every operation is rate-limited per address.
    for status in (*statuses, 429):
        if status == 304:
            responses["304"] = {"description": texts[304]}
        else:
            responses[str(status)] = {
                "description": texts[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return responses


BBOX_PARAMETER = {
    "name": "bbox",
    "in": "query",
    "required": False,
    "description": "minLänge,minBreite,maxLänge,maxBreite in EPSG:4326 (Minimum vor Maximum)",
    "schema": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
    "style": "form",
    "explode": False,
}


def _layer_parameters(name: str) -> list[dict]:
    """The layer's filters as declared, and bbox; in alphabetical order."""
    filters = {
        f.name: _list_parameter(f.name, f.values, f.description)
        for f in LAYERS[name].filters.values()
    }
    parameters = {**filters, "bbox": BBOX_PARAMETER}
    return [parameters[p] for p in sorted(parameters)]


# The JSON Schema of a column of the read API, by the column's kind.
_SOURCE = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "url": {"type": "string"}},
}
_STEP = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": list(STATUSES)},
        "status_label": {"type": "string"},
        "date": {"type": "string"},
        "note": {"type": "string"},
    },
}
_COLUMN_SCHEMAS = {
    "int": {"type": "integer"},
    "fraction": {"type": "number", "minimum": 0, "maximum": 1},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "sources": {"type": "array", "items": _SOURCE},
    "timeline": {"type": "array", "items": _STEP},
}


def _column_schema(column: Column) -> dict:
    schema = dict(_COLUMN_SCHEMAS.get(column.kind, {"type": "string"}))
    if column.kind == "choice":
        schema["enum"] = list(column.field.vocabulary)
    schema["description"] = column.title
    # Optional fields and computed values (a measure's status date) may be unknown.
    if column.field is None or column.field.optional:
        schema["nullable"] = True
    return schema


def _properties_schema(name: str) -> dict:
    """The properties of a feature of the layer: its public columns as declared."""
    columns = LAYERS[name].columns("public")
    return {
        "type": "object",
        "required": [c.name for c in columns],
        "properties": {c.name: _column_schema(c) for c in columns},
    }


def _schema_name(layer: str, what: str) -> str:
    return layer.capitalize() + what


def _layer_schemas(name: str) -> dict:
    feature = _schema_name(name, "Feature")
    return {
        feature: {
            "allOf": [
                {"$ref": "#/components/schemas/Feature"},
                {"type": "object", "properties": {"properties": _properties_schema(name)}},
            ]
        },
        _schema_name(name, "FeatureCollection"): {
            "allOf": [
                {"$ref": "#/components/schemas/FeatureCollection"},
                {
                    "type": "object",
                    "properties": {
                        "features": {
                            "type": "array",
                            "items": {"$ref": f"#/components/schemas/{feature}"},
                        }
                    },
                },
            ]
        },
    }


def _layer_operation(name: str) -> dict:
    collection = _schema_name(name, "FeatureCollection")
    return {
        "get": {
            "summary": f"Die Ebene „{LAYERS[name].title}“ als GeoJSON-FeatureCollection",
            "parameters": _layer_parameters(name),
            "responses": {
                "200": {
                    "description": "Die Objekte der Ebene",
                    "content": {
                        "application/geo+json": {
                            "schema": {"$ref": f"#/components/schemas/{collection}"}
                        }
                    },
                },
                **_error_responses(304, 400),
            },
        }
    }


def _idea_points_operation() -> dict:
    layer = _layer_operation("ideas")["get"]
    return {
        "get": {
            "summary": "Ort und Handlungsfeld jeder freigegebenen Idee (für die Karte)",
            "description": (
                "Nur was die Übersichtskarte für ihre Stecknadeln braucht: Länge und Breite "
                "(auf `precision` Nachkommastellen gerundet, nach Länge, dann Breite sortiert) "
                "und das Handlungsfeld als Index in `categories`. `lon[i]`, `lat[i]` und "
                "`category[i]` gehören zu einer Idee. Keine Ids und keine Texte: die Ideen an "
                "einem Punkt liefert `/api/layers/ideas` mit einer bbox um ihn."
            ),
            # The same filters as the ideas layer, parsed by the same code.
            "parameters": layer["parameters"],
            "responses": {
                "200": {
                    "description": "Die Punkte der Ideen",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/IdeaPoints"}}
                    },
                },
                **_error_responses(304, 400),
            },
        }
    }


def _feature_operation(summary: str, what: str, layer: str) -> dict:
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
                        "application/geo+json": {
                            "schema": {
                                "$ref": f"#/components/schemas/{_schema_name(layer, 'Feature')}"
                            }
                        }
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
            # One path per layer, each with exactly the filters that layer takes.
            **{f"/api/layers/{name}": _layer_operation(name) for name in LAYERS},
            "/api/layers/ideas/points": _idea_points_operation(),
            "/api/measures/{id}": _feature_operation("Eine Maßnahme", "Die Maßnahme", "measures"),
            "/api/locations/{id}": _feature_operation("Ein Ort", "Der Ort", "locations"),
            "/api/ideas/{id}": _feature_operation("Eine freigegebene Idee", "Die Idee", "ideas"),
            "/api/ideas": {
                "post": {
                    "summary": "Eine Idee eintragen (wartet danach auf Prüfung)",
                    "description": (
                        "Ein GeoJSON-Feature mit einem Punkt [Länge, Breite] in EPSG:4326 im "
                        "Quartier. Name und E-Mail sind freiwillig und werden nie "
                        "veröffentlicht. Die Antwort enthält den privaten Status-Link."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            media: {"schema": {"$ref": "#/components/schemas/IdeaSubmission"}}
                            for media in ("application/geo+json", "application/json")
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Angenommen",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/IdeaCreated"}
                                }
                            },
                        },
                        **_error_responses(400, 413, 415),
                    },
                }
            },
            "/api/ideas/nearby": {
                "get": {
                    "summary": "Freigegebene Ideen in der Nähe eines Punkts, nächste zuerst",
                    "parameters": [
                        {
                            "name": "lon",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "number", "minimum": -180, "maximum": 180},
                        },
                        {
                            "name": "lat",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "number", "minimum": -90, "maximum": 90},
                        },
                        {
                            "name": "radius",
                            "in": "query",
                            "required": False,
                            "description": "Meter, Standard 150",
                            "schema": {
                                "type": "number",
                                "exclusiveMinimum": True,
                                "minimum": 0,
                                "maximum": 1000,
                            },
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Die Ideen",
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/FeatureCollection"}
                                }
                            },
                        },
                        **_error_responses(400),
                    },
                }
            },
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
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        }
                    },
                },
                "IdeaSubmission": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "geometry": {
                            "type": "object",
                            "required": ["type", "coordinates"],
                            "properties": {
                                "type": {"type": "string", "enum": ["Point"]},
                                "coordinates": {
                                    "type": "array",
                                    "items": {"type": "number"},
                                    "minItems": 2,
                                    "maxItems": 2,
                                },
                            },
                        },
                        "properties": {
                            "type": "object",
                            "required": ["title", "description", "category", "consent"],
                            "properties": {
                                "title": {"type": "string", "maxLength": TITLE_MAX},
                                "description": {"type": "string", "maxLength": DESCRIPTION_MAX},
                                "category": {"type": "string", "enum": list(CATEGORIES)},
                                "author_name": {
                                    "type": "string",
                                    "maxLength": NAME_MAX,
                                    "description": "Wird nach der Freigabe auf der "
                                    "öffentlichen Seite der Idee angezeigt; leer lassen, "
                                    "um anonym zu bleiben.",
                                },
                                "email": {"type": "string", "maxLength": EMAIL_MAX},
                                "consent": {"type": "boolean", "enum": [True]},
                            },
                        },
                    },
                },
                "IdeaCreated": {
                    "type": "object",
                    "required": ["id", "moderation_state", "status_url"],
                    "properties": {
                        "id": {"type": "string"},
                        "moderation_state": {"type": "string", "enum": ["pending"]},
                        "status_url": {"type": "string"},
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
                "IdeaPoints": {
                    "type": "object",
                    "required": ["name", "precision", "categories", "lon", "lat", "category"],
                    "properties": {
                        "name": {"type": "string", "enum": ["ideas"]},
                        "precision": {"type": "integer", "minimum": 0},
                        "categories": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(CATEGORIES)},
                        },
                        "lon": {
                            "type": "array",
                            "items": {"type": "number", "minimum": -180, "maximum": 180},
                        },
                        "lat": {
                            "type": "array",
                            "items": {"type": "number", "minimum": -90, "maximum": 90},
                        },
                        "category": {
                            "type": "array",
                            "items": {
                                "type": "integer",
                                "minimum": 0,
                                "maximum": len(CATEGORIES) - 1,
                            },
                        },
                    },
                },
                **{k: v for name in LAYERS for k, v in _layer_schemas(name).items()},
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
