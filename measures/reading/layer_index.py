"""A layer's features serialised once, answering filtered queries from memory.

Building a feature (row → record → dict → JSON) costs far more than finding it: for a box
of a thousand ideas among ten thousand, nearly all of a request went into building
features that had been built for the previous box already. A ``LayerIndex`` holds every
public feature of one version of a layer as JSON bytes, next to the few attributes the
read API filters on (status, category, kind) and each geometry's bounding box. A query
then picks features with array comparisons and joins their bytes.

The answers equal the store's (``store.layers.records`` with the same ``LayerQuery``): the
same features in the same order, the same box test — the closed box against the bounding
box, then, for anything but a point, ``shapely.intersects`` with ``geo.box_geometry`` as
the SQLite backend does and as ``ST_Intersects`` decides in PostGIS.
``tests/web/test_layer_index.py`` compares the two for many random queries on both backends.

Which version of a layer an index holds is the caller's business (``cache.py`` keys it
by the layer's ``changed_at``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from measures.domain import geo
from measures.domain.layers import LAYERS
from measures.domain.query import GEOMETRY_TYPE, LayerQuery
from measures.reading import geojson
from measures.storage import Store

# The fields any layer filters on (``LayerQuery.filters``), and the geometry type.
FILTERS = frozenset(
    {GEOMETRY_TYPE, *(f.field for layer in LAYERS.values() for f in layer.filters.values())}
)
# Raise when what the read API's answers from an index hold changes other than through
# the features (the selection, the envelope): their ETags must change with them.
ANSWER_VERSION = 2
# A rough cost of a feature besides its JSON (geometry object, array slots), for sizing
# the cache.
OVERHEAD_PER_FEATURE = 200


# eq=False: arrays do not compare as a dataclass's fields would.
@dataclass(frozen=True, eq=False)
class LayerIndex:
    features: tuple[bytes, ...]
    # Bounding boxes as four columns: minx, miny, maxx, maxy.
    minx: np.ndarray
    miny: np.ndarray
    maxx: np.ndarray
    maxy: np.ndarray
    # The features by minx, and the widest box: a box query looks only at the features
    # whose minx lies between its own minx less that width and its maxx (for points, the
    # width is 0), found by bisection instead of by comparing every feature.
    by_minx: np.ndarray
    sorted_minx: np.ndarray
    widest: float
    geometries: np.ndarray  # shapely geometries, for the exact test of non-points
    is_point: np.ndarray  # bool: the bounding box decides alone
    # Record attribute → (a number per feature, the numbers of the values).
    attributes: dict[str, tuple[np.ndarray, dict[str, int]]]
    nbytes: int
    digest: bytes  # of every feature's JSON, in order: the same in every worker

    def etag(self, layer: str, query: LayerQuery) -> str:
        """A strong ETag for the read API's answer to ``query`` made from this index.

        That answer follows from the features, the query and the code that selects and
        wraps them (``ANSWER_VERSION``), so hashing those names it as well as hashing
        the answer would, in every worker, without reading the answer's bytes (a third
        of the work of a new box).
        """
        # Sorted: a set's order differs between processes, the ETag must not.
        filters = [",".join(sorted(query.wanted(field))) for field in sorted(FILTERS)]
        key = "|".join([str(ANSWER_VERSION), layer, *filters, repr(query.bbox)])
        return hashlib.sha1(self.digest + key.encode(), usedforsecurity=False).hexdigest()

    def select(self, query: LayerQuery) -> list[bytes]:
        """The JSON of every feature matching ``query``, in the layer's order."""
        features = self.features
        return [features[i] for i in self.matching(query).tolist()]

    def positions(self, query: LayerQuery) -> list[tuple[float, float, str]]:
        """``(lon, lat, category)`` of every matching feature: for a layer of points."""
        rows = self.matching(query)
        if not len(rows):
            return []  # an empty layer has no attributes at all
        codes, numbers = self.attributes["category"]
        names = {number: name for name, number in numbers.items()}
        categories = [names[c] for c in codes[rows].tolist()]
        lons, lats = self.minx[rows].tolist(), self.miny[rows].tolist()
        return list(zip(lons, lats, categories, strict=True))

    def matching(self, query: LayerQuery) -> np.ndarray:
        """The positions in the layer's order of the features matching ``query``."""
        rows = np.arange(len(self.features)) if query.bbox is None else self._in_box(query.bbox)
        for attribute, wanted in query.filters:
            # Like the store: a filter on an attribute the layer lacks is no filter.
            if attribute in self.attributes:
                codes, numbers = self.attributes[attribute]
                chosen = [numbers[value] for value in wanted if value in numbers]
                rows = rows[np.isin(codes[rows], chosen)]
        return rows

    def _in_box(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """The features meeting the closed box, in the layer's order."""
        minx, miny, maxx, maxy = bbox
        low = np.searchsorted(self.sorted_minx, minx - self.widest, side="left")
        high = np.searchsorted(self.sorted_minx, maxx, side="right")
        rows = np.sort(self.by_minx[low:high])
        near = (self.maxx[rows] >= minx) & (self.maxy[rows] >= miny) & (self.miny[rows] <= maxy)
        rows = rows[near]
        # A point whose bounding box meets the closed box lies in it; lines and areas
        # whose boxes merely overlap it need the exact test.
        doubtful = ~self.is_point[rows]
        if doubtful.any():
            exact = shapely.intersects(self.geometries[rows[doubtful]], geo.box_geometry(*bbox))
            keep = np.ones(len(rows), dtype=bool)
            keep[np.flatnonzero(doubtful)] = exact
            rows = rows[keep]
        return rows


def read_index(store: Store, layer: str) -> LayerIndex:
    """The index of every public record of ``layer``, as the read API writes them."""
    return build_index(store.layers.records(layer), geojson.LAYER_FEATURES[layer])


def _codes(values: list[str]) -> tuple[np.ndarray, dict[str, int]]:
    numbers: dict[str, int] = {}
    codes = np.array([numbers.setdefault(v, len(numbers)) for v in values], dtype=np.int32)
    return codes, numbers


def build_index(records: Iterable, to_feature: Callable[[object], dict]) -> LayerIndex:
    """An index of ``records`` (in the layer's order), each written by ``to_feature``."""
    records = list(records)
    features = tuple(geojson.dumps(to_feature(r)).encode() for r in records)
    geometries = np.array([r.geometry for r in records] or [], dtype=object)
    bounds = shapely.bounds(geometries).reshape(-1, 4) if len(records) else np.empty((0, 4))
    minx, miny, maxx, maxy = (np.ascontiguousarray(bounds[:, i]) for i in range(4))
    by_minx = np.argsort(minx, kind="stable")
    attributes = {
        attribute: _codes([getattr(r, attribute) for r in records])
        for attribute in FILTERS
        if records and hasattr(records[0], attribute)
    }
    if records:
        attributes[GEOMETRY_TYPE] = _codes([r.geometry.geom_type for r in records])
    nbytes = sum(len(f) for f in features) + OVERHEAD_PER_FEATURE * len(records)
    return LayerIndex(
        features=features,
        minx=minx,
        miny=miny,
        maxx=maxx,
        maxy=maxy,
        by_minx=by_minx,
        sorted_minx=minx[by_minx],
        # A hair wider (1e-9°, 0.1 mm) than the widest, against rounding in maxx - minx;
        # what the slice takes in too much, the comparisons after it leave out.
        widest=float((maxx - minx).max()) + 1e-9 if len(records) else 0.0,
        geometries=geometries,
        is_point=np.asarray(shapely.get_type_id(geometries) == shapely.GeometryType.POINT),
        attributes=attributes,
        nbytes=nbytes,
        digest=hashlib.sha1(b"\n".join(features), usedforsecurity=False).digest(),
    )
