"""The app's reading service (``measures/reading/service.py``) and how its answers are sent."""

from __future__ import annotations

from flask import Response, current_app, request

from app.db import get_store
from measures.reading.cache import DEFAULT_BYTES, LayerCache
from measures.reading.idea_points import MOST_POINTS
from measures.reading.service import Answer, ReadingService

_KEY = "quartierskarte.reading"


def reading() -> ReadingService:
    """The reading service of the current app, with its layer cache (one per app and
    worker process)."""
    service = current_app.extensions.get(_KEY)
    if service is None:
        # Made at the first read rather than in create_app, so that LAYER_CACHE_BYTES
        # may still be set after the app was made.
        size = int(current_app.config.get("LAYER_CACHE_BYTES", DEFAULT_BYTES))
        cache = LayerCache(size, current_app.logger)
        most = int(current_app.config.get("MAP_POINTS_MOST", MOST_POINTS))
        service = current_app.extensions.setdefault(_KEY, ReadingService(get_store(), cache, most))
    return service


def layer_cache() -> LayerCache:
    """The layer cache of the current app."""
    return reading().cache


def respond(answer: Answer) -> Response:
    """The HTTP response of ``answer``; with an ETag it may be cached and revalidated
    (ETag, Last-Modified → 304 Not Modified)."""
    if len(answer.parts) == 1:
        response = current_app.response_class(answer.parts[0], mimetype=answer.media_type)
    else:
        # The parts as they are, not joined: no copy of a large page per request.
        response = current_app.response_class(list(answer.parts), mimetype=answer.media_type)
        response.content_length = sum(map(len, answer.parts))
    for name, value in answer.headers:
        response.headers[name] = value
    if answer.etag is None:
        return response
    # Revalidate every time: a moderated idea must show up without waiting for a cache.
    response.headers["Cache-Control"] = "no-cache"
    if answer.last_modified is not None:
        response.last_modified = answer.last_modified
    response.set_etag(answer.etag)
    return response.make_conditional(request)
