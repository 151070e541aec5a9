"""The JSON read API under ``/api``: layers as GeoJSON, single features, OpenAPI."""

from __future__ import annotations

import json

from flask import Blueprint, request, url_for
from flask_babel import gettext
from shapely.geometry import Point

from app.db import get_store
from app.i18n import label
from app.openapi import openapi_document
from app.participation import status_url, submit_idea
from app.quartiere import current_quartier, default_quartier, scoped
from app.reading import reading, respond
from app.responses import json_response
from measures.domain.errors import NotFound, QueryError, UserError
from measures.domain.ideas import InvalidSubmission
from measures.domain.messages import Message
from measures.domain.streets import streets_of
from measures.domain.vocabulary import LOCATION_KINDS, N_, STATUSES
from measures.reading import geojson
from measures.reading.parameters import check_layer, parse_layer_query
from measures.reading.search import MAX_QUERY, Hit, gazetteer, search

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"


@bp.get("/layers")
def layers():
    """The public layers with title, feature count, extent, geometry types and last change."""
    return respond(reading().layers(lambda name: url_for("api.layer", name=name), scoped()))


@bp.get("/layers/<name>")
def layer(name: str):
    """One layer as a GeoJSON FeatureCollection, filtered by status, category, kind, bbox."""
    check_layer(name)
    query = scoped(parse_layer_query(name, request.args.to_dict(flat=False)))
    return respond(reading().layer(name, query))


@bp.get("/layers/ideas/points")
def idea_points():
    """Positions and Handlungsfeld of the approved ideas: what the overview map draws."""
    query = scoped(parse_layer_query("ideas", request.args.to_dict(flat=False)))
    return respond(reading().idea_points(query))


def _one(layer: str, feature_id: str, missing: str):
    """The feature, or a 404 with ``missing`` (a template with ``%(id)s``)."""
    answer = reading().feature(layer, feature_id, scoped())
    if answer is None:
        raise NotFound(Message(missing, id=feature_id), "id")
    return respond(answer)


@bp.get("/measures/<measure_id>")
def measure(measure_id: str):
    """One measure with all its public fields."""
    return _one("measures", measure_id, N_("Die Maßnahme '%(id)s' gibt es nicht."))


@bp.get("/locations/<location_id>")
def location(location_id: str):
    """One community place with all its public fields."""
    return _one("locations", location_id, N_("Den Ort '%(id)s' gibt es nicht."))


@bp.get("/ideas/<idea_id>")
def idea(idea_id: str):
    """One approved idea, without personal data."""
    return _one("ideas", idea_id, N_("Die Idee '%(id)s' gibt es nicht."))


JSON_TYPES = ("application/json", "application/geo+json")
# The API's names for the fields of a submission where they differ from the form's.
API_FIELDS = {"location": "geometry"}


def _invalid_feature(message: str, parameter: str) -> UserError:
    return UserError(message, code="invalid_feature", parameter=parameter)


def _read_feature() -> dict:
    """The request body as a GeoJSON Feature with a Point, or a UserError saying why not."""
    if request.mimetype not in JSON_TYPES:
        raise UserError(
            N_(
                "Bitte senden Sie GeoJSON mit Content-Type application/geo+json oder "
                "application/json."
            ),
            status=415,
            code="unsupported_media_type",
        )
    try:
        body = json.loads(request.get_data(cache=False).decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(N_("Der Inhalt ist nicht UTF-8-kodiert."), code="invalid_json") from None
    except (ValueError, RecursionError):
        raise UserError(N_("Der Inhalt ist kein gültiges JSON."), code="invalid_json") from None
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise _invalid_feature(N_("Erwartet wird ein GeoJSON-Feature."), "type")
    geometry = body.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise _invalid_feature(N_("Die Geometrie muss ein GeoJSON-Point sein."), "geometry")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) != 2:
        raise _invalid_feature(
            N_("Der Punkt braucht genau zwei Koordinaten: [Länge, Breite] in EPSG:4326."),
            "geometry",
        )
    if any(isinstance(c, bool) or not isinstance(c, int | float) for c in coordinates):
        raise _invalid_feature(N_("Die Koordinaten müssen Zahlen sein."), "geometry")
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise _invalid_feature(N_("'properties' muss ein Objekt sein."), "properties")
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
        raise QueryError("lon", N_("'lon', 'lat' und 'radius' müssen Zahlen sein.")) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise QueryError("lon", N_("'lon'/'lat' liegen außerhalb von Länge/Breite."))
    if not 0 < radius <= 1000:
        raise QueryError("radius", N_("'radius' muss zwischen 1 und 1000 Metern liegen."))
    ideas = get_store().ideas.near(Point(lon, lat), radius, limit=10, query=scoped())
    document = geojson.feature_collection([geojson.to_feature("ideas", i) for i in ideas], "ideas")
    return json_response(document, content_type=GEOJSON)


def _describe(hit: Hit) -> str:
    if hit.type == "street":
        return gettext("Straße")
    if hit.type == "location":
        return label(LOCATION_KINDS[hit.detail])
    return gettext("Maßnahme") + " · " + label(STATUSES[hit.detail])


@bp.get("/search")
def search_places():
    """Streets, places and measures whose names match ``q``, best first (the map's search)."""
    query = request.args.get("q", "").strip()
    if not query or len(query) > MAX_QUERY:
        raise QueryError(
            "q", Message(N_("'q' muss 1 bis %(maximum)s Zeichen lang sein."), maximum=MAX_QUERY)
        )
    store = get_store()
    # Only the current Quartier's streets, places and measures.
    hits = gazetteer(
        streets_of(current_quartier().slug),
        store.layers.records("locations", scoped()),
        store.layers.records("measures", scoped()),
    )
    results = [
        {
            "type": hit.type,
            "id": hit.id,
            "name": hit.name,
            "description": _describe(hit),
            "feature": hit.feature,
            "lon": hit.lon,
            "lat": hit.lat,
        }
        for hit in search(hits, query)
    ]
    return json_response({"query": query, "results": results})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of this API."""
    slugs = [q.slug for q in get_store().quartiere.all(active_only=True)]
    return json_response(openapi_document(slugs, default_quartier().slug))
