"""Reading features for ``/items`` and ``/items/{featureId}`` and writing them as GeoJSON.

Pages come from the store with limit, offset, count and all filters in SQL, so that a
client paging in small steps (GDAL 3.6 asks for 10 at a time) costs little per page; in
CRS84 and without ``datetime`` they come from the layer's index (``page_from_index``).
``items_answer`` keeps the JSON of a page in the reading service's cache.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import mapping, shape

from measures.domain.errors import NotFound
from measures.domain.messages import Message, as_message
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import N_
from measures.ogc import crs as crs_module
from measures.ogc.collections import Collection
from measures.ogc.datetimes import iso
from measures.ogc.links import Urls, link, self_and_alternate, with_params
from measures.ogc.negotiation import GEOJSON_TYPE, HTML, HTML_TYPE, JSON, JSON_TYPE
from measures.ogc.params import ItemsRequest
from measures.reading.geojson import dumps, with_features
from measures.reading.layer_index import LayerIndex
from measures.reading.service import Answer, ReadingService
from measures.storage.filters import TimeRange
from measures.storage.layers import LayerVersion
from measures.storage.store import Store

PAGE_TYPES = {JSON: GEOJSON_TYPE, HTML: HTML_TYPE}


@dataclass(frozen=True)
class ItemsPage:
    collection: Collection
    request: ItemsRequest
    # As the read API builds them: lon/lat (CRS84), whatever CRS was asked for; from a
    # layer's index, already written as JSON (page_from_index).
    features: list[dict] | list[bytes]
    number_matched: int
    time_stamp: datetime

    @property
    def number_returned(self) -> int:
        return len(self.features)

    @property
    def next_offset(self) -> int | None:
        following = self.request.offset + self.number_returned
        return following if following < self.number_matched else None

    @property
    def prev_offset(self) -> int | None:
        if self.request.offset == 0:
            return None
        return max(0, self.request.offset - self.request.limit)


def read_items(store: Store, collection: Collection, request: ItemsRequest, now: datetime):
    time_range = (
        TimeRange(collection.time_property, request.time.start, request.time.end)
        if request.time
        else None
    )
    page = store.layers.page(
        collection.layer,
        request.query,
        limit=request.limit,
        offset=request.offset,
        time_range=time_range,
    )
    return ItemsPage(
        collection=collection,
        request=request,
        features=[collection.to_feature(record) for record in page.records],
        number_matched=page.number_matched,
        time_stamp=now,
    )


def page_from_index(
    index: LayerIndex, collection: Collection, request: ItemsRequest, now: datetime
) -> ItemsPage:
    """The page ``read_items`` reads, from a layer's index: its features as JSON bytes.

    Only for requests in CRS84 without ``datetime``: the index holds the features as the
    read API writes them, and no times to filter on.
    """
    rows = index.matching(request.query)
    page = rows[request.offset : request.offset + request.limit]
    return ItemsPage(
        collection=collection,
        request=request,
        features=index.features[page].tolist(),
        number_matched=len(rows),
        time_stamp=now,
    )


def read_item(
    store: Store, collection: Collection, feature_id: str, query: LayerQuery | None = None
) -> dict:
    """One feature of the collection (among those ``query`` selects)."""
    record = store.layers.record(collection.layer, feature_id, query or LayerQuery())
    if record is None or not collection.holds(record.geometry.geom_type):
        raise NotFound(
            Message(
                N_(
                    "In der Sammlung '%(collection)s' gibt es kein Objekt mit der Kennung '%(id)s'."
                ),
                collection=collection.id,
                id=feature_id,
            )
        )
    return collection.to_feature(record)


def in_crs(feature: dict, crs: str) -> dict:
    """``feature`` with its geometry in ``crs`` (and that CRS's axis order)."""
    if crs == crs_module.CRS84 or feature["geometry"] is None:
        return feature
    geometry = crs_module.geometry_to(shape(feature["geometry"]), crs)
    return {**feature, "geometry": mapping(geometry)}


def _page_params(page: ItemsPage, offset: int) -> list[tuple[str, str]]:
    params = [*page.request.selection, ("limit", str(page.request.limit))]
    return [*params, ("offset", str(offset))] if offset else params


def items_links(urls: Urls, page: ItemsPage, fmt: str) -> list[dict]:
    collection_id = page.collection.id
    items_url = urls.items(collection_id)
    links = [
        *self_and_alternate(
            items_url,
            fmt,
            GEOJSON_TYPE,
            Message(N_("%(collection)s: Objekte"), collection=as_message(page.collection.title)),
            _page_params(page, page.request.offset),
        )
    ]
    for rel, offset, title in (
        ("next", page.next_offset, N_("Nächste Seite")),
        ("prev", page.prev_offset, N_("Vorige Seite")),
    ):
        if offset is not None:
            href = with_params(items_url, [*_page_params(page, offset), ("f", fmt)])
            links.append(link(href, rel, PAGE_TYPES[fmt], title))
    links.append(
        link(
            with_params(urls.collection(collection_id), [("f", fmt)]),
            "collection",
            JSON_TYPE if fmt == JSON else HTML_TYPE,
            page.collection.title,
        )
    )
    return links


def _items_head(page: ItemsPage) -> dict:
    return {
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": page.number_returned,
    }


def _items_tail(urls: Urls, page: ItemsPage) -> dict:
    return {"links": items_links(urls, page, JSON), "features": []}


def items_json(urls: Urls, page: ItemsPage, written: list[bytes]) -> tuple[bytes, bytes]:
    """The GeoJSON FeatureCollection of one page with its features ``written`` as JSON, in
    two parts: before and after the value of ``timeStamp``.

    The members before the time stamp, written as an object without its closing brace,
    then ``"timeStamp":``; after it, a comma and the members after it, written as an
    object without its opening brace. Everything but the time stamp follows from the
    request, the base URL and the state of the layer, so the two parts can be kept.
    """
    head = dumps(_items_head(page))[:-1] + ',"timeStamp":'
    tail = ("," + dumps(_items_tail(urls, page))[1:]).encode()
    return head.encode(), with_features(tail, written)


def items_answer(
    reading: ReadingService, urls: Urls, collection: Collection, request: ItemsRequest
) -> Answer:
    """A GeoJSON page of items in the CRS asked for, kept in the layer cache while the
    layer has not changed; only ``timeStamp`` is written for each answer."""

    def build(changed_at: LayerVersion | None) -> tuple[bytes, bytes, bytes]:
        now, index = datetime.now(UTC), None
        if request.crs == crs_module.CRS84 and request.time is None:
            index = reading.index(collection.layer, changed_at)
        if index is None:
            page = read_items(reading.store, collection, request, now)
            written = [dumps(in_crs(f, request.crs)).encode() for f in page.features]
        else:
            page = page_from_index(index, collection, request, now)
            written = page.features
        # The number of features kept with the bytes (as bytes, like every cached part).
        return (*items_json(urls, page, written), str(page.number_returned).encode())

    (head, tail, returned), _changed_at = reading.cached(
        collection.layer, ("ogc", urls.base, request), build
    )
    stamp = json.dumps(iso(datetime.now(UTC).replace(microsecond=0))).encode()
    return Answer(
        (head, stamp, tail),
        GEOJSON_TYPE,
        headers=_content_crs(request.crs),
        features=int(returned),
    )


def _content_crs(crs: str) -> tuple[tuple[str, str], ...]:
    return (("Content-Crs", crs_module.content_crs_header(crs)),)


def item_links(urls: Urls, collection: Collection, feature: dict, crs: str, fmt: str):
    params = [] if crs == crs_module.CRS84 else [("crs", crs)]
    return [
        *self_and_alternate(
            urls.item(collection.id, feature["id"]),
            fmt,
            GEOJSON_TYPE,
            Message(
                N_("%(collection)s: %(id)s"),
                collection=as_message(collection.title),
                id=feature["id"],
            ),
            params,
        ),
        link(
            with_params(urls.collection(collection.id), [("f", fmt)]),
            "collection",
            JSON_TYPE if fmt == JSON else HTML_TYPE,
            collection.title,
        ),
    ]


def item_document(urls: Urls, collection: Collection, feature: dict, crs: str) -> dict:
    return {**in_crs(feature, crs), "links": item_links(urls, collection, feature, crs, JSON)}


def item_answer(urls: Urls, collection: Collection, feature: dict, crs: str) -> Answer:
    """One feature as GeoJSON in ``crs``."""
    body = dumps(item_document(urls, collection, feature, crs)).encode()
    return Answer((body,), GEOJSON_TYPE, headers=_content_crs(crs))
