"""What a planner's decision does to an idea, and which ideas are shown to whom.

The storage writes what these functions return and decides nothing itself. The texts here
are stored with the idea or the measure (the author and the public read them), so they are
German and written once, in the language of the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from measures.domain.model import Idea, Measure, Source, TimelineStep

# The public (map, API, exports, OGC) sees approved ideas only.
PUBLIC_STATES = ("approved",)
# Ideas another one can be a duplicate of: those still open or on the map.
OPEN_STATES = ("pending", "approved")
# Ideas a planner can still act on; a deleted one keeps only its history.
LIVE_STATES = ("pending", "approved", "rejected")

DELETED_TITLE = "[gelöscht]"
IDEA_SOURCE_TITLE = "Idee aus der Quartierskarte"


@dataclass(frozen=True)
class Decision:
    """One action on an idea: the entry of its history and the fields of ``Idea`` it sets."""

    action: str  # a key of vocabulary.IDEA_ACTIONS
    changes: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


def approval(at: datetime) -> Decision:
    return Decision(
        "approved",
        {"moderation_state": "approved", "moderation_reason": "", "decided_at": at},
    )


def rejection(reason: str, at: datetime) -> Decision:
    return Decision(
        "rejected",
        {"moderation_state": "rejected", "moderation_reason": reason, "decided_at": at},
        reason,
    )


def text_edit(current: Idea, title: str, description: str) -> Decision:
    """A planner's new text; the author's original is kept the first time, for the record."""
    changes: dict[str, Any] = {"title": title, "description": description}
    if current.original_title is None:
        changes |= {
            "original_title": current.title,
            "original_description": current.description,
        }
    return Decision("edited", changes)


def duplicate_reason(other: Idea | None) -> str:
    """What the author of a duplicate reads: the title of the idea that was there first."""
    return f"Diese Idee gibt es schon: „{other.title}“." if other is not None else ""


def duplicate(other_id: str, other: Idea | None, at: datetime) -> Decision:
    """A duplicate is rejected, with a reason naming the other idea (``other``, if open)."""
    reason = duplicate_reason(other)
    return Decision(
        "duplicate",
        {
            "moderation_state": "rejected",
            "moderation_reason": reason,
            "duplicate_of": other_id,
            "decided_at": at,
        },
        reason,
    )


def deletion(at: datetime) -> Decision:
    """Text and personal data go (the storage removes the contact), the history stays."""
    return Decision(
        "deleted",
        {
            "moderation_state": "deleted",
            "title": DELETED_TITLE,
            "description": "",
            "original_title": None,
            "original_description": None,
            "moderation_reason": "",
            "decided_at": at,
        },
    )


def measure_id_for(idea_id: str) -> str:
    return f"idee-{idea_id}"


def measure_from_idea(idea: Idea, idea_url: str, at: datetime) -> Measure:
    """The measure (status "idee") a planner makes of an idea, linking back to it."""
    return Measure(
        id=measure_id_for(idea.id),
        title=idea.title,
        summary=idea.title,
        description=idea.description,
        category=idea.category,
        status="idee",
        geometry=idea.geometry,
        # The resident placed the pin on purpose: this is where the idea is meant.
        accuracy="exact",
        sources=(Source(title=IDEA_SOURCE_TITLE, url=idea_url),),
        timeline=(TimelineStep(status="idee", date=at.date().isoformat(), note=""),),
    )


def conversion(measure_id: str) -> Decision:
    return Decision("converted", {"measure_id": measure_id})
