"""The contents of a Sitzungsunterlage: a Beirat session's agenda with each item's record,
the ideas around it and the map on which the agenda's numbers are placed.

Built from a ``Session`` (``measures/domain/beirat.py``) and what the store holds:
measures (drafts too: a measure is often presented before it is published), approved
ideas and their supports, the Quartier's boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from measures.domain.beirat import AgendaItem, Session
from measures.domain.errors import NotFound
from measures.domain.geo import UTM32N, to_crs
from measures.domain.messages import Message
from measures.domain.model import Idea, Measure
from measures.domain.query import LayerQuery
from measures.domain.streets import streets_of
from measures.domain.vocabulary import N_
from measures.reports.maps import Mark, draw_map

# Ideas "around" an agenda item: within this distance of its geometry (issue 17).
NEARBY_M = 150
# At most this many per item, nearest first: a paper, not a list of everything.
NEARBY_LIMIT = 10
# Ideas whose own agenda item is on the paper are not repeated as another's neighbours.
PUBLIC_IDEAS = ("approved",)


@dataclass(frozen=True)
class PaperItem:
    """One agenda item as the paper shows it."""

    item: AgendaItem
    # The measure or idea the item is about; None for a topic, or a record gone meanwhile.
    record: Measure | Idea | None
    # Approved ideas within NEARBY_M of the record, nearest first, with their supports.
    nearby: tuple[Idea, ...] = ()

    @property
    def number(self) -> int:
        return self.item.position

    @property
    def title(self) -> str:
        return self.record.title if self.record is not None else self.item.title


@dataclass(frozen=True)
class SessionPaper:
    session: Session
    items: tuple[PaperItem, ...]
    # The map as SVG text; None when no item has a place (only topics).
    map_svg: str | None

    @property
    def has_results(self) -> bool:
        """Any outcome recorded: then the paper has its results section."""
        return any(i.item.outcome is not None for i in self.items)

    @property
    def mapped(self) -> tuple[PaperItem, ...]:
        """The items that have a number on the map."""
        return tuple(i for i in self.items if i.record is not None)


def _record(store, item: AgendaItem, quartier: str) -> Measure | Idea | None:
    if item.kind == "measure" and item.ref:
        edited = store.editing.get("measures", item.ref, quartier)
        return edited.record if edited is not None else None
    if item.kind == "idea" and item.ref:
        return store.ideas.get(item.ref, PUBLIC_IDEAS, quartier)
    return None


def _reach_m(geometry: BaseGeometry, centre: Point) -> float:
    """How far the farthest part of ``geometry`` lies from ``centre``, in metres."""
    if geometry.geom_type == "Point":
        return 0.0
    return to_crs(geometry, UTM32N).hausdorff_distance(to_crs(centre, UTM32N))


def ideas_near(store, geometry: BaseGeometry, quartier: str, exclude: str | None = None):
    """Approved ideas of ``quartier`` within NEARBY_M of ``geometry``, nearest first.

    The store's nearby query (SQL on both databases) measures from a point; an area or a
    line is asked for around a point inside it, as far out as its farthest part reaches,
    and the answer is then kept to what lies within NEARBY_M of the shape itself.
    """
    centre = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    reach = _reach_m(geometry, centre)
    query = LayerQuery.of(quartier={quartier})
    candidates = store.ideas.near(centre, NEARBY_M + reach, limit=NEARBY_LIMIT * 4, query=query)
    shape = to_crs(geometry, UTM32N)
    by_distance = sorted(
        (shape.distance(to_crs(idea.geometry, UTM32N)), idea.id, idea)
        for idea in candidates
        if idea.id != exclude
    )
    return tuple(idea for distance, _, idea in by_distance if distance <= NEARBY_M)[:NEARBY_LIMIT]


def session_paper(store, session: Session) -> SessionPaper:
    """The paper of ``session``; NotFound when its Quartier is not in the store."""
    quartier = store.layers.quartier(session.quartier)
    if quartier is None or quartier.id != session.quartier:
        raise NotFound(Message(N_("Das Quartier „%(slug)s“ gibt es nicht."), slug=session.quartier))
    items = []
    for item in sorted(session.items, key=lambda i: i.position):
        record = _record(store, item, session.quartier)
        nearby = (
            ideas_near(store, record.geometry, session.quartier, exclude=record.id)
            if record is not None
            else ()
        )
        items.append(PaperItem(item, record, nearby))
    marks = [
        Mark(i.number, "measure" if i.item.kind == "measure" else "idea", i.record.geometry)
        for i in items
        if i.record is not None
    ]
    map_svg = draw_map(quartier.geometry, marks, streets_of(session.quartier)) if marks else None
    return SessionPaper(session, tuple(items), map_svg)
