"""The attribute table of each layer in GIS files: one flat row per record.

GIS formats hold flat columns, so the nested properties of the read API become text:
``sources``, ``timeline`` and an idea's ``history`` are JSON arrays in one text column
(umlauts as they are). JSON rather than a readable "title <url>; …" list because it maps
back without guessing when a planner returns an edited layer (see ``measures.gis.importing``).

Public columns carry no personal data. Only ``PLANNER_IDEA_COLUMNS`` (moderation and its
history) and ``CONTACT_COLUMNS`` (name, e-mail) go beyond that, and only the planners'
export asks for them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from measures.domain.model import Idea, IdeaContact, IdeaEvent, Location, Measure, Quartier, Source
from measures.domain.vocabulary import (
    ACCURACIES,
    CATEGORIES,
    LOCATION_KINDS,
    MODERATION_STATES,
    STATUSES,
)

# column → kind ("str", "int", "float", "bool"): the schema of a file even when it is empty.
Columns = Mapping[str, str]

QUARTIER_COLUMNS: Columns = {
    "id": "str",
    "name": "str",
    "description": "str",
    "accuracy": "str",
    "accuracy_label": "str",
    "sources": "str",
    "updated_at": "str",
}
MEASURE_COLUMNS: Columns = {
    "id": "str",
    "title": "str",
    "summary": "str",
    "description": "str",
    "category": "str",
    "category_label": "str",
    "status": "str",
    "status_label": "str",
    "status_date": "str",
    "timeline": "str",
    "cost_eur": "int",
    "cost_is_estimate": "bool",
    "funding_share": "float",
    "funding_programme": "str",
    "start_year": "int",
    "end_year": "int",
    "accuracy": "str",
    "accuracy_label": "str",
    "sources": "str",
    "updated_at": "str",
}
LOCATION_COLUMNS: Columns = {
    "id": "str",
    "name": "str",
    "kind": "str",
    "kind_label": "str",
    "address": "str",
    "description": "str",
    "contact": "str",
    "opening_hours": "str",
    "accuracy": "str",
    "accuracy_label": "str",
    "sources": "str",
    "updated_at": "str",
}
IDEA_COLUMNS: Columns = {
    "id": "str",
    "title": "str",
    "description": "str",
    "category": "str",
    "category_label": "str",
    "created_at": "str",
    "supports": "int",
    "updated_at": "str",
}
PLANNER_IDEA_COLUMNS: Columns = {
    **IDEA_COLUMNS,
    "moderation_state": "str",
    "moderation_state_label": "str",
    "moderation_reason": "str",
    "decided_at": "str",
    "original_title": "str",
    "original_description": "str",
    "duplicate_of": "str",
    "measure_id": "str",
    "history": "str",
}
CONTACT_COLUMNS: Columns = {"author_name": "str", "email": "str"}

# Columns an import reads back; the others (labels, dates of change) are derived and ignored.
DERIVED = frozenset(
    {"accuracy_label", "category_label", "kind_label", "status_label", "status_date", "updated_at"}
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _json(value: Sequence[dict]) -> str:
    return json.dumps(list(value), ensure_ascii=False, separators=(", ", ": "))


def _sources(sources: Sequence[Source]) -> str:
    return _json([{"title": s.title, "url": s.url} for s in sources])


def quartier_row(q: Quartier) -> dict:
    return {
        "id": q.id,
        "name": q.name,
        "description": q.description,
        "accuracy": q.accuracy,
        "accuracy_label": ACCURACIES[q.accuracy],
        "sources": _sources(q.sources),
        "updated_at": _iso(q.updated_at),
    }


def measure_row(m: Measure) -> dict:
    dates = [step.date for step in m.timeline if step.status == m.status]
    return {
        "id": m.id,
        "title": m.title,
        "summary": m.summary,
        "description": m.description,
        "category": m.category,
        "category_label": CATEGORIES[m.category],
        "status": m.status,
        "status_label": STATUSES[m.status],
        "status_date": dates[-1] if dates else None,
        "timeline": _json(
            [{"status": s.status, "date": s.date, "note": s.note} for s in m.timeline]
        ),
        "cost_eur": m.cost_eur,
        "cost_is_estimate": m.cost_is_estimate,
        "funding_share": m.funding_share,
        "funding_programme": m.funding_programme,
        "start_year": m.start_year,
        "end_year": m.end_year,
        "accuracy": m.accuracy,
        "accuracy_label": ACCURACIES[m.accuracy],
        "sources": _sources(m.sources),
        "updated_at": _iso(m.updated_at),
    }


def location_row(loc: Location) -> dict:
    return {
        "id": loc.id,
        "name": loc.name,
        "kind": loc.kind,
        "kind_label": LOCATION_KINDS[loc.kind],
        "address": loc.address,
        "description": loc.description,
        "contact": loc.contact,
        "opening_hours": loc.opening_hours,
        "accuracy": loc.accuracy,
        "accuracy_label": ACCURACIES[loc.accuracy],
        "sources": _sources(loc.sources),
        "updated_at": _iso(loc.updated_at),
    }


def idea_row(idea: Idea) -> dict:
    # The public view: deliberately without moderation details and personal data.
    return {
        "id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "category": idea.category,
        "category_label": CATEGORIES[idea.category],
        "created_at": _iso(idea.created_at),
        "supports": idea.supports,
        "updated_at": _iso(idea.updated_at),
    }


def planner_idea_row(
    idea: Idea, history: Sequence[IdeaEvent], contact: IdeaContact | None = None
) -> dict:
    """An idea with its moderation and history; with name and e-mail only when given."""
    row = {
        **idea_row(idea),
        "moderation_state": idea.moderation_state,
        "moderation_state_label": MODERATION_STATES[idea.moderation_state],
        "moderation_reason": idea.moderation_reason,
        "decided_at": _iso(idea.decided_at),
        "original_title": idea.original_title,
        "original_description": idea.original_description,
        "duplicate_of": idea.duplicate_of,
        "measure_id": idea.measure_id,
        "history": _json(
            [
                {"at": _iso(e.at), "action": e.action, "actor": e.actor, "reason": e.reason}
                for e in history
            ]
        ),
    }
    if contact is not None:
        row["author_name"] = contact.author_name
        row["email"] = contact.email
    return row


ROWS = {
    "quartier": (QUARTIER_COLUMNS, quartier_row),
    "measures": (MEASURE_COLUMNS, measure_row),
    "locations": (LOCATION_COLUMNS, location_row),
    "ideas": (IDEA_COLUMNS, idea_row),
}

# What an import reads from which column, in the shape ``measures.domain.validation`` expects.
IMPORT_COLUMNS: dict[str, Columns] = {
    "measures": {k: v for k, v in MEASURE_COLUMNS.items() if k not in DERIVED},
    "locations": {k: v for k, v in LOCATION_COLUMNS.items() if k not in DERIVED},
}
NESTED = frozenset({"sources", "timeline"})
