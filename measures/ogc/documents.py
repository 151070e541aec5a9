"""The JSON documents of the service's metadata: landing page, conformance, collections,
queryables. Features are in ``features.py``, the OpenAPI description in ``openapi.py``.
"""

from __future__ import annotations

from measures.domain.layers import Filter
from measures.domain.messages import Message
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import N_
from measures.ogc import crs, gml_schema, schema
from measures.ogc.collections import COLLECTIONS, Collection
from measures.ogc.datetimes import iso
from measures.ogc.links import Urls, link, self_and_alternate, with_params
from measures.ogc.negotiation import (
    GEOJSON_TYPE,
    HTML,
    HTML_TYPE,
    JSON,
    JSON_TYPE,
    OPENAPI_TYPE,
    SCHEMA_TYPE,
)
from measures.storage.store import Store


def service_title(area: str | None) -> Message:
    """The service's title for the Quartier named ``area``, or for several (None)."""
    if area is None:
        return Message(N_("Quartierskarte (alle Quartiere) – OGC API Features"))
    return Message(N_("Quartierskarte %(area)s – OGC API Features"), area=area)


def service_description(area: str | None) -> Message:
    template = N_(
        "Maßnahmen, Orte und freigegebene Ideen (%(area)s) als OGC API – Features, zum "
        "Beispiel für QGIS oder GDAL. Ideen enthalten nie personenbezogene Daten."
    )
    return Message(template, area=area or Message(N_("alle Quartiere")))


QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
GREGORIAN = "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"

CONFORMANCE_CLASSES = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]


def _other(fmt: str) -> str:
    return HTML if fmt == JSON else JSON


def landing_page(urls: Urls, fmt: str, area: str | None) -> dict:
    """The landing page of the service for ``area`` (see ``service_title``)."""
    return {
        "title": service_title(area),
        "description": service_description(area),
        "links": [
            *self_and_alternate(urls.landing, fmt, JSON_TYPE, N_("Startseite des Dienstes")),
            link(urls.api, "service-desc", OPENAPI_TYPE, N_("API-Beschreibung (OpenAPI 3.0)")),
            link(
                with_params(urls.api, [("f", HTML)]),
                "service-doc",
                HTML_TYPE,
                N_("API-Beschreibung als HTML-Seite"),
            ),
            link(
                with_params(urls.conformance, [("f", JSON)]),
                "conformance",
                JSON_TYPE,
                N_("Erfüllte Konformitätsklassen"),
            ),
            link(
                with_params(urls.collections, [("f", JSON)]),
                "data",
                JSON_TYPE,
                N_("Die Sammlungen (Ebenen)"),
            ),
        ],
    }


def conformance(urls: Urls, fmt: str) -> dict:
    return {
        "conformsTo": CONFORMANCE_CLASSES,
        "links": self_and_alternate(urls.conformance, fmt, JSON_TYPE, N_("Konformitätsklassen")),
    }


def _extent(store: Store, collection: Collection, bbox, fallback_bbox) -> dict:
    first, last = store.layers.time_extent(collection.layer, collection.time_property)
    # An empty layer (no approved idea yet) still gets a box: its features must lie in
    # the Quartier, so that is where they will appear.
    box = bbox or fallback_bbox
    return {
        "spatial": {"bbox": [list(box)] if box else [], "crs": crs.CRS84},
        "temporal": {"interval": [[iso(first), iso(last)]], "trs": GREGORIAN},
    }


def collection_document(
    store: Store, urls: Urls, collection: Collection, fmt: str, infos=None
) -> dict:
    """The description of one collection; ``infos`` (from ``store.layers.infos``) may be
    passed in when several collections are described at once."""
    infos = {i.name: i for i in (infos or store.layers.infos())}
    url = urls.collection(collection.id)
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        # A collection of one geometry group: the extent of its whole layer, which holds it.
        "extent": _extent(store, collection, infos[collection.layer].bbox, infos["quartier"].bbox),
        "itemType": "feature",
        "crs": list(crs.SUPPORTED),
        "storageCrs": crs.STORAGE_CRS,
        "links": [
            *self_and_alternate(url, fmt, JSON_TYPE, collection.title),
            link(urls.items(collection.id), "items", GEOJSON_TYPE, N_("Die Objekte als GeoJSON")),
            link(
                with_params(urls.items(collection.id), [("f", HTML)]),
                "items",
                HTML_TYPE,
                N_("Die Objekte als HTML-Seite"),
            ),
            link(
                urls.queryables(collection.id),
                QUERYABLES_REL,
                SCHEMA_TYPE,
                N_("Filterbare Eigenschaften (JSON Schema)"),
            ),
            link(
                urls.schema(collection.id),
                schema.SCHEMA_REL,
                SCHEMA_TYPE,
                N_("Eigenschaften und Geometrietyp der Objekte (JSON Schema)"),
            ),
            *(
                [
                    link(
                        urls.gml_schema(collection.id),
                        gml_schema.DESCRIBED_BY_REL,
                        gml_schema.XML_TYPE,
                        N_("Eigenschaften und Geometrietyp der Objekte (XML-Schema, für GDAL)"),
                    )
                ]
                if gml_schema.offers_gml_schema(collection)
                else []
            ),
        ],
    }


def collections_document(
    store: Store, urls: Urls, fmt: str, query: LayerQuery | None = None
) -> dict:
    """Every collection; counts and extents of the records ``query`` selects (one
    Quartier's, or all)."""
    infos = store.layers.infos(query or LayerQuery())
    return {
        "links": self_and_alternate(urls.collections, fmt, JSON_TYPE, N_("Sammlungen")),
        "collections": [
            collection_document(store, urls, c, fmt, infos) for c in COLLECTIONS.values()
        ],
    }


def _queryable(f: Filter) -> dict:
    if f.values is None:
        # An open filter (the Quartier): its values are the installation's Quartiere.
        return {"title": f.title, "description": f.description, "type": "string"}
    # oneOf with const and title: the allowed keys with their German labels.
    return {
        "title": f.title,
        "type": "string",
        "oneOf": [{"const": key, "title": label} for key, label in f.values.items()],
    }


def queryables(urls: Urls, collection: Collection) -> dict:
    """JSON Schema of the properties ``/items`` filters on (Part 3)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": urls.queryables(collection.id),
        "type": "object",
        "title": collection.title,
        "description": N_(
            "Eigenschaften, nach denen die Objekte dieser Sammlung gefiltert werden können, "
            "als Parameter von /items: Gleichheit, mehrere Werte durch Komma getrennt."
        ),
        "properties": {f.name: _queryable(f) for f in collection.filters},
        "additionalProperties": False,
    }
