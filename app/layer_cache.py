"""Serialised layers kept in each worker's memory, and still right across workers.

Building the GeoJSON of a large layer (reading the rows, making features, writing JSON)
takes far longer than sending it. So each worker keeps the bytes it built, keyed by what
was asked for *and* by the layer's ``changed_at``, which the store bumps in the same
transaction as every change of a layer (new, approved, edited, supported, deleted).

Every request reads ``changed_at`` from the database before anything else and looks up
that key: after a change, made through any worker or host, the key is new and the next
response is built from the database again. No worker has to tell another anything, and an
entry that is out of date is simply never asked for again. Reading ``changed_at`` *first*
matters: the rows read afterwards are at least as new, so an entry is never older than
its key. Layers without a recorded change are not cached.

The size is bounded per worker by ``LAYER_CACHE_BYTES`` (default 64 MiB; 0 turns the cache
off); the least recently used entries go first, and older versions of a layer go as
soon as a newer one is stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime

from flask import current_app

DEFAULT_BYTES = 64 * 1024 * 1024
_KEY = "quartierskarte.layer_cache"

Parts = tuple[bytes, ...]


class LayerCache:
    """Least recently used entries of bytes, bounded by their total size."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Parts] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_build(
        self,
        layer: str,
        query: Hashable,
        changed_at: datetime | None,
        build: Callable[[], Sequence[bytes]],
    ) -> Parts:
        """The parts stored for ``(layer, query, changed_at)``, else ``build()``'s, stored."""
        if changed_at is None or self.max_bytes <= 0:
            return tuple(build())
        key = (layer, query, changed_at)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        parts = tuple(build())
        size = sum(len(p) for p in parts)
        if size > self.max_bytes:
            return parts
        with self._lock:
            # Versions of this layer from before its last change are never asked for again.
            for old in [k for k in self._entries if k[0] == layer and k[2] != changed_at]:
                self._drop(old)
            if key in self._entries:
                self._drop(key)
            self._entries[key] = parts
            self._size += size
            while self._size > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return parts

    def _drop(self, key: tuple) -> None:
        self._size -= sum(len(p) for p in self._entries.pop(key))

    def __len__(self) -> int:
        return len(self._entries)


def layer_cache() -> LayerCache:
    """The cache of the current app (one per app and worker process)."""
    cache = current_app.extensions.get(_KEY)
    if cache is None:
        size = int(current_app.config.get("LAYER_CACHE_BYTES", DEFAULT_BYTES))
        cache = current_app.extensions.setdefault(_KEY, LayerCache(size))
    return cache
