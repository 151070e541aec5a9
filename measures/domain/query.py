"""What a reader asks of a layer: filters, a box and the order of ideas.

Plain values; parsing them from query parameters is ``measures.reading.parameters``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from measures.domain.model import Idea
from measures.domain.vocabulary import N_

# The stored name of a record's geometry type ("Point", "MultiPolygon"): a query may
# filter on it like on a field (the OGC API's collections of one geometry group).
GEOMETRY_TYPE = "geom_type"

# minlon, minlat, maxlon, maxlat in EPSG:4326
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class LayerQuery:
    """Which records of a layer: by the keys of its filtered fields, and a box.

    ``filters`` pairs a field's name with the keys wanted, sorted by name, so that equal
    queries compare and hash equal; build one with ``LayerQuery.of``.
    """

    filters: tuple[tuple[str, frozenset[str]], ...] = ()
    bbox: BBox | None = None

    @classmethod
    def of(cls, bbox: BBox | None = None, **wanted: Iterable[str]) -> LayerQuery:
        """``LayerQuery.of(status={"abgeschlossen"})``; an empty choice is no filter."""
        filters = tuple(sorted((name, frozenset(keys)) for name, keys in wanted.items() if keys))
        return cls(filters=filters, bbox=bbox)

    def with_filter(self, field: str, keys: Iterable[str]) -> LayerQuery:
        """This query, also asking for ``keys`` of ``field``."""
        filters = tuple(sorted({**dict(self.filters), field: frozenset(keys)}.items()))
        return LayerQuery(filters=filters, bbox=self.bbox)

    def wanted(self, field: str) -> frozenset[str]:
        """The keys wanted of ``field``; empty when the query does not filter on it."""
        return dict(self.filters).get(field, frozenset())


IDEA_SORTS: dict[str, str] = {
    "newest": N_("neueste zuerst"),
    "supported": N_("meiste Unterstützung zuerst"),
}


def sort_ideas(ideas: list[Idea], sort: str) -> list[Idea]:
    """Ideas in the chosen order; ties keep the newest first."""
    newest = sorted(ideas, key=lambda idea: (idea.created_at, idea.id), reverse=True)
    if sort == "supported":
        return sorted(newest, key=lambda idea: idea.supports, reverse=True)
    return newest
