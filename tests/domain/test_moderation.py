"""The rules of the planners' decisions, without a database (measures/domain/moderation.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from measures.domain import moderation
from measures.domain.errors import Conflict
from measures.domain.ideas import InvalidSubmission
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
        moderation.duplicate(IDEA, replace(IDEA, id="andere"), AT),
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


def test_a_duplicate_is_rejected_with_the_title_of_the_other_idea_if_public():
    other = replace(IDEA, id="andere", title="Sitzbank")
    decision = moderation.duplicate(IDEA, other, AT)
    assert decision.reason == "Diese Idee gibt es schon: „Sitzbank“."
    assert decision.changes["moderation_reason"] == decision.reason
    assert decision.changes["moderation_state"] == "rejected"
    assert decision.changes["duplicate_of"] == "andere"
    # The title of an idea not yet checked is for nobody else to read.
    waiting = moderation.duplicate(IDEA, replace(other, moderation_state="pending"), AT)
    assert waiting.reason == "Diese Idee gibt es schon."
    assert "Sitzbank" not in str(waiting.changes)


@pytest.mark.parametrize("state", ["rejected", "deleted"])
def test_an_idea_is_a_duplicate_only_of_another_open_one(state):
    for other in (None, IDEA, replace(IDEA, id="andere", moderation_state=state)):
        with pytest.raises(InvalidSubmission) as refused:
            moderation.duplicate(IDEA, other, AT)
        assert refused.value.errors == {"duplicate_of": moderation.NO_OTHER_IDEA}


@pytest.mark.parametrize(
    ("changes", "action", "message"),
    [
        ({"moderation_state": "approved"}, "approved", "schon freigegeben"),
        ({"moderation_state": "rejected"}, "rejected", "schon abgelehnt"),
        ({"duplicate_of": "andere"}, "duplicate", "schon als doppelt markiert"),
        ({"measure_id": "idee-bank"}, "converted", "schon eine Maßnahme"),
        ({"moderation_state": "deleted"}, "edited", "gelöscht"),
        ({"moderation_state": "deleted"}, "deleted", "gelöscht"),
    ],
)
def test_an_action_done_already_or_on_a_deleted_idea_is_refused(changes, action, message):
    with pytest.raises(Conflict) as refused:
        moderation.check_action(replace(IDEA, **changes), action)
    assert message in refused.value.message and refused.value.status == 409


def test_the_actions_not_yet_done_are_allowed():
    pending = replace(IDEA, moderation_state="pending")
    for action in ("approved", "rejected", "edited", "duplicate", "converted", "deleted"):
        moderation.check_action(pending, action)
    moderation.check_action(replace(IDEA, moderation_state="rejected"), "approved")
    moderation.check_action(IDEA, "rejected")  # an approved idea may still be rejected


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
