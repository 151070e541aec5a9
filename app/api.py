"""The JSON read API under ``/api``: layers as GeoJSON, single features, OpenAPI."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from app.db import get_store
from app.errors import ApiError
from app.openapi import openapi_document
from measures import geojson
from measures.query import check_layer, parse_layer_query
from measures.vocabulary import LAYERS

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"


def _conditional(body: str, mimetype: str, changed_at: datetime | None) -> Response:
    """A response that clients may cache and revalidate (ETag, Last-Modified → 304)."""
    response = current_app.response_class(body, mimetype=mimetype)
    # Revalidate every time: a moderated idea must show up without waiting for a cache.
    response.headers["Cache-Control"] = "no-cache"
    if changed_at is not None:
        response.last_modified = changed_at
    response.add_etag()
    return response.make_conditional(request)


def _dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _layer_features(name: str, args) -> list[dict]:
    query = parse_layer_query(name, args)
    store = get_store()
    if name == "quartier":
        return [geojson.quartier_feature(q) for q in store.quartiers(query)]
    if name == "measures":
        return [geojson.measure_feature(m) for m in store.measures(query)]
    if name == "locations":
        return [geojson.location_feature(loc) for loc in store.locations(query)]
    return [geojson.idea_feature(i) for i in store.ideas(query)]


@bp.get("/layers")
def layers():
    """The public layers with title, feature count, extent, geometry types and last change."""
    infos = get_store().layer_infos()
    document = {
        "layers": [
            {
                "name": info.name,
                "title": LAYERS[info.name],
                "count": info.count,
                "bbox": list(info.bbox) if info.bbox else None,
                "geometry_types": list(info.geometry_types),
                "changed_at": info.changed_at.isoformat().replace("+00:00", "Z")
                if info.changed_at
                else None,
                "url": url_for("api.layer", name=info.name),
            }
            for info in infos
        ]
    }
    changed = [i.changed_at for i in infos if i.changed_at]
    return _conditional(_dumps(document), "application/json", max(changed) if changed else None)


@bp.get("/layers/<name>")
def layer(name: str):
    """One layer as a GeoJSON FeatureCollection, filtered by status, category, kind, bbox."""
    check_layer(name)
    features = _layer_features(name, request.args.to_dict(flat=False))
    document = geojson.feature_collection(features, name)
    return _conditional(_dumps(document), GEOJSON, get_store().layer_changed_at(name))


def _one(feature: dict | None, what: str, feature_id: str, layer: str) -> Response:
    if feature is None:
        raise ApiError(404, "not_found", f"{what} '{feature_id}' gibt es nicht.", "id")
    return _conditional(_dumps(feature), GEOJSON, get_store().layer_changed_at(layer))


@bp.get("/measures/<measure_id>")
def measure(measure_id: str):
    """One measure with all its public fields."""
    found = get_store().measure(measure_id)
    return _one(found and geojson.measure_feature(found), "Die Maßnahme", measure_id, "measures")


@bp.get("/locations/<location_id>")
def location(location_id: str):
    """One community place with all its public fields."""
    found = get_store().location(location_id)
    return _one(found and geojson.location_feature(found), "Den Ort", location_id, "locations")


@bp.get("/ideas/<idea_id>")
def idea(idea_id: str):
    """One approved idea, without personal data."""
    found = get_store().idea(idea_id)
    return _one(found and geojson.idea_feature(found), "Die Idee", idea_id, "ideas")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of this API."""
    return jsonify(openapi_document())
