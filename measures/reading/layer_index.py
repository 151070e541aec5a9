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
by the layer's ``changed_at``). After a change the next version is made from the one
held (``updated``): it shares that one's arrays and adds the changed features at their
end (``index_slots.py``), so a change costs its own features, not a copy of the layer.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import shapely

from measures.domain import geo
from measures.domain.layers import LAYERS
from measures.domain.query import GEOMETRY_TYPE, LayerQuery
from measures.reading import geojson
from measures.reading import idea_points as points
from measures.reading.index_slots import (
    ATTRIBUTE,
    COLUMNS,
    OVERHEAD_PER_FEATURE,
    Slots,
    columns_of,
    comparable,
    room_for,
    sort_key,
)
from measures.storage import Store
from measures.storage.layers import LayerDelta, LayerVersion

# The fields any layer filters on (``LayerQuery.filters``), and the geometry type.
# ``quartier``: every read of one Quartier filters on it (the Quartier's own record
# answers with its id).
FILTERS = frozenset(
    {
        GEOMETRY_TYPE,
        "quartier",
        *(f.field for layer in LAYERS.values() for f in layer.filters.values()),
    }
)
# Raise when what the read API's answers from an index hold changes other than through
# the features (the selection, the envelope): their ETags must change with them.
ANSWER_VERSION = 2
# Copy the live features into new slots once more than this share of the entries a
# version sees are marked as gone (deletions take no room, so room alone never says so).
MOST_GONE = 0.25

__all__ = ["OVERHEAD_PER_FEATURE", "LayerIndex", "build_index", "read_index", "update_index"]


# eq=False: arrays do not compare as a dataclass's fields would.
@dataclass(frozen=True, eq=False)
class LayerIndex:
    """One version of a layer's public features, in entries shared with the versions
    made from it by changes (``index_slots.py``).

    An entry (a "slot") is a feature as it was at some version; ``live`` says which of
    the entries this version sees are its features, and ``ordered`` lists those in the
    layer's order. Everything that answers a query goes through ``matching``, which
    only ever returns live entries, in the layer's order.
    """

    slots: Slots
    size: int  # the entries this version sees
    live: np.ndarray  # bool per entry: a feature of this version
    ordered: np.ndarray  # the live entries in the layer's order
    # The entries (live or not) by minx, and the widest box: a box query looks only at
    # the entries whose minx lies between its own minx less that width and its maxx
    # (for points, the width is 0), found by bisection instead of by comparing all.
    by_minx: np.ndarray
    sorted_minx: np.ndarray
    widest: float
    # Record attribute → the numbers of its values (the codes per entry are in slots).
    numbers: dict[str, dict[str, int]]
    nbytes: int  # of every entry, live or not: what the cache holds
    # XOR of the live features' hashes: the digest is made of it and their number.
    folded: np.ndarray
    # For updating the index by changes instead of building it again (``updated``): the
    # layer version it holds (at least) and the layer's order.
    version: int | None = None
    order: tuple[str, ...] = ()
    # Whether ``updated`` can order new features among these (see ``comparable``).
    orderable: bool = False
    # What is worked out once per version when first asked for.
    memo: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Each per-entry column (``features``, ``ids``, ``minx`` …) as this version sees
        # it, an attribute of its own: a page of the OGC API reads ``features`` once per
        # feature.
        for name in COLUMNS:
            if name in self.slots.arrays:
                view = self.slots.view(name, self.size)
            else:  # a column this layer has not (points')
                view = _EMPTY[name]
            object.__setattr__(self, name, view)

    @property
    def attributes(self) -> dict[str, tuple[np.ndarray, dict[str, int]]]:
        """Record attribute → (a number per entry, the numbers of the values)."""
        return {
            name: (self.slots.view(ATTRIBUTE + name, self.size), numbers)
            for name, numbers in self.numbers.items()
        }

    @property
    def digest(self) -> bytes:
        """Of every live feature's JSON: the same in every worker holding the same
        features, however it came by them (built, or updated by changes)."""
        return hashlib.sha1(
            self.folded.tobytes() + str(len(self.ordered)).encode(), usedforsecurity=False
        ).digest()

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
        return self.features[self.matching(query)].tolist()

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

    def cells(self, query: LayerQuery, most: int) -> dict:
        """What ``idea_points.idea_points`` makes of ``positions(query)`` beyond ``most``
        of them (cells), from the index's arrays instead of a list of tuples."""
        rows = self.matching(query)
        return points.idea_cells_of(self.minx[rows], self.miny[rows], self._category()[rows], most)

    def points_json(self, query: LayerQuery) -> bytes:
        """What ``idea_points.points_json`` writes for ``positions(query)``, from the
        positions rounded and written once per feature: at 100,000 ideas a few
        milliseconds instead of half a second."""
        rows = self.matching(query)
        if not len(rows) or not len(self.lon_text):
            return points.points_json(self.positions(query))
        order = self._points_order()
        if len(rows) < self.size:
            chosen = np.zeros(self.size, dtype=bool)
            chosen[rows] = True
            order = order[chosen[order]]
        category = self._category()
        texts = np.array([str(n) for n in range(len(points.CATEGORIES))], dtype=object)
        return points.points_document(
            self.lon_text[order].tolist(),
            self.lat_text[order].tolist(),
            texts[category[order]].tolist(),
        )

    def _category(self) -> np.ndarray:
        """Each entry's number of its category in ``idea_points.CATEGORIES``."""
        if "category" not in self.memo:
            codes, numbers = self.attributes["category"]
            keys = {key: n for n, key in enumerate(points.CATEGORIES)}
            vocabulary = np.zeros(max(len(numbers), 1), dtype=np.int64)
            for name, number in numbers.items():
                vocabulary[number] = keys[name]
            self.memo["category"] = vocabulary[codes]
        return self.memo["category"]

    def _points_order(self) -> np.ndarray:
        """Every entry by rounded lon, then lat, then category (as ``sorted`` orders
        ``idea_points``' tuples)."""
        if "points" not in self.memo:
            # One integer per entry sorts as the three would: the rounded degrees as
            # whole numbers (lon 26 bits, lat 25 bits, both made positive), the category
            # in the lowest 6 bits.
            scale = 10**points.PRECISION
            lon = np.rint(self.lon * scale).astype(np.int64) + 180 * scale
            lat = np.rint(self.lat * scale).astype(np.int64) + 90 * scale
            key = (lon << 31) | (lat << 6) | self._category()
            self.memo["points"] = np.argsort(key, kind="stable")
        return self.memo["points"]

    def _rank(self) -> np.ndarray:
        """Each entry's place in the layer's order (live ones; others anything)."""
        if "rank" not in self.memo:
            rank = np.zeros(self.size, dtype=np.int64)
            rank[self.ordered] = np.arange(len(self.ordered))
            self.memo["rank"] = rank
        return self.memo["rank"]

    def updated(self, delta: LayerDelta, to_feature: Callable[[object], dict]) -> LayerIndex | None:
        """This index with the changes of ``delta``: the records it names marked as gone,
        those of them public now written after the last entries and put at their place
        in the layer's order. None when this index cannot be updated so (built without
        the layer's order, or values of the order that do not compare): then it must be
        built again.

        Equals an index built from the database at ``delta.version`` in every answer
        (``tests/web/test_layer_index_updates.py``); costs the new features' JSON and a
        few arrays of integers, not every feature's JSON again nor a copy of every
        column (that only when the slots have no room left, see ``index_slots.py``).
        """
        if self.version is None or not self.order or not self.size or not self.orderable:
            return None
        if not delta.ids:
            return dataclasses.replace(self, version=delta.version.number, memo={})
        new = columns_of(delta.records, to_feature, self.order, FILTERS)
        if not comparable(new["keys"]):
            return None
        count = len(new["ids"])
        columns = {name: new[name] for name in COLUMNS if len(new[name]) == count}
        for attribute in self.numbers:
            # No new records (only some gone): no values, and none missing.
            missing = None if count else []
            columns[ATTRIBUTE + attribute] = new["attributes"].get(attribute, missing)
        if any(columns.get(name) is None for name in self.slots.arrays):
            return None  # the new records lack a column these have: build again
        gone = len(self.live) - len(self.ordered) + len(delta.ids)
        if gone <= MOST_GONE * (self.size + count):
            appended = self._appended(delta, new, columns)
            if appended is not None:
                return appended
        return self.compacted(room_for(len(self.ordered)) + count)._appended(delta, new, columns)

    def _appended(self, delta: LayerDelta, new: dict, columns: dict) -> LayerIndex | None:
        """``updated``'s index, its new features written after this version's entries;
        None if another version has written there first, or there is no room."""
        columns = dict(columns)  # tried again on new slots if this fails
        numbers = {attribute: dict(known) for attribute, known in self.numbers.items()}
        for attribute, known in numbers.items():
            values = columns[ATTRIBUTE + attribute]
            columns[ATTRIBUTE + attribute] = np.array(
                [known.setdefault(v, len(known)) for v in values], dtype=np.int32
            )
        count = len(new["ids"])
        ids = self.ids
        went = [self.slots.slot_of(i, ids, self.live) for i in delta.ids]
        went = np.array([slot for slot in went if slot is not None], dtype=np.int64)
        if not self.slots.append(self.size, columns):
            return None
        size = self.size + count
        live = np.ones(size, dtype=bool)
        live[: self.size] = self.live
        live[went] = False
        ordered = self.ordered[live[self.ordered]]
        # Where each new record goes among those kept (their number before it); the
        # records come in the layer's order, so these never decrease.
        key = sort_key(self.order)
        keys = self.slots.arrays["keys"]
        places = [
            bisect.bisect_left(ordered, key(k), key=lambda slot: key(keys[slot]))
            for k in new["keys"].tolist()
        ]
        slots = np.arange(self.size, size)
        ordered = np.insert(ordered, places, slots)
        # The order by minx, kept up to date instead of sorted again: entries that went
        # stay in it (``matching`` passes over them), the new ones put in by bisection.
        at = np.searchsorted(self.sorted_minx, new["minx"], side="right")
        by = np.lexsort((new["minx"], at))
        by_minx = np.insert(self.by_minx, at[by], slots[by])
        widths = new["maxx"] - new["minx"]
        folded = self.folded ^ np.bitwise_xor.reduce(self.hashes[went], axis=0, initial=0)
        folded = folded ^ np.bitwise_xor.reduce(new["hashes"], axis=0, initial=0)
        return LayerIndex(
            slots=self.slots,
            size=size,
            live=live,
            ordered=ordered,
            by_minx=by_minx,
            sorted_minx=np.insert(self.sorted_minx, at[by], new["minx"][by]),
            widest=max(self.widest, float(widths.max()) + 1e-9 if count else 0.0),
            numbers=numbers,
            nbytes=self.nbytes + new["nbytes"],
            folded=folded.astype(np.uint64),
            version=delta.version.number,
            order=self.order,
            orderable=True,
        )

    def compacted(self, room: int) -> LayerIndex:
        """This version with only its live features, in the layer's order, in new slots
        with ``room`` free entries: as a build from the database would make it."""
        rows = self.ordered
        columns = {name: array[rows] for name, array in self._columns().items()}
        gone = np.ones(self.size, dtype=bool)
        gone[rows] = False
        removed = sum(len(f) for f in self.features[gone].tolist())
        nbytes = self.nbytes - removed - OVERHEAD_PER_FEATURE * int(gone.sum())
        return _finish(
            Slots(columns, room), self.numbers, nbytes, self.version, self.order, self.orderable
        )

    def _columns(self) -> dict[str, np.ndarray]:
        return {name: self.slots.view(name, self.size) for name in self.slots.arrays}

    def matching(self, query: LayerQuery) -> np.ndarray:
        """The entries of the features matching ``query``, in the layer's order."""
        rows = self.ordered if query.bbox is None else self._in_box(query.bbox)
        for attribute, wanted in query.filters:
            # Like the store: a filter on an attribute the layer lacks is no filter.
            if attribute in self.numbers:
                numbers = self.numbers[attribute]
                codes = self.slots.view(ATTRIBUTE + attribute, self.size)
                chosen = [numbers[value] for value in wanted if value in numbers]
                rows = rows[np.isin(codes[rows], chosen)]
        return rows

    def _in_box(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """The live features meeting the closed box, in the layer's order."""
        minx, miny, maxx, maxy = bbox
        low = np.searchsorted(self.sorted_minx, minx - self.widest, side="left")
        high = np.searchsorted(self.sorted_minx, maxx, side="right")
        rows = self.by_minx[low:high]
        rows = rows[self.live[rows]]
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
        return rows[np.argsort(self._rank()[rows], kind="stable")]


def read_index(store: Store, layer: str, version: LayerVersion | None = None) -> LayerIndex:
    """The index of every public record of ``layer``, as the read API writes them;
    ``version``: the layer's, read before (else read here first): the records read after
    it are at least as new."""
    if version is None:
        version = store.layers.version(layer)
    return build_index(
        store.layers.records(layer),
        geojson.LAYER_FEATURES[layer],
        version.number if version is not None else None,
        LAYERS[layer].order if store.layers.orders_by_code_point() else (),
    )


def update_index(store: Store, layer: str, held: LayerIndex) -> LayerIndex | None:
    """``held`` brought up to the layer's version by the records changed since its own
    (``LayerRepository.delta``); None when it must be built again."""
    if held.version is None:
        return None
    delta = store.layers.delta(layer, held.version)
    if delta is None:
        return None
    return held.updated(delta, geojson.LAYER_FEATURES[layer])


_EMPTY = {
    "lon": np.empty(0),
    "lat": np.empty(0),
    "lon_text": np.empty(0, dtype=object),
    "lat_text": np.empty(0, dtype=object),
}


def build_index(
    records: Iterable,
    to_feature: Callable[[object], dict],
    version: int | None = None,
    order: tuple[str, ...] = (),
) -> LayerIndex:
    """An index of ``records`` (in the layer's order), each written by ``to_feature``;
    ``version`` and ``order`` (the layer's): to update it by changes later."""
    built = columns_of(records, to_feature, order, FILTERS)
    size = len(built["ids"])
    columns = {name: built[name] for name in COLUMNS if len(built[name]) == size}
    numbers = {}
    for attribute, values in built["attributes"].items():
        known: dict[str, int] = {}
        codes = [known.setdefault(v, len(known)) for v in values]
        columns[ATTRIBUTE + attribute] = np.array(codes, dtype=np.int32)
        numbers[attribute] = known
    orderable = bool(order) and comparable(built["keys"])
    # Room to grow only where the index will be updated.
    room = room_for(size) if orderable and version is not None else 0
    return _finish(Slots(columns, room), numbers, built["nbytes"], version, order, orderable)


def _finish(
    slots: Slots,
    numbers: dict,
    nbytes: int,
    version: int | None,
    order: tuple,
    orderable: bool,
) -> LayerIndex:
    """The index of every entry of ``slots`` written so far, all live, in the layer's
    order; with what follows from them."""
    size = slots.used
    minx, maxx = slots.view("minx", size), slots.view("maxx", size)
    by_minx = np.argsort(minx, kind="stable")
    hashes = slots.view("hashes", size)
    # Sums of the features' hashes (XOR): the same for the same features, however the
    # index came by them, in every worker; the order follows from the features.
    folded = np.bitwise_xor.reduce(hashes, axis=0) if size else np.zeros(2, np.uint64)
    return LayerIndex(
        slots=slots,
        size=size,
        live=np.ones(size, dtype=bool),
        ordered=np.arange(size),
        by_minx=by_minx,
        sorted_minx=minx[by_minx],
        # A hair wider (1e-9°, 0.1 mm) than the widest, against rounding in maxx - minx;
        # what the slice takes in too much, the comparisons after it leave out.
        widest=float((maxx - minx).max()) + 1e-9 if size else 0.0,
        numbers={attribute: dict(known) for attribute, known in numbers.items()},
        nbytes=nbytes,
        folded=folded.astype(np.uint64),
        version=version,
        order=order,
        orderable=orderable,
    )
