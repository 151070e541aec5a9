"""Answering read requests: the bytes of an answer with what lets clients and workers reuse it.

A view parses the request, asks this service and sends what it gets back: an ``Answer``
with the body, its media type and, where the answer follows from the state of a layer,
a strong ETag and the layer's last change. Caching (``cache.py``), the layer's index
(``layer_index.py``) and the writing of the bytes happen here, not in the web layer.

Every answer about a layer starts by reading the layer's ``changed_at`` (``_version``),
then the rows or the index. ETags are hashes of what the answer holds, so every worker
sends the same ETag for the same answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from measures.domain.layers import LAYERS
from measures.domain.query import LayerQuery
from measures.reading import geojson
from measures.reading import idea_points as points
from measures.reading.cache import LayerCache, Parts
from measures.reading.layer_index import LayerIndex, read_index, update_index
from measures.storage.layers import LayerVersion
from measures.storage.store import Store

GEOJSON = "application/geo+json"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a read request is answered with, before it becomes an HTTP response."""

    # The body in parts that are sent one after the other, not joined: a large OGC page
    # is not copied for each response.
    parts: tuple[bytes, ...]
    media_type: str
    # Strong ETag and Last-Modified; an answer without an ETag is sent without
    # validators and never answered with 304 (the OGC API's pages and features).
    etag: str | None = None
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()
    # How many features it holds, where a rate limit counts them (an OGC page).
    features: int | None = None

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


def etag_of(body: bytes) -> str:
    """The ETag of a body: its SHA-1, as werkzeug's ``generate_etag`` writes it."""
    return hashlib.sha1(body, usedforsecurity=False).hexdigest()


class ReadingService:
    """The read answers of one worker, from its store and its layer cache."""

    def __init__(self, store: Store, cache: LayerCache, most_points: int = points.MOST_POINTS):
        self.store = store
        self.cache = cache
        # Beyond this many ideas the map's points come counted in cells (idea_points.py).
        self.most_points = most_points

    def _version(self, layer: str) -> LayerVersion | None:
        """The layer's version (number of changes and ``changed_at``), read before any
        of its rows.

        The order matters: the rows read afterwards (from the database or into an index)
        are at least as new as this version, so nothing is ever kept or sent under a
        version older than what it holds; a change after this read shows in the next
        answer, under its newer version.
        """
        return self.store.layers.version(layer)

    def cached(
        self, layer: str, query, build: Callable[[LayerVersion | None], Sequence[bytes]]
    ) -> tuple[Parts, datetime | None]:
        """The parts of the answer to ``query`` on ``layer`` and the layer's last change:
        kept from an earlier request while the layer has not changed, else
        ``build(version)``'s."""
        version = self._version(layer)
        parts = self.cache.get_or_build(layer, query, version, lambda: build(version))
        return parts, version.changed_at if version is not None else None

    def index(self, layer: str, version: LayerVersion | None) -> LayerIndex | None:
        """The layer's index at ``version``: on first use read whole, after a change the
        index of an earlier version updated by the records changed since (``update_index``);
        None when the database should answer instead (see ``LayerCache.index``). Only
        inside ``build`` of ``cached``, which has read the version first."""
        return self.cache.index(
            layer,
            version,
            lambda: read_index(self.store, layer, version),
            lambda held: update_index(self.store, layer, held),
        )

    def layers(self, url_of: Callable[[str], str], query: LayerQuery | None = None) -> Answer:
        """The public layers with title, count, extent, geometry types and last change (of
        what ``query`` selects: one Quartier's)."""
        infos = self.store.layers.infos(query or LayerQuery())
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
                    "url": url_of(info.name),
                }
                for info in infos
            ]
        }
        changed = [i.changed_at for i in infos if i.changed_at]
        body = geojson.dumps(document).encode()
        return Answer((body,), JSON, etag_of(body), max(changed) if changed else None)

    def layer(self, name: str, query: LayerQuery) -> Answer:
        """The FeatureCollection of ``query`` on the layer ``name``."""
        (body, etag), changed_at = self.cached(
            name, ("api", query), lambda changed_at: self._layer_parts(name, query, changed_at)
        )
        return Answer((body,), GEOJSON, etag.decode(), changed_at)

    def _layer_parts(
        self, name: str, query: LayerQuery, changed_at: LayerVersion | None
    ) -> tuple[bytes, bytes]:
        """Body and ETag of a FeatureCollection: from the layer's index, else from the
        database."""
        index = self.index(name, changed_at)
        if index is not None:
            features = index.select(query)
        else:
            to_feature = geojson.LAYER_FEATURES[name]
            records = self.store.layers.records(name, query)
            features = [geojson.dumps(to_feature(r)).encode() for r in records]
        envelope = geojson.dumps(geojson.feature_collection([], name)).encode()
        body = geojson.with_features(envelope, features)
        etag = index.etag(name, query) if index is not None else etag_of(body)
        return body, etag.encode()

    def idea_points(self, query: LayerQuery) -> Answer:
        """Positions and Handlungsfeld of the approved ideas matching ``query``."""

        def build(changed_at: LayerVersion | None) -> tuple[bytes, bytes]:
            # From the layer's index when there is one: the popups ask for the ideas at a
            # spot from the same index right after.
            index = self.index("ideas", changed_at)
            if index is not None and len(index.matching(query)) <= self.most_points:
                # Each idea a point: written from the index's per-feature texts.
                body = index.points_json(query)
            else:
                # Beyond ``most_points`` ideas, the cells of a grid (idea_points.py).
                if index is not None:
                    cells = index.cells(query, self.most_points)
                else:
                    positions = points.positions_of(self.store.layers.records("ideas", query))
                    cells = points.idea_points(positions, most=self.most_points)
                body = geojson.dumps(cells).encode()
            # Small (33 KB at 10,000 ideas): hashed like any answer, so that its ETag also
            # follows the rounding and the vocabulary.
            return body, etag_of(body).encode()

        (body, etag), changed_at = self.cached("ideas", ("points", query), build)
        return Answer((body,), JSON, etag.decode(), changed_at)

    def feature(
        self, layer: str, feature_id: str, query: LayerQuery | None = None
    ) -> Answer | None:
        """One public feature of ``layer`` (among those ``query`` selects) with all its
        public fields; None if there is no such public feature."""
        version = self._version(layer)
        record = self.store.layers.record(layer, feature_id, query or LayerQuery())
        if record is None:
            return None
        body = geojson.dumps(geojson.LAYER_FEATURES[layer](record)).encode()
        return Answer((body,), GEOJSON, etag_of(body), version.changed_at if version else None)
