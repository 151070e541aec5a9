"""The rules of the planners' decisions, without a database (measures/domain/moderation.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from measures.domain import moderation
from measures.domain.model import Idea
from measures.domain.vocabulary import IDEA_ACTIONS, MODERATION_STATES
from tests import factories

AT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
IDEA = factories.idea(
    "bank", title="Bank am Spielplatz", description="Eine Bank im Schatten am Berliner Ring"
)


def test_every_decision_names_a_known_action_and_state():
    decisions = [
        moderation.approval(AT),
        moderation.rejection("Privatgrund", AT),
        moderation.text_edit(IDEA, "Zwei Bänke", "Im Schatten"),
        moderation.duplicate("andere", IDEA, AT),
        moderation.conversion("idee-bank"),
        moderation.deletion(AT),
    ]
    for decision in decisions:
        assert decision.action in IDEA_ACTIONS
        assert set(decision.changes) <= set(Idea.__dataclass_fields__)
        assert decision.changes.get("moderation_state", "pending") in MODERATION_STATES
    assert set(moderation.PUBLIC_STATES) <= set(moderation.OPEN_STATES)
    assert "deleted" not in moderation.LIVE_STATES


def test_an_edit_keeps_the_authors_original_only_the_first_time():
    first = moderation.text_edit(IDEA, "Zwei Bänke", "Im Schatten")
    assert first.changes["original_title"] == "Bank am Spielplatz"
    assert first.changes["original_description"] == "Eine Bank im Schatten am Berliner Ring"
    edited = replace(IDEA, **first.changes)
    second = moderation.text_edit(edited, "Drei Bänke", "Im Schatten, bitte")
    assert "original_title" not in second.changes
    assert replace(edited, **second.changes).original_title == "Bank am Spielplatz"


def test_a_duplicate_is_rejected_with_the_title_of_the_other_idea():
    decision = moderation.duplicate("andere", replace(IDEA, title="Sitzbank"), AT)
    assert decision.reason == "Diese Idee gibt es schon: „Sitzbank“."
    assert decision.changes["moderation_reason"] == decision.reason
    assert decision.changes["moderation_state"] == "rejected"
    assert decision.changes["duplicate_of"] == "andere"
    assert moderation.duplicate("weg", None, AT).reason == ""


def test_a_deletion_removes_every_text_of_the_idea():
    edited = replace(IDEA, original_title="alt", original_description="alt")
    deleted = replace(edited, **moderation.deletion(AT).changes)
    assert deleted.title == "[gelöscht]" and deleted.description == ""
    assert deleted.original_title is None and deleted.original_description is None
    assert deleted.moderation_state == "deleted" and deleted.decided_at == AT


def test_the_measure_made_from_an_idea_links_back_to_it():
    measure = moderation.measure_from_idea(IDEA, "https://example.org/ideen/bank", AT)
    assert measure.id == "idee-bank" and measure.status == "idee"
    assert (measure.title, measure.description) == (IDEA.title, IDEA.description)
    assert measure.category == IDEA.category and measure.geometry == IDEA.geometry
    assert [s.url for s in measure.sources] == ["https://example.org/ideen/bank"]
    assert [(t.status, t.date) for t in measure.timeline] == [("idee", "2026-12-02")]
    assert moderation.conversion(measure.id).changes == {"measure_id": "idee-bank"}
