"""OGC API – Features under ``/ogc``: a thin layer over ``measures.ogc``.

Each view parses the request, asks ``measures.ogc`` for the document and writes it as
JSON or renders it as a page in the reader's language. The documents' texts are the
domain's German messages (``measures.ogc``): JSON keeps them German, the pages translate
them with ``translate``. Errors under ``/ogc`` are answered in the OGC
exception shape ``{"code", "description", "status"}`` by ``app/errors.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext
from shapely.geometry import box, mapping
from werkzeug.exceptions import HTTPException

from app.db import get_store
from app.i18n import translate
from app.public_url import external_url
from app.quartiere import area_of_url, in_quartier_of_url
from app.reading import reading, respond
from app.responses import json_response
from measures.domain.errors import NotFound
from measures.domain.messages import Message
from measures.domain.vocabulary import N_
from measures.ogc import crs as ogc_crs
from measures.ogc import documents, features, gml_schema, params
from measures.ogc import schema as feature_schemas
from measures.ogc.collections import (
    COLLECTIONS,
    LABEL_PROPERTIES,
    PROPERTY_TITLES,
    TIME_PROPERTY_TITLES,
    Collection,
    feature_label,
    get_collection,
)
from measures.ogc.links import Urls
from measures.ogc.negotiation import (
    GEOJSON_TYPE,
    HTML,
    JSON,
    JSON_TYPE,
    OPENAPI_TYPE,
    SCHEMA_TYPE,
    choose_format,
)
from measures.ogc.openapi import openapi_document

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


@bp.record_once
def _rate_limit(state) -> None:
    # A budget of features per address (params.request_cost): paging through a layer in
    # small pages costs about what one large page does. Counted after the answer, when
    # its number of features is known; before it, whether the least cost is left.
    app = state.app
    limiter = app.extensions.get("quartierskarte.limiter")
    if limiter is not None:
        limiter.limit(
            lambda: app.config["RATELIMIT_OGC"],
            cost=lambda: params.request_cost(
                request.endpoint == "ogc.items", g.get("ogc_features")
            ),
            deduct_when=lambda response: response.status_code != 429,
        )(bp)


# -- request and response helpers ------------------------------------------------------


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _urls() -> Urls:
    return Urls(external_url("ogc.landing").rstrip("/"))


def _format(json_types=(GEOJSON_TYPE, JSON_TYPE)) -> str:
    return choose_format(request.args.getlist("f"), request.accept_mimetypes, json_types)


def _json(document: dict, content_type: str, crs: str | None = None) -> Response:
    response = json_response(document, content_type=content_type)
    if crs is not None:
        response.headers["Content-Crs"] = ogc_crs.content_crs_header(crs)
    return response


def _html(template: str, crs: str | None = None, **context) -> Response:
    response = current_app.make_response(
        render_template(
            f"ogc/{template}",
            property_titles=PROPERTY_TITLES,
            label_properties=LABEL_PROPERTIES,
            crs_names=ogc_crs.NAMES,
            **context,
        )
    )
    if crs is not None:
        response.headers["Content-Crs"] = ogc_crs.content_crs_header(crs)
    return response


def _collection(collection_id: str) -> Collection:
    collection = get_collection(collection_id)
    if collection is None:
        raise NotFound(
            Message(
                N_("Die Sammlung '%(collection)s' gibt es nicht. Vorhanden sind: %(collections)s."),
                collection=collection_id,
                collections=", ".join(COLLECTIONS),
            )
        )
    return collection


def _map_data(urls: Urls, collection: Collection, items: list[dict]) -> dict:
    """What the page's map draws: each feature with a label and the link to its page."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {
                    "label": feature_label(f),
                    "href": urls.item(collection.id, f["id"]) + "?f=html",
                },
            }
            for f in items
        ],
    }


# -- resources ------------------------------------------------------------------------


@bp.get("")
@bp.get("/")
def landing():
    """Landing page: what the service offers and where to find it."""
    fmt = _format((JSON_TYPE,))
    params.check_known(_args(), params.PLAIN)
    urls = _urls()
    document = documents.landing_page(urls, fmt, area_of_url())
    if fmt == JSON:
        return _json(document, JSON_TYPE)
    return _html("landing.html", doc=document, urls=urls)


@bp.get("/conformance")
def conformance():
    """The conformance classes the service implements."""
    fmt = _format((JSON_TYPE,))
    params.check_known(_args(), params.PLAIN)
    document = documents.conformance(_urls(), fmt)
    if fmt == JSON:
        return _json(document, JSON_TYPE)
    return _html("conformance.html", doc=document)


@bp.get("/api")
def api():
    """The OpenAPI 3.0 description of the service."""
    fmt = _format((OPENAPI_TYPE, "application/openapi+json", JSON_TYPE))
    params.check_known(_args(), params.PLAIN)
    document = openapi_document(_urls(), area_of_url())
    if fmt == JSON:
        return _json(document, OPENAPI_TYPE)
    return _html("api.html", doc=document)


@bp.get("/collections")
def collections():
    """All collections with their extent and CRS."""
    fmt = _format((JSON_TYPE,))
    params.check_known(_args(), params.PLAIN)
    document = documents.collections_document(get_store(), _urls(), fmt, in_quartier_of_url())
    if fmt == JSON:
        return _json(document, JSON_TYPE)
    return _html("collections.html", doc=document, urls=_urls())


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection: title, description, extent, CRS, links to its items."""
    fmt = _format((JSON_TYPE,))
    params.check_known(_args(), params.PLAIN)
    found = _collection(collection_id)
    urls = _urls()
    store = get_store()
    infos = store.layers.infos(in_quartier_of_url())
    document = documents.collection_document(store, urls, found, fmt, infos)
    if fmt == JSON:
        return _json(document, JSON_TYPE)
    spatial = document["extent"]["spatial"]["bbox"]
    extent_map = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": mapping(box(*bbox[:4])),
                "properties": {
                    "label": gettext("Ausdehnung: %(title)s", title=translate(found.title))
                },
            }
            for bbox in spatial
        ],
    }
    return _html(
        "collection.html",
        doc=document,
        collection=found,
        urls=urls,
        map_data=extent_map,
        time_title=TIME_PROPERTY_TITLES[found.time_property],
    )


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """The properties ``/items`` can filter on, as JSON Schema."""
    fmt = _format((SCHEMA_TYPE, JSON_TYPE))
    params.check_known(_args(), params.PLAIN)
    found = _collection(collection_id)
    document = documents.queryables(_urls(), found)
    if fmt == JSON:
        return _json(document, SCHEMA_TYPE)
    return _html("queryables.html", doc=document, collection=found, urls=_urls())


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str):
    """Every property and the geometry type of the features, as JSON Schema (Part 5)."""
    params.check_known(_args(), params.NONE)
    return _json(feature_schemas.feature_schema(_urls(), _collection(collection_id)), SCHEMA_TYPE)


@bp.get("/collections/<collection_id>/schema.xsd")
def xml_schema(collection_id: str):
    """The same as a GML application schema, for GDAL (``measures.ogc.gml_schema``)."""
    params.check_known(_args(), params.NONE)
    found = _collection(collection_id)
    if not gml_schema.offers_gml_schema(found):
        raise NotFound(
            Message(
                N_(
                    "Die Sammlung '%(collection)s' hat kein XML-Schema: sie enthält JSON-Listen, "
                    "die GDAL nur aus den Objekten selbst richtig erkennt. Ihr JSON Schema: "
                    "%(schema)s"
                ),
                collection=collection_id,
                schema=_urls().schema(collection_id),
            )
        )
    return Response(gml_schema.gml_schema(_urls(), found), mimetype=gml_schema.XML_TYPE)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """One page of a collection's features, filtered and in the CRS asked for."""
    fmt = _format()
    found = _collection(collection_id)
    items_request = params.parse_items_request(found, _args())
    items_request = replace(items_request, query=in_quartier_of_url(items_request.query))
    urls = _urls()
    if fmt == JSON:
        answer = features.items_answer(reading(), urls, found, items_request)
        g.ogc_features = answer.features
        return respond(answer)
    page = features.read_items(get_store(), found, items_request, datetime.now(UTC))
    g.ogc_features = page.number_returned
    return _html(
        "items.html",
        ogc_crs.CRS84,
        page=page,
        collection=found,
        urls=urls,
        links=features.items_links(urls, page, HTML),
        map_data=_map_data(urls, found, page.features),
        label=feature_label,
    )


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature with all its public attributes."""
    fmt = _format()
    found = _collection(collection_id)
    output_crs = params.parse_item_request(_args())
    urls = _urls()
    feature = features.read_item(get_store(), found, feature_id, in_quartier_of_url())
    if fmt == JSON:
        return respond(features.item_answer(urls, found, feature, output_crs))
    return _html(
        "item.html",
        ogc_crs.CRS84,
        feature=feature,
        collection=found,
        urls=urls,
        links=features.item_links(urls, found, feature, output_crs, HTML),
        map_data=_map_data(urls, found, [feature]),
        label=feature_label(feature),
    )


@bp.get("/<path:unknown>")
def unknown_resource(unknown: str):
    """Anything else under /ogc: a 404 in the OGC shape, not the site's error page.

    A known path with a trailing slash (``/ogc/collections/``) is sent on to the path
    without it, query included.
    """
    path = request.path.rstrip("/")
    if path != request.path and _is_resource(path):
        query = request.query_string.decode()
        return redirect(path + ("?" + query if query else ""), code=308)
    raise NotFound(N_("Diese Adresse gibt es in der OGC API nicht."))


def _is_resource(path: str) -> bool:
    try:
        endpoint, _args = current_app.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return False
    return endpoint != "ogc.unknown_resource"
