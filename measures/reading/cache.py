"""Serialised layers kept in each worker's memory, and still right across workers.

Building the GeoJSON of a large layer (reading the rows, making features, writing JSON)
takes far longer than sending it. So each worker keeps the bytes it built, keyed by what
was asked for *and* by the layer's version (its number of changes and ``changed_at``),
which the store counts up in the same transaction as every change of a layer (new,
approved, edited, supported, deleted).

Every request reads the version from the database before anything else and looks up
that key (``ReadingService.cached`` in ``service.py``, the one place that reads it): after
a change, made through any worker or host, the key is new and the next response is built
again. No worker has to tell another anything, and an entry that is out of date is
simply never asked for again. Layers without a recorded change are not cached.

The layer's index is not built again after a change: the worker reads the records the
layer's log names since the version of the index it holds and puts their features in
(``LayerIndex.updated``); only when the log cannot tell (a change of any record, or a
version no longer kept) is the whole layer read.

Two kinds of entry share the budget: whole answers (the bytes of one query) and a layer's
index (``layer_index.py``: every feature's JSON once, to answer any filter or box from
memory). An answer to a query never asked before is made from the index instead of from
the database, so a new box costs array comparisons and a join, not a thousand features
built again.

The size is bounded per worker by ``LAYER_CACHE_BYTES`` (default 64 MiB; 0 turns the cache
off); the least recently used entries go first, and older versions of a layer go as
soon as a newer one is stored. The web layer keeps one cache per app (``app/reading.py``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from measures.reading.layer_index import LayerIndex

DEFAULT_BYTES = 64 * 1024 * 1024

Parts = tuple[bytes, ...]
# The query key of a layer's index, apart from the keys of answers.
INDEX = "index"


class LayerCache:
    """Least recently used entries, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int, logger: logging.Logger | None = None):
        self.max_bytes = max_bytes
        # Where a layer too large for its index is reported: the app's log in a worker.
        self.logger = logger or logging.getLogger(__name__)
        self._entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        # The changed_at of each layer's entries: when it moves on, they all go.
        self._versions: dict[str, Hashable] = {}
        # Layers whose index was larger than half the cache.
        self._too_large: set[str] = set()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_build(
        self,
        layer: str,
        query: Hashable,
        changed_at: Hashable | None,
        build: Callable[[], Sequence[bytes]],
    ) -> Parts:
        """The parts stored for ``(layer, query, changed_at)``, else ``build()``'s, stored."""
        if not self.enabled_for(changed_at):
            return tuple(build())

        def parts() -> tuple[Parts, int]:
            built = tuple(build())
            return built, sum(len(p) for p in built)

        return self._get_or_store((layer, query, changed_at), parts)

    def index(
        self,
        layer: str,
        changed_at: Hashable | None,
        build: Callable[[], LayerIndex],
        update: Callable[[LayerIndex], LayerIndex | None] | None = None,
    ) -> LayerIndex | None:
        """The layer's index for ``changed_at`` (see ``layer_index.py``), else None.

        Made by ``update`` from the index this worker holds of another version of the
        layer, where it can (a change of a few records: their features replaced), else
        by ``build`` (the whole layer read).

        None when the layer cannot be cached, or its index was once larger than half
        the cache: then a query is better answered by the database than by building
        every feature of the layer for it again and again. (Half, because an index and
        the whole layer's answer are about the same size and must both fit, or they
        push each other out.)
        """
        if not self.enabled_for(changed_at) or layer in self._too_large:
            return None

        def index() -> tuple[LayerIndex, int]:
            held = self._held_index(layer)
            built = update(held) if held is not None and update is not None else None
            if built is None:
                built = build()
            if built.nbytes > self.max_bytes // 2:
                # Layers grow slowly: asking again at each change would cost a whole
                # build each time. A worker that restarts tries again.
                self._too_large.add(layer)
                self.logger.warning(
                    "Der Index der Ebene %s braucht %d Bytes, mehr als die Hälfte von "
                    "LAYER_CACHE_BYTES (%d): Abfragen dieser Ebene gehen an die Datenbank.",
                    layer,
                    built.nbytes,
                    self.max_bytes,
                )
            return built, built.nbytes

        return self._get_or_store((layer, INDEX, changed_at), index)

    def _held_index(self, layer: str) -> LayerIndex | None:
        """The index of ``layer`` this cache holds, of whichever version."""
        with self._lock:
            found = self._entries.get((layer, INDEX, self._versions.get(layer)))
        return found[0] if found is not None else None

    def enabled_for(self, changed_at: Hashable | None) -> bool:
        return changed_at is not None and self.max_bytes > 0

    def _get_or_store(self, key: tuple, build: Callable[[], tuple[object, int]]):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        value, size = build()
        if size > self.max_bytes:
            return value
        layer, _query, changed_at = key
        with self._lock:
            if self._versions.get(layer) != changed_at:
                # Versions of this layer other than the one just read are never asked for
                # again. "Other", not "older": two changes committed out of the order of
                # their times leave the earlier time, and that version must be cached too.
                for old in [k for k in self._entries if k[0] == layer]:
                    self._drop(old)
                self._versions[layer] = changed_at
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return value

    def _drop(self, key: tuple) -> None:
        self._size -= self._entries.pop(key)[1]

    def __len__(self) -> int:
        return len(self._entries)
