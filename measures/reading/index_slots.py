"""The per-feature arrays behind a layer's index, with room to add features at the end.

An index (``layer_index.py``) is one version of a layer; a change makes the next version.
Copying every per-feature array for each change (about twenty of them, 100,000 entries
each) cost 20–40 ms at 100,000 ideas, most of a first answer after a change. So the
versions made from one build share ``Slots``: arrays longer than needed, of which each
version sees its first ``size`` entries. A change writes its features into the entries
after the last version's, and the new version sees them too; features that went are
only marked in the new version (its ``live``), not taken out. Entries a version sees
are never written again, so older versions stay right while they are still in use.

Only the version that saw the last entries written may write after them (``append``,
under a lock): two versions updated from the same one (two threads of a worker after
one change) would otherwise write the same entries. The one that loses, and a version
that finds no room left, copies the live features into new ``Slots`` instead
(``LayerIndex.compacted``), as every change did before.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable

import numpy as np
import shapely

from measures.domain.query import GEOMETRY_TYPE
from measures.reading import geojson
from measures.reading import idea_points as points

# A rough cost of a feature besides its JSON (geometry object, array slots), for sizing
# the cache.
OVERHEAD_PER_FEATURE = 200
# Per feature: the columns every index has, in the order of the layer.
COLUMNS = (
    "features",
    "ids",
    "keys",
    "minx",
    "miny",
    "maxx",
    "maxy",
    "geometries",
    "is_point",
    "hashes",
    "lon",
    "lat",
    "lon_text",
    "lat_text",
)
# The name of the codes of a filtered attribute among the slots' arrays.
ATTRIBUTE = "attribute:"


def room_for(size: int) -> int:
    """Entries kept free after ``size`` features: an eighth, so that a layer of 100,000
    is copied once in 12,500 changed features, not at each change."""
    return max(64, size // 8)


class Slots:
    """Arrays of ``capacity`` entries each, the first ``used`` written."""

    def __init__(self, columns: dict[str, np.ndarray], room: int):
        size = len(columns["features"])
        self.arrays: dict[str, np.ndarray] = {}
        for name, values in columns.items():
            array = np.empty((size + room, *values.shape[1:]), dtype=values.dtype)
            array[:size] = values
            self.arrays[name] = array
        self.capacity = size + room
        self.used = size
        # The last entry of each record id: finds a changed record without comparing
        # every id (see ``slot_of``).
        self._last: dict[str, int] = {i: n for n, i in enumerate(columns["ids"].tolist())}
        self._lock = threading.Lock()

    def view(self, name: str, size: int) -> np.ndarray:
        return self.arrays[name][:size]

    def append(self, size: int, columns: dict[str, np.ndarray]) -> bool:
        """Write ``columns`` (one array per name of ``arrays``) after entry ``size``; False
        when that is not the end of what was written, or there is no room."""
        count = len(columns["features"])
        with self._lock:
            if self.used != size or size + count > self.capacity:
                return False
            for name, array in self.arrays.items():
                array[size : size + count] = columns[name]
            for n, record_id in enumerate(columns["ids"].tolist()):
                self._last[record_id] = size + n
            self.used = size + count
        return True

    def slot_of(self, record_id: str, ids: np.ndarray, live: np.ndarray) -> int | None:
        """The live entry of ``record_id`` among the first ``len(live)``, else None.

        A record's entries only ever come later: if its last one is among those, it is
        the only one that can be live there (an earlier one was marked when the later one
        was written). If a later version wrote it again, look among them all.
        """
        last = self._last.get(record_id)
        if last is None:
            return None
        if last < len(live):
            return last if live[last] else None
        found = np.flatnonzero((ids == record_id) & live)
        return int(found[0]) if len(found) else None


def comparable(keys: np.ndarray) -> bool:
    """Whether Python compares these values of a layer's order as the databases do:
    not if one is NULL (the two databases sort NULL differently)."""
    return all(None not in key for key in keys.tolist())


def sort_key(order: tuple[str, ...]) -> Callable[[tuple], object]:
    """A key comparing records' values of ``order`` ("-" for descending) as the layer
    lists them."""
    descending = tuple(column.startswith("-") for column in order)

    class Key:
        __slots__ = ("values",)

        def __init__(self, values: tuple):
            self.values = values

        def __lt__(self, other: Key) -> bool:
            for a, b, down in zip(self.values, other.values, descending, strict=True):
                if a != b:
                    return a > b if down else a < b
            return False

    return lambda values: values if isinstance(values, Key) else Key(values)


def objects(values: list) -> np.ndarray:
    """A one-dimensional array of objects (also of tuples, which np.array would unpack)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values if values else []
    return array


def columns_of(records: Iterable, to_feature: Callable[[object], dict], order: tuple, filters):
    """Every per-feature column of ``records`` (see ``LayerIndex``), and the values of
    the attributes in ``filters``."""
    records = list(records)
    features = [geojson.dumps(to_feature(r)).encode() for r in records]
    geometries = objects([r.geometry for r in records])
    bounds = shapely.bounds(geometries).reshape(-1, 4) if len(records) else np.empty((0, 4))
    hashes = b"".join(hashlib.sha1(f, usedforsecurity=False).digest()[:16] for f in features)
    is_point = np.asarray(shapely.get_type_id(geometries) == shapely.GeometryType.POINT)
    columns = {
        "features": objects(features),
        "ids": objects([r.id for r in records]),
        "keys": objects(
            [tuple(getattr(r, column.lstrip("-")) for column in order) for r in records]
        ),
        "geometries": geometries,
        "is_point": is_point.reshape(-1),
        "hashes": np.frombuffer(hashes, dtype=np.uint64).reshape(-1, 2),
        "nbytes": sum(len(f) for f in features) + OVERHEAD_PER_FEATURE * len(records),
        "attributes": {
            attribute: [getattr(r, attribute) for r in records]
            for attribute in filters
            if records and hasattr(records[0], attribute)
        },
    }
    if records:
        columns["attributes"][GEOMETRY_TYPE] = [g.geom_type for g in geometries.tolist()]
    for n, name in enumerate(("minx", "miny", "maxx", "maxy")):
        columns[name] = np.ascontiguousarray(bounds[:, n], dtype=float)
    if records and hasattr(records[0], "category") and is_point.all():
        # The overview map's view of points (``idea_points``), written once per feature.
        lon = [round(float(x), points.PRECISION) for x in columns["minx"].tolist()]
        lat = [round(float(y), points.PRECISION) for y in columns["miny"].tolist()]
        columns.update(
            lon=np.array(lon, dtype=float),
            lat=np.array(lat, dtype=float),
            lon_text=objects([repr(x) for x in lon]),
            lat_text=objects([repr(y) for y in lat]),
        )
    else:
        columns.update(lon=np.empty(0), lat=np.empty(0), lon_text=objects([]), lat_text=objects([]))
    return columns
