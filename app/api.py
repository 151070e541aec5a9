"""The JSON read API under ``/api``: layers as GeoJSON, single features, OpenAPI."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, current_app, request, url_for
from shapely.geometry import Point
from werkzeug.http import generate_etag

from app.db import get_store
from app.layer_cache import index_of, layer_cache
from app.openapi import openapi_document
from app.participation import status_url, submit_idea
from app.responses import json_response
from measures.domain.errors import NotFound, QueryError, UserError
from measures.domain.ideas import InvalidSubmission
from measures.domain.layers import LAYERS
from measures.domain.query import LayerQuery
from measures.reading import geojson
from measures.reading import idea_points as points
from measures.reading.parameters import check_layer, parse_layer_query

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"


def _conditional(
    body: str | bytes, mimetype: str, changed_at: datetime | None, etag: str | None = None
) -> Response:
    """A response that clients may cache and revalidate (ETag, Last-Modified → 304)."""
    response = current_app.response_class(body, mimetype=mimetype)
    # Revalidate every time: a moderated idea must show up without waiting for a cache.
    response.headers["Cache-Control"] = "no-cache"
    if changed_at is not None:
        response.last_modified = changed_at
    if etag is None:
        response.add_etag()
    else:
        response.set_etag(etag)
    return response.make_conditional(request)


_dumps = geojson.dumps


def _layer_answer(name: str, query: LayerQuery, changed_at: datetime | None):
    """Body and ETag of the FeatureCollection of ``query``: from the layer's index, else
    from the database."""
    index = index_of(name, changed_at)
    if index is not None:
        features = index.select(query)
    else:
        to_feature = geojson.LAYER_FEATURES[name]
        records = get_store().layers.records(name, query)
        features = [_dumps(to_feature(r)).encode() for r in records]
    envelope = _dumps(geojson.feature_collection([], name)).encode()
    body = geojson.with_features(envelope, features)
    etag = index.etag(name, query) if index is not None else generate_etag(body)
    return body, etag.encode()


@bp.get("/layers")
def layers():
    """The public layers with title, feature count, extent, geometry types and last change."""
    infos = get_store().layers.infos()
    document = {
        "layers": [
            {
                "name": info.name,
                "title": LAYERS[info.name].title,
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
    query = parse_layer_query(name, request.args.to_dict(flat=False))
    # changed_at before the rows: the cache (app/layer_cache.py) relies on that order.
    changed_at = get_store().layers.changed_at(name)

    body, etag = layer_cache().get_or_build(
        name, ("api", query), changed_at, lambda: _layer_answer(name, query, changed_at)
    )
    return _conditional(body, GEOJSON, changed_at, etag.decode())


@bp.get("/layers/ideas/points")
def idea_points():
    """Positions and Handlungsfeld of the approved ideas: what the overview map draws."""
    query = parse_layer_query("ideas", request.args.to_dict(flat=False))
    # changed_at before the rows, as in layer(): the cache relies on that order.
    changed_at = get_store().layers.changed_at("ideas")

    def build() -> tuple[bytes, bytes]:
        # From the layer's index when there is one: the popups ask for the ideas at a
        # spot from the same index right after.
        index = index_of("ideas", changed_at)
        if index is not None:
            positions = index.positions(query)
        else:
            positions = points.positions_of(get_store().layers.records("ideas", query))
        # Small (33 KB at 10,000 ideas): hashed like any answer, so that its ETag also
        # follows the rounding and the vocabulary.
        body = _dumps(points.idea_points(positions)).encode()
        return body, generate_etag(body).encode()

    body, etag = layer_cache().get_or_build("ideas", ("points", query), changed_at, build)
    return _conditional(body, "application/json", changed_at, etag.decode())


def _one(feature: dict | None, what: str, feature_id: str, layer: str) -> Response:
    if feature is None:
        raise NotFound(f"{what} '{feature_id}' gibt es nicht.", "id")
    return _conditional(_dumps(feature), GEOJSON, get_store().layers.changed_at(layer))


@bp.get("/measures/<measure_id>")
def measure(measure_id: str):
    """One measure with all its public fields."""
    found = get_store().layers.record("measures", measure_id)
    return _one(
        found and geojson.to_feature("measures", found), "Die Maßnahme", measure_id, "measures"
    )


@bp.get("/locations/<location_id>")
def location(location_id: str):
    """One community place with all its public fields."""
    found = get_store().layers.record("locations", location_id)
    return _one(
        found and geojson.to_feature("locations", found), "Den Ort", location_id, "locations"
    )


@bp.get("/ideas/<idea_id>")
def idea(idea_id: str):
    """One approved idea, without personal data."""
    found = get_store().layers.record("ideas", idea_id)
    return _one(found and geojson.to_feature("ideas", found), "Die Idee", idea_id, "ideas")


JSON_TYPES = ("application/json", "application/geo+json")
# The API's names for the fields of a submission where they differ from the form's.
API_FIELDS = {"location": "geometry"}


def _invalid_feature(message: str, parameter: str) -> UserError:
    return UserError(message, code="invalid_feature", parameter=parameter)


def _read_feature() -> dict:
    """The request body as a GeoJSON Feature with a Point, or a UserError saying why not."""
    if request.mimetype not in JSON_TYPES:
        raise UserError(
            "Bitte senden Sie GeoJSON mit Content-Type application/geo+json oder application/json.",
            status=415,
            code="unsupported_media_type",
        )
    try:
        body = json.loads(request.get_data(cache=False).decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError("Der Inhalt ist nicht UTF-8-kodiert.", code="invalid_json") from None
    except (ValueError, RecursionError):
        raise UserError("Der Inhalt ist kein gültiges JSON.", code="invalid_json") from None
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise _invalid_feature("Erwartet wird ein GeoJSON-Feature.", "type")
    geometry = body.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise _invalid_feature("Die Geometrie muss ein GeoJSON-Point sein.", "geometry")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) != 2:
        raise _invalid_feature(
            "Der Punkt braucht genau zwei Koordinaten: [Länge, Breite] in EPSG:4326.", "geometry"
        )
    if any(isinstance(c, bool) or not isinstance(c, int | float) for c in coordinates):
        raise _invalid_feature("Die Koordinaten müssen Zahlen sein.", "geometry")
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise _invalid_feature("'properties' muss ein Objekt sein.", "properties")
    return {"lon": coordinates[0], "lat": coordinates[1], "properties": properties}


@bp.post("/ideas")
def create_idea():
    """Submit a resident's idea: a GeoJSON Feature with a Point; it waits for moderation."""
    feature = _read_feature()
    properties = feature["properties"]
    data = {
        name: properties.get(name)
        for name in ("title", "description", "category", "author_name", "email", "consent")
    }
    # Only the boolean true counts as consent here; the form's "on" is for the form.
    if properties.get("consent") is not True:
        data["consent"] = None
    try:
        submission = submit_idea({**data, "lon": feature["lon"], "lat": feature["lat"]})
    except InvalidSubmission as error:
        # The same error, with the fields named as the API names them.
        renamed = {API_FIELDS.get(k, k): v for k, v in error.errors.items()}
        raise InvalidSubmission(renamed) from None
    return json_response(
        {
            "id": submission.idea.id,
            "moderation_state": submission.idea.moderation_state,
            "status_url": status_url(submission.status_token),
        },
        201,
    )


@bp.get("/ideas/nearby")
def ideas_nearby():
    """Approved ideas near a point, nearest first: shown before submitting a new one."""
    try:
        lon = float(request.args.get("lon", ""))
        lat = float(request.args.get("lat", ""))
        radius = float(request.args.get("radius", "150"))
    except ValueError:
        raise QueryError("lon", "'lon', 'lat' und 'radius' müssen Zahlen sein.") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise QueryError("lon", "'lon'/'lat' liegen außerhalb von Länge/Breite.")
    if not 0 < radius <= 1000:
        raise QueryError("radius", "'radius' muss zwischen 1 und 1000 Metern liegen.")
    ideas = get_store().ideas.near(Point(lon, lat), radius, limit=10)
    document = geojson.feature_collection([geojson.to_feature("ideas", i) for i in ideas], "ideas")
    return json_response(document, content_type=GEOJSON)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of this API."""
    return json_response(openapi_document())
