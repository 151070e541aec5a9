"""A layer's features serialised once, answering filtered queries from memory.

Building a feature (row → record → dict → JSON) costs far more than finding it: for a box
of a thousand ideas among ten thousand, nearly all of a request went into building
features that had been built for the previous box already. A ``LayerIndex`` holds every
public feature of one version of a layer as JSON bytes, next to the few attributes the
read API filters on (status, category, kind) and each geometry's bounding box. A query
then picks features with array comparisons and joins their bytes.

The answers equal the store's (``Store.measures`` etc. with the same ``LayerQuery``): the
same features in the same order, the same box test — the closed box against the bounding
box, then, for anything but a point, ``shapely.intersects`` with ``geo.box_geometry`` as
the SQLite backend does and as ``ST_Intersects`` decides in PostGIS.
``tests/test_layer_index.py`` compares the two for many random queries on both backends.

Which version of a layer an index holds is the caller's business (``app/layer_cache.py``
keys it by the layer's ``changed_at``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from measures import geo, geojson
from measures.query import LayerQuery
from measures.storage import Store

# The attributes a LayerQuery filters on, by the record attribute that holds them.
FILTERS = {"statuses": "status", "categories": "category", "kinds": "kind"}
# A rough cost of a feature besides its JSON (geometry object, array slots), for sizing
# the cache.
OVERHEAD_PER_FEATURE = 200


@dataclass(frozen=True)
class LayerIndex:
    features: tuple[bytes, ...]
    bounds: np.ndarray  # (n, 4): minx, miny, maxx, maxy
    geometries: np.ndarray  # shapely geometries, for the exact test of non-points
    is_point: np.ndarray  # bool: the bounding box decides alone
    attributes: dict[str, np.ndarray]  # record attribute → values, for the filters
    nbytes: int
    digest: bytes  # of every feature's JSON, in order: the same in every worker

    def etag(self, kind: str, query: LayerQuery) -> str:
        """A strong ETag for the answer of ``kind`` to ``query`` made from this index.

        Such an answer follows from the features and the query alone, so hashing those
        names it as well as hashing the answer would, in every worker, without reading
        the answer's bytes (a third of the work of a new box).
        """
        filters = [",".join(sorted(getattr(query, field))) for field in FILTERS]
        key = "|".join([kind, *filters, repr(query.bbox)])
        return hashlib.sha1(self.digest + key.encode(), usedforsecurity=False).hexdigest()

    def select(self, query: LayerQuery) -> list[bytes]:
        """The JSON of every feature matching ``query``, in the layer's order."""
        return [self.features[i] for i in self.matching(query)]

    def positions(self, query: LayerQuery) -> list[tuple[float, float, str]]:
        """``(lon, lat, category)`` of every matching feature: for a layer of points."""
        rows = self.matching(query)
        categories = self.attributes["category"][rows]
        return list(zip(self.bounds[rows, 0], self.bounds[rows, 1], categories, strict=True))

    def matching(self, query: LayerQuery) -> np.ndarray:
        """The positions in the layer's order of the features matching ``query``."""
        keep = np.ones(len(self.features), dtype=bool)
        for field, attribute in FILTERS.items():
            wanted = getattr(query, field)
            values = self.attributes.get(attribute)
            # Like the store: a filter on an attribute the layer lacks is no filter.
            if wanted and values is not None:
                keep &= np.isin(values, sorted(wanted))
        if query.bbox is not None:
            keep &= self._in_box(query.bbox)
        return np.flatnonzero(keep)

    def _in_box(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        minx, miny, maxx, maxy = bbox
        b = self.bounds
        near = (b[:, 2] >= minx) & (b[:, 0] <= maxx) & (b[:, 3] >= miny) & (b[:, 1] <= maxy)
        # A point whose bounding box meets the closed box lies in it; lines and areas
        # whose boxes merely overlap it need the exact test.
        doubtful = np.flatnonzero(near & ~self.is_point)
        if len(doubtful):
            near[doubtful] = shapely.intersects(self.geometries[doubtful], geo.box_geometry(*bbox))
        return near


def read_index(store: Store, layer: str) -> LayerIndex:
    """The index of every public record of ``layer``, as the read API writes them."""
    return build_index(store.layer_records(layer), geojson.LAYER_FEATURES[layer])


def build_index(records: Iterable, to_feature: Callable[[object], dict]) -> LayerIndex:
    """An index of ``records`` (in the layer's order), each written by ``to_feature``."""
    records = list(records)
    features = tuple(geojson.dumps(to_feature(r)).encode() for r in records)
    geometries = np.array([r.geometry for r in records] or [], dtype=object)
    bounds = shapely.bounds(geometries).reshape(-1, 4) if len(records) else np.empty((0, 4))
    is_point = shapely.get_type_id(geometries) == shapely.GeometryType.POINT
    attributes = {
        attribute: np.array([getattr(r, attribute) for r in records], dtype=object)
        for attribute in FILTERS.values()
        if records and hasattr(records[0], attribute)
    }
    nbytes = sum(len(f) for f in features) + OVERHEAD_PER_FEATURE * len(records)
    digest = hashlib.sha1(b"\n".join(features), usedforsecurity=False).digest()
    return LayerIndex(
        features, bounds, geometries, np.asarray(is_point), attributes, nbytes, digest
    )
