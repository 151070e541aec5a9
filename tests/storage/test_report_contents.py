"""What the printed reports read from the store, on both databases: the ideas around an
agenda item (the store's nearby query, then the item's own shape) and the Sachstandsbericht's
measures by status with their sums."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from shapely.geometry import Polygon

from measures.domain.beirat import AgendaItem, Session
from measures.domain.errors import NotFound
from measures.reports.session_paper import NEARBY_M, ideas_near, session_paper
from measures.reports.status_report import status_report
from tests.factories import (
    EXAMPLE_SLUG,
    add_example_quartier,
    add_idea,
    measure,
    moved_on,
    seed_with,
)

pytestmark = pytest.mark.both_databases

METRES_PER_DEGREE_LAT = 111_200


def _metres_apart(a, b) -> float:
    # Haversine, written out here: independent of the code under test.
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


# An area of about 200 m × 110 m inside Dalheim: its centre lies far from its edges.
FIELD = Polygon([(8.4700, 50.5640), (8.4728, 50.5640), (8.4728, 50.5650), (8.4700, 50.5650)])


def test_ideas_near_an_area_are_measured_from_its_edge_not_its_centre(store, seed):
    north_edge = 50.5650
    add_idea(store, "knapp-drin", lon=8.4700, lat=north_edge + 140 / METRES_PER_DEGREE_LAT)
    add_idea(store, "knapp-draussen", lon=8.4714, lat=north_edge + 165 / METRES_PER_DEGREE_LAT)
    add_idea(store, "mitten-drin", lon=8.4714, lat=50.5645, supports=4)
    add_idea(store, "wartet", lon=8.4714, lat=50.5645, state="pending")
    # The one inside the reach lies farther than NEARBY_M from the area's middle: a query
    # around a point alone would miss it.
    assert _metres_apart((8.4700, north_edge + 140 / METRES_PER_DEGREE_LAT), (8.4714, 50.5645)) > (
        NEARBY_M
    )
    found = ideas_near(store, FIELD, "dalheim")
    assert [i.id for i in found] == ["mitten-drin", "knapp-drin"]
    assert found[0].supports == 4


def test_ideas_near_keep_to_the_quartier_and_leave_out_the_item_itself(store, seed):
    add_example_quartier(store, seed)
    add_idea(store, "hier", lon=8.4714, lat=50.5645)
    add_idea(store, "selbst", lon=8.4714, lat=50.5646)
    add_idea(store, "dort", lon=8.4714, lat=50.5645, quartier=EXAMPLE_SLUG)
    found = ideas_near(store, FIELD, "dalheim", exclude="selbst")
    assert [i.id for i in found] == ["hier"]


def test_a_session_paper_numbers_its_items_and_finds_drafts_and_ideas(store, seed):
    add_idea(store, "bank", title="Bank", lon=8.4714, lat=50.5645, supports=2)
    add_idea(store, "offen", state="pending", lon=8.4714, lat=50.5645)
    session = Session(
        id=7,
        quartier="dalheim",
        title="Sitzung",
        starts_at=dt.datetime(2026, 12, 9, 17, 30, tzinfo=dt.UTC),
        ends_at=None,
        place="KiFaZ",
        address="Berliner Ring 39",
        public=False,
        items=(
            AgendaItem(3, 2, "idea", "bank", "Bank", "", None, None, None, None, ""),
            AgendaItem(1, 1, "measure", "kifaz", "KiFaZ", "", "empfohlen", 5, 0, 0, ""),
            AgendaItem(4, 3, "idea", "offen", "Offen", "", None, None, None, None, ""),
            AgendaItem(5, 4, "topic", None, "Verschiedenes", "Text", None, None, None, None, ""),
        ),
    )
    paper = session_paper(store, session)
    assert [i.number for i in paper.items] == [1, 2, 3, 4]
    assert paper.items[0].record.id == "kifaz"
    assert paper.items[1].record.supports == 2
    # An idea not approved is not shown (its text was never moderated); a topic has none.
    assert paper.items[2].record is None and paper.items[3].record is None
    assert [i.number for i in paper.mapped] == [1, 2]
    assert paper.has_results
    for number in ("1", "2"):
        assert f">{number}</text>" in paper.map_svg


def _totals(measures, status=None) -> tuple[int, int]:
    chosen = [m for m in measures if status is None or m.status == status]
    return len(chosen), sum(m.cost_eur for m in chosen if m.cost_eur is not None)


def test_the_status_report_groups_numbers_and_sums_the_published_measures(store, seed):
    extra = moved_on(
        measure(seed, "neu", title="Neue Maßnahme", cost_eur=1234), "im_beirat_vorgestellt"
    )
    store.layers.load_seed(seed_with(seed, extra))
    measures = [*seed.measures, extra]
    report = status_report(store, "dalheim", dt.date(2026, 12, 5))
    numbers = [n.number for g in report.groups for n in g.measures]
    assert numbers == list(range(1, len(measures) + 1))
    assert (report.totals.measures, report.totals.cost_eur) == _totals(measures)
    for group in report.groups:
        assert (group.totals.measures, group.totals.cost_eur) == _totals(measures, group.status)
    shares = [
        round(m.cost_eur * m.funding_share)
        for m in measures
        if m.cost_eur is not None and m.funding_share is not None
    ]
    assert report.totals.funded_eur == sum(shares)
    assert report.as_of == dt.date(2026, 12, 5)


def test_reports_of_an_unknown_quartier_are_refused(store):
    with pytest.raises(NotFound):
        status_report(store, "nirgends", dt.date(2026, 12, 5))
