"""The operations of the JSON API's OpenAPI document, by path: reading the layers and
features, sending an idea, the map's search and the ideas nearby."""

from __future__ import annotations

from app.openapi.parameters import error_responses, layer_parameters
from app.openapi.schemas import schema_name
from measures.domain.layers import LAYERS


def layer_operation(name: str) -> dict:
    collection = schema_name(name, "FeatureCollection")
    return {
        "get": {
            "summary": f"Die Ebene „{LAYERS[name].title}“ als GeoJSON-FeatureCollection",
            "parameters": layer_parameters(name),
            "responses": {
                "200": {
                    "description": "Die Objekte der Ebene",
                    "content": {
                        "application/geo+json": {
                            "schema": {"$ref": f"#/components/schemas/{collection}"}
                        }
                    },
                },
                **error_responses(304, 400),
            },
        }
    }


def idea_points_operation() -> dict:
    layer = layer_operation("ideas")["get"]
    return {
        "get": {
            "summary": "Ort und Handlungsfeld jeder freigegebenen Idee (für die Karte)",
            "description": (
                "Nur was die Übersichtskarte für ihre Stecknadeln braucht: Länge und Breite "
                "(auf `precision` Nachkommastellen gerundet, nach Länge, dann Breite sortiert) "
                "und das Handlungsfeld als Index in `categories`. `lon[i]`, `lat[i]` und "
                "`category[i]` gehören zu einer Idee. Keine Ids und keine Texte: die Ideen an "
                "einem Punkt liefert `/api/layers/ideas` mit einer bbox um ihn. Bei mehr als "
                "10.000 Ideen (`MAP_POINTS_MOST`) kommen Zellen eines Gitters statt Ideen: "
                "`cell` ist ihre Seitenlänge in Grad, `lon[i]`, `lat[i]` ihre Mitte, "
                "`count[i]` die Zahl ihrer Ideen, `counts[i]` die Zahl je Handlungsfeld und "
                "`category[i]` das häufigste."
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
                **error_responses(304, 400),
            },
        }
    }


def feature_operation(summary: str, what: str, layer: str) -> dict:
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
                                "$ref": f"#/components/schemas/{schema_name(layer, 'Feature')}"
                            }
                        }
                    },
                },
                **error_responses(304, 404),
            },
        }
    }


def paths() -> dict:
    """Every path of the API under a Quartier (relative to its server URL)."""
    return {
        "/api/layers": {
            "get": {
                "summary": "Alle Ebenen mit Titel, Anzahl, Ausdehnung und letzter Änderung",
                "responses": {
                    "200": {
                        "description": "Die Ebenen",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Layers"}}
                        },
                    },
                    **error_responses(304),
                },
            }
        },
        # One path per layer, each with exactly the filters that layer takes.
        **{f"/api/layers/{name}": layer_operation(name) for name in LAYERS},
        "/api/layers/ideas/points": idea_points_operation(),
        "/api/measures/{id}": feature_operation("Eine Maßnahme", "Die Maßnahme", "measures"),
        "/api/locations/{id}": feature_operation("Ein Ort", "Der Ort", "locations"),
        "/api/ideas/{id}": feature_operation("Eine freigegebene Idee", "Die Idee", "ideas"),
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
                    **error_responses(400, 409, 413, 415),
                },
            }
        },
        "/api/search": {
            "get": {
                "summary": "Straßen, Orte und Maßnahmen nach Namen (die Suche der Karte)",
                "description": (
                    "Antwortet aus dem eigenen Ortsverzeichnis (geodata/<kennung>/streets.geojson, "
                    "Orte, Maßnahmen), ohne fremden Geocoder. Groß- und Kleinschreibung, "
                    "Umlaute (auch ae/oe/ue) und ß/ss sind gleich; jedes Wort muss "
                    "vorkommen. Höchstens 10 Treffer, beste zuerst."
                ),
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Die Treffer",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResults"}
                            }
                        },
                    },
                    **error_responses(400),
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
                    **error_responses(400),
                },
            }
        },
    }
