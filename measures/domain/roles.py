"""What a planner may do in a Quartier: the roles an account holds per Quartier."""

from __future__ import annotations

from collections.abc import Iterable

# moderate: decide on residents' ideas and export them; edit: change measures and places
# (the GIS import); admin: everything, including the export of residents' contact data.
ROLES = ("moderate", "edit", "admin")


def allows(held: Iterable[str], needed: str) -> bool:
    """Whether roles ``held`` in a Quartier allow what needs ``needed`` there."""
    held = set(held)
    return "admin" in held or needed in held
