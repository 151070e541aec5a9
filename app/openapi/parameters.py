"""The parameters and refusals of the JSON API's OpenAPI document: the layers' filters as
declared (``measures.domain.layers``), the bounding box, and the error answers every
operation shares."""

from __future__ import annotations

from measures.domain.layers import LAYERS


def list_parameter(name: str, values: dict[str, str] | None, description: str) -> dict:
    # An open filter (the Quartier) lists no values: they are the installation's.
    item = {"type": "string"} if values is None else {"type": "string", "enum": list(values)}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Mehrere Werte durch Komma getrennt oder wiederholt.",
        "schema": {"type": "array", "items": item},
        "style": "form",
        "explode": False,
    }


def error_responses(*statuses: int) -> dict:
    texts = {
        304: "Nicht geändert (ETag oder Last-Modified stimmt).",
        400: "Fehlerhafter Parameter oder Inhalt.",
        404: "Nicht gefunden.",
        409: "Im Widerspruch zum jetzigen Stand (etwa: das Quartier wurde gerade geändert); "
        "nichts ist gespeichert, bitte noch einmal senden.",
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


def layer_parameters(name: str) -> list[dict]:
    """The layer's filters as declared, and bbox; in alphabetical order."""
    filters = {
        f.name: list_parameter(f.name, f.values, f.description)
        for f in LAYERS[name].filters.values()
    }
    parameters = {**filters, "bbox": BBOX_PARAMETER}
    return [parameters[p] for p in sorted(parameters)]
