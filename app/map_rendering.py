"""A folium map turned into the two parts our page templates place, and rendered maps
kept while what they show stays the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import folium


@dataclass(frozen=True)
class RenderedMap:
    """The parts of folium's document that our page template places.

    folium's header is left out: it would disable zooming the page (a barrier for people
    who enlarge text) and set page-wide styles. Our template links the same libraries
    (``vendor_url``) and our stylesheet sizes the map.
    """

    html: str
    script: str


class RenderedMaps:
    """Rendered maps kept by a key that names everything they show.

    folium compiles a Jinja template for each element it renders: the overview takes
    about 40 ms to draw, a few ms to take from here. A worker keeps the last ``size``.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._kept: dict[Hashable, RenderedMap] = {}
        self._lock = threading.Lock()

    def get_or_draw(self, key: Hashable, draw: Callable[[], RenderedMap]) -> RenderedMap:
        with self._lock:
            found = self._kept.get(key)
        if found is not None:
            return found
        rendered = draw()
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))  # the oldest
            self._kept[key] = rendered
        return rendered


def render_map(fmap: folium.Map) -> RenderedMap:
    root = fmap.get_root()
    root.render()
    return RenderedMap(html=root.html.render(), script=root.script.render())
