"""The planners' form, derived from the layer definition: which fields it edits, how it
reads what was typed, and the geometry's parts."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import LineString, Point, Polygon, box

from measures.domain.editing import (
    InvalidForm,
    differences,
    form_fields,
    join_parts,
    new_id,
    read_form,
    shown_fields,
    to_form,
)
from measures.domain.layers import LAYERS

TOLERANCE_M = 25


def _posted(layer: str, record) -> dict[str, str]:
    """What a browser sends for the form of ``record``: a ticked checkbox as "on"."""
    values = to_form(layer, record)
    return {k: ("on" if v else "") if isinstance(v, bool) else v for k, v in values.items()}


def test_the_form_edits_every_importable_field_the_definition_does_not_exclude():
    for layer in ("measures", "locations"):
        edited = {name for name, _ in form_fields(layer)}
        shown = {name for name, _ in shown_fields(layer)}
        assert edited | shown == {name for name, _ in LAYERS[layer].importable}
        assert not edited & shown
    assert {name for name, _ in shown_fields("measures")} == {"status", "timeline"}
    assert "accessibility" in {name for name, _ in form_fields("locations")}


def test_a_record_goes_through_the_form_and_back_unchanged(seed):
    stored = seed.measures[0]
    values = _posted("measures", stored)
    again = read_form("measures", values, stored.id, seed.quartier, TOLERANCE_M, stored=stored)
    assert differences("measures", again, stored) == []
    assert again.quartier == seed.quartier.id


def test_the_form_is_read_by_the_seed_validation_and_every_problem_is_named(seed):
    values = {
        **_posted("measures", seed.measures[0]),
        "title": "",
        "cost_eur": "viel",
        "funding_share": "2",
        "start_year": "2030",
        "end_year": "2020",
        "sources": "ohne Trennstrich",
        "geometry": json.dumps({"type": "Point", "coordinates": [8.6, 50.6]}),
    }
    with pytest.raises(InvalidForm) as refused:
        read_form("measures", values, "neu", seed.quartier, TOLERANCE_M)
    errors = refused.value.errors
    assert errors["title"] == "fehlt, ist aber Pflicht."
    assert "ganze Zahl" in errors["cost_eur"]
    assert "zwischen 0 und 1" in errors["funding_share"]
    assert errors["end_year"] == "liegt vor dem Startjahr."
    assert "Titel | Web-Adresse" in errors["sources"]
    # The geometry is checked against the Quartier only once the record is readable.
    values = {**_posted("measures", seed.measures[0]), "geometry": values["geometry"]}
    with pytest.raises(InvalidForm) as refused:
        read_form("measures", values, "neu", seed.quartier, TOLERANCE_M)
    assert "außerhalb des Quartiers" in refused.value.errors["geometry"]


def test_a_new_measure_starts_as_an_idea_and_a_change_keeps_the_decision_path(seed):
    stored = seed.measures[0]
    values = _posted("measures", stored)
    new = read_form("measures", values, "neu", seed.quartier, TOLERANCE_M)
    assert (new.status, new.timeline) == ("idee", ())
    kept = read_form("measures", values, stored.id, seed.quartier, TOLERANCE_M, stored=stored)
    assert (kept.status, kept.timeline) == (stored.status, stored.timeline)


def test_parts_of_one_kind_become_one_geometry():
    a, b = box(0, 0, 1, 1), box(2, 0, 3, 1)
    assert join_parts([a]).equals(a)
    assert join_parts([a, b]).geom_type == "MultiPolygon"
    assert join_parts([Point(0, 0), Point(1, 1)]).geom_type == "MultiPoint"
    assert join_parts([LineString([(0, 0), (1, 1)]), LineString([(2, 2), (3, 3)])]).geom_type == (
        "MultiLineString"
    )
    # Overlapping areas are merged rather than left as an invalid MultiPolygon.
    merged = join_parts([box(0, 0, 2, 2), box(1, 1, 3, 3)])
    assert merged.is_valid and merged.area == pytest.approx(7)
    with pytest.raises(InvalidForm, match="mischt"):
        join_parts([Point(0, 0), Polygon([(0, 0), (1, 0), (1, 1)])])
    with pytest.raises(InvalidForm, match="leer"):
        join_parts([])


def test_a_new_key_comes_from_the_name():
    assert new_id("Neue Bänke am Schwalbengraben", set()) == "neue-baenke-am-schwalbengraben"
    assert new_id("Spielplatz", {"spielplatz", "spielplatz-2"}) == "spielplatz-3"
    assert new_id("!!!", set()) == "eintrag"
