"""The JSON Schemas of the JSON API's OpenAPI document: each layer's features with their
public columns as declared, and the bodies and answers (errors, an idea sent in, search
results, the map's idea points, the list of layers)."""

from __future__ import annotations

from measures.domain.ideas import DESCRIPTION_MAX, EMAIL_MAX, NAME_MAX, TITLE_MAX
from measures.domain.layers import LAYERS, Column
from measures.domain.vocabulary import BODIES, CATEGORIES, STATUSES

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
        "body": {"type": "string", "enum": [*BODIES, ""]},
        "body_label": {"type": "string"},
        "reference": {"type": "string"},
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


def properties_schema(name: str) -> dict:
    """The properties of a feature of the layer: its public columns as declared."""
    columns = LAYERS[name].columns("public")
    return {
        "type": "object",
        "required": [c.name for c in columns],
        "properties": {c.name: _column_schema(c) for c in columns},
    }


def schema_name(layer: str, what: str) -> str:
    return layer.capitalize() + what


def layer_schemas(name: str) -> dict:
    feature = schema_name(name, "Feature")
    return {
        feature: {
            "allOf": [
                {"$ref": "#/components/schemas/Feature"},
                {"type": "object", "properties": {"properties": properties_schema(name)}},
            ]
        },
        schema_name(name, "FeatureCollection"): {
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


def components() -> dict:
    """``components`` of the document: every schema the operations refer to."""
    return {
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
                            "email": {
                                "type": "string",
                                "maxLength": EMAIL_MAX,
                                "description": "Nie öffentlich. Die Adresse bekommt eine "
                                "E-Mail mit der Bitte um Bestätigung; erst danach wird ihr "
                                "die Entscheidung über die Idee geschickt.",
                            },
                            "consent": {"type": "boolean", "enum": [True]},
                        },
                    },
                },
            },
            "SearchResults": {
                "type": "object",
                "required": ["query", "results"],
                "properties": {
                    "query": {"type": "string"},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["type", "id", "name", "description", "lon", "lat"],
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "enum": ["street", "location", "measure"],
                                },
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "description": {
                                    "type": "string",
                                    "description": "Art des Ortes oder Status, übersetzt",
                                },
                                "feature": {
                                    "type": "string",
                                    "nullable": True,
                                    "description": "Ebene:ID auf der Karte; null bei Straßen",
                                },
                                "lon": {"type": "number"},
                                "lat": {"type": "number"},
                            },
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
                    "cell": {"type": "number", "minimum": 0},
                    "count": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                    "counts": {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 0},
                            "minItems": len(CATEGORIES),
                            "maxItems": len(CATEGORIES),
                        },
                    },
                },
            },
            **{k: v for name in LAYERS for k, v in layer_schemas(name).items()},
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
    }
