"""HTTP headers of the open data: CORS for the public reads, Vary for negotiated answers.

The public read API, the OGC API and the public exports may be read by web maps on other
sites: their answers carry ``Access-Control-Allow-Origin: *`` and preflight requests
(OPTIONS) for GET are answered. Nothing else does — not the planners' area, the forms or
the idea submissions — and no answer allows credentials, so no cookie of ours is ever
sent along by another site.

Every answer of the OGC API is chosen by ``f`` or the Accept header (errors too), so it
says ``Vary: Accept`` for caches.
"""

from __future__ import annotations

from flask import Flask, Response, request

from app.errors import OGC_API, answering_blueprint

OPEN_BLUEPRINTS = frozenset({"api", OGC_API})
OPEN_EXPORTS = frozenset({"export.layer_file", "export.all_layers"})
READ_METHODS = frozenset({"GET", "HEAD"})
# What a web map may send and read beyond the CORS-safelisted headers.
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
EXPOSED_HEADERS = "ETag, Content-Crs, Content-Disposition, Link, Retry-After"
PREFLIGHT_MAX_AGE_S = 86400


def _is_open(blueprint: str | None) -> bool:
    if request.endpoint in OPEN_EXPORTS:
        return True
    return blueprint in OPEN_BLUEPRINTS and request.endpoint != "api.create_idea"


def _headers(response: Response) -> Response:
    blueprint = answering_blueprint()
    if blueprint == OGC_API:
        response.vary.add("Accept")
    if not _is_open(blueprint):
        return response
    if request.method == "OPTIONS":
        if request.headers.get("Access-Control-Request-Method") not in READ_METHODS:
            return response
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
    elif request.method not in READ_METHODS:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
