"""What a reader asks of a layer: filters, a box and the order of ideas.

Plain values; parsing them from query parameters is ``measures.reading.parameters``.
"""

from __future__ import annotations

from dataclasses import dataclass

from measures.domain.model import Idea
from measures.domain.vocabulary import N_

# minlon, minlat, maxlon, maxlat in EPSG:4326
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class LayerQuery:
    statuses: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    bbox: BBox | None = None


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
