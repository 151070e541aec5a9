"""The reports' parts that need no database: the maps drawn on the server and the sums."""

from __future__ import annotations

import dataclasses
import re

import pytest
from PIL import ImageFile
from shapely.geometry import LineString, Point

from measures.domain.streets import streets_of
from measures.reports.maps import Mark, draw_map
from measures.reports.pdf import html_to_pdf
from measures.reports.status_report import Totals, funded_eur


def _marks(seed) -> list[Mark]:
    kinds = ["measure", "idea"]
    return [Mark(n, kinds[n % 2], m.geometry) for n, m in enumerate(seed.measures, start=1)]


def test_a_map_is_the_same_svg_at_every_drawing(seed):
    first = draw_map(seed.quartier.geometry, _marks(seed), streets_of("dalheim"))
    again = draw_map(seed.quartier.geometry, list(reversed(_marks(seed))), streets_of("dalheim"))
    assert first == again
    assert first.startswith("<?xml") and "<svg" in first


def test_a_map_shows_every_number_once_and_the_streets_by_name(seed):
    marks = _marks(seed)
    svg = draw_map(seed.quartier.geometry, marks, streets_of("dalheim"))
    numbers = re.findall(r">(\d+)</text>", svg)
    # The scale bar says 0 and its length as well: the marks' numbers are the rest.
    assert sorted(int(n) for n in numbers if n != "0") == [m.number for m in marks]
    for street in streets_of("dalheim"):
        assert f">{street.name}</text>" in svg


def test_a_map_without_boundary_draws_areas_and_lines_too():
    marks = [
        Mark(1, "measure", Point(8.47, 50.565).buffer(0.0005)),
        Mark(2, "measure", LineString([(8.468, 50.563), (8.472, 50.566)])),
        Mark(3, "idea", Point(8.47, 50.565)),  # on top of mark 1: moved aside, with a line
    ]
    svg = draw_map(None, marks)
    assert {n for n in re.findall(r">(\d+)</text>", svg)} >= {"1", "2", "3"}


def test_a_map_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError):
        draw_map(None, [])
    with pytest.raises(ValueError):
        draw_map(None, [Mark(1, "ort", Point(8.47, 50.565))])


def test_totals_add_costs_estimates_and_funding(seed):
    base = seed.measures[0]
    measures = [
        dataclasses.replace(base, cost_eur=1000, funding_share=0.5, cost_is_estimate=False),
        dataclasses.replace(base, cost_eur=333, funding_share=2 / 3, cost_is_estimate=True),
        dataclasses.replace(base, cost_eur=200, funding_share=None, cost_is_estimate=False),
        dataclasses.replace(base, cost_eur=None, funding_share=0.9),
    ]
    totals = Totals.of(measures)
    assert totals == Totals(
        measures=4, cost_eur=1533, estimated_eur=333, funded_eur=500 + 222, without_cost=1
    )
    assert funded_eur(measures[2]) is None and funded_eur(measures[3]) is None
    assert Totals.of([]) == Totals(0, 0, 0, 0, 0)


def test_making_pdfs_leaves_pillow_refusing_truncated_images():
    pdf = html_to_pdf('<html lang="de"><head><title>T</title></head><body><p>x</p></body></html>')
    assert pdf.startswith(b"%PDF-")
    # WeasyPrint turns this on when imported; the photo uploads rely on it being off.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
