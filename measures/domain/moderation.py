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

from measures.domain.errors import Conflict
from measures.domain.ideas import InvalidSubmission
from measures.domain.model import Idea, Measure, Source, TimelineStep
from measures.domain.vocabulary import N_

# The public (map, API, exports, OGC) sees approved ideas only.
PUBLIC_STATES = ("approved",)
# Ideas another one can be a duplicate of: those still open or on the map.
OPEN_STATES = ("pending", "approved")
# Ideas a planner can still act on; a deleted one keeps only its history.
LIVE_STATES = ("pending", "approved", "rejected")

DELETED_TITLE = "[gelöscht]"
IDEA_SOURCE_TITLE = "Idee aus der Quartierskarte"


# What a planner reads when an action is not possible (an error page, in the catalogue).
DELETED_IDEA = N_("Die Idee ist gelöscht; an ihr lässt sich nichts mehr ändern.")
NO_OTHER_IDEA = N_("Bitte die Kennung einer anderen, offenen Idee angeben.")
# The actions that cannot be done twice: when each counts as done, and what a planner
# reads who tries again (a second click, or two planners at the same idea at once).
_DONE_ALREADY = {
    "approved": (
        lambda idea: idea.moderation_state == "approved",
        N_("Die Idee ist schon freigegeben."),
    ),
    "rejected": (
        lambda idea: idea.moderation_state == "rejected",
        N_("Die Idee ist schon abgelehnt."),
    ),
    "duplicate": (
        lambda idea: idea.duplicate_of is not None,
        N_("Die Idee ist schon als doppelt markiert."),
    ),
    "converted": (
        lambda idea: idea.measure_id is not None,
        N_("Aus der Idee ist schon eine Maßnahme geworden."),
    ),
}


def check_action(idea: Idea, action: str) -> None:
    """Refuse (``Conflict``) an action on a deleted idea, or one that was done already."""
    if idea.moderation_state == "deleted":
        raise Conflict(DELETED_IDEA)
    done, message = _DONE_ALREADY.get(action, (None, ""))
    if done is not None and done(idea):
        raise Conflict(message)


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


def duplicate_reason(other: Idea) -> str:
    """What the author of a duplicate reads: the other idea's title, if the public may
    read it; the title of an idea still waiting for its check is nobody else's business."""
    if other.moderation_state in PUBLIC_STATES:
        return f"Diese Idee gibt es schon: „{other.title}“."
    return "Diese Idee gibt es schon."


def duplicate(idea: Idea, other: Idea | None, at: datetime) -> Decision:
    """A duplicate of ``other`` (an open idea, not itself) is rejected, with a reason."""
    if other is None or other.id == idea.id or other.moderation_state not in OPEN_STATES:
        raise InvalidSubmission({"duplicate_of": NO_OTHER_IDEA})
    reason = duplicate_reason(other)
    return Decision(
        "duplicate",
        {
            "moderation_state": "rejected",
            "moderation_reason": reason,
            "duplicate_of": other.id,
            "decided_at": at,
        },
        reason,
    )


NO_MEASURE = N_("Bitte wählen Sie eine Maßnahme aus der Liste.")


def link(measure_id: str | None) -> Decision:
    """The idea is taken up in a measure (``aufgegriffen in …``), or no longer (None)."""
    return Decision("linked" if measure_id else "unlinked", {"measure_id": measure_id or None})


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
        # In the idea's own Quartier.
        quartier=idea.quartier,
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
