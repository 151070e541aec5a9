"""JSON answers: every JSON document the app sends is written by one writer.

``measures.reading.geojson.dumps`` (compact, umlauts as they are) writes the layers, the
OGC documents, the errors and everything else, so that no answer depends on Flask's JSON
settings and the cached bytes of a layer look like any other answer. Files written for
GIS keep their own formatting (``measures.gis``); templates embed data with ``tojson``.
"""

from __future__ import annotations

from flask import Response, current_app

from measures.reading.geojson import dumps

JSON_TYPE = "application/json"


def json_response(document: object, status: int = 200, content_type: str = JSON_TYPE) -> Response:
    return current_app.response_class(dumps(document), status=status, content_type=content_type)
