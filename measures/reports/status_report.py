"""The contents of a Sachstandsbericht for the Stadtparlament: every published measure of
a Quartier by status, numbered as on its map, with the sums of costs and funding.

The sums are computed here from the very rows the report lists, not by a second query in
the database: the report reads every published measure anyway (to list and draw them),
there are dozens, not thousands, and a sum taken from the same rows can never disagree
with the rows printed above it (a second query could see a change made in between).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from measures.domain.errors import NotFound
from measures.domain.messages import Message
from measures.domain.model import Measure
from measures.domain.query import LayerQuery
from measures.domain.streets import streets_of
from measures.domain.vocabulary import N_, STATUSES
from measures.reports.maps import Mark, draw_map


def funded_eur(measure: Measure) -> int | None:
    """The part of the measure's cost that its funding programme bears, in whole euros;
    None when cost or share is unknown."""
    if measure.cost_eur is None or measure.funding_share is None:
        return None
    return round(measure.cost_eur * measure.funding_share)


@dataclass(frozen=True)
class Totals:
    """Costs and funding of a group of measures. Measures without a cost count in
    ``measures`` but add nothing to the sums; ``without_cost`` says how many."""

    measures: int
    cost_eur: int
    estimated_eur: int  # the part of ``cost_eur`` that is an estimate
    funded_eur: int
    without_cost: int

    @classmethod
    def of(cls, measures: Iterable[Measure]) -> Totals:
        measures = list(measures)
        costed = [m for m in measures if m.cost_eur is not None]
        return cls(
            measures=len(measures),
            cost_eur=sum(m.cost_eur for m in costed),
            estimated_eur=sum(m.cost_eur for m in costed if m.cost_is_estimate),
            funded_eur=sum(funded_eur(m) or 0 for m in costed),
            without_cost=len(measures) - len(costed),
        )


@dataclass(frozen=True)
class NumberedMeasure:
    number: int
    measure: Measure

    @property
    def funded_eur(self) -> int | None:
        return funded_eur(self.measure)


@dataclass(frozen=True)
class StatusGroup:
    status: str
    measures: tuple[NumberedMeasure, ...]
    totals: Totals


@dataclass(frozen=True)
class StatusReport:
    quartier: str
    quartier_name: str
    as_of: date
    # Every status of the decision path in its order, empty ones too (the summary table
    # shows them with 0); the report's sections leave the empty ones out.
    groups: tuple[StatusGroup, ...]
    totals: Totals
    map_svg: str | None


def status_report(store, quartier: str, as_of: date) -> StatusReport:
    """The report on the published measures of ``quartier`` as the store holds them now;
    ``as_of`` is the date printed on it. NotFound for an unknown Quartier."""
    boundary = store.layers.quartier(quartier)
    if boundary is None or boundary.id != quartier:
        raise NotFound(Message(N_("Das Quartier „%(slug)s“ gibt es nicht."), slug=quartier))
    measures = store.layers.records("measures", LayerQuery.of(quartier={quartier}))
    groups, number = [], 0
    for status in STATUSES:
        numbered = []
        for measure in measures:  # in the read API's order: by title
            if measure.status == status:
                number += 1
                numbered.append(NumberedMeasure(number, measure))
        groups.append(StatusGroup(status, tuple(numbered), Totals.of(n.measure for n in numbered)))
    marks = [Mark(n.number, "measure", n.measure.geometry) for g in groups for n in g.measures]
    return StatusReport(
        quartier=quartier,
        quartier_name=boundary.name,
        as_of=as_of,
        groups=tuple(groups),
        totals=Totals.of(measures),
        map_svg=draw_map(boundary.geometry, marks, streets_of(quartier)),
    )
