"""The map's search box: our own gazetteer, forgiving spelling, best matches first."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapely.geometry import Point

from measures.domain.streets import Street
from measures.reading.search import gazetteer, normalise, search
from tests.factories import measure


@pytest.fixture
def hits(seed):
    kifaz = next(loc for loc in seed.locations if loc.id == "kifaz")
    return gazetteer(
        [Street("Hohe Straße", 8.4761, 50.5646), Street("Berliner Ring", 8.4722, 50.5666)],
        [replace(kifaz, name="Kinder- und Familienzentrum Dalheim (KiFaZ)")],
        [
            measure(seed, "spielplatz", title="Spielplatz Berliner Ring"),
            measure(seed, "abriss", title="Abriss der alten Kita Am Mühlstück"),
        ],
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Mühlstück", "muhlstuck"),
        ("Muehlstueck", "muhlstuck"),
        ("  Berliner-Ring ", "berliner ring"),
    ],
)
def test_spelling_is_folded_the_same_way_on_both_sides(typed, expected):
    assert normalise(typed) == expected


def test_a_street_a_place_and_a_measure_are_found_by_what_people_type(hits):
    assert [h.name for h in search(hits, "hohe strasse")] == ["Hohe Straße"]
    assert [h.id for h in search(hits, "kifaz")] == ["kifaz"]
    assert [h.id for h in search(hits, "muehlstueck")] == ["abriss"]


def test_names_that_start_with_the_query_come_first(hits):
    found = search(hits, "berliner")
    assert [h.name for h in found] == ["Berliner Ring", "Spielplatz Berliner Ring"]
    assert [h.feature for h in found] == [None, "measures:spielplatz"]


def test_every_word_must_occur_and_the_number_is_limited(hits):
    assert search(hits, "berliner kita") == []
    assert len(search(hits, "r", limit=2)) == 2
    assert search(hits, "   ") == []


def test_a_measure_is_found_where_its_marker_stands(seed):
    area = measure(seed, "feld", geometry=Point(8.47, 50.56).buffer(0.001))
    (hit,) = search(gazetteer([], [], [area]), area.title)
    assert (hit.lon, hit.lat) == pytest.approx((8.47, 50.56))
