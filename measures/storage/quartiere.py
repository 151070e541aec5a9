"""The Quartiere of the installation: one row each in the table ``quartier``.

Every request asks which Quartier it is about (``app/quartiere.py``), and an idea's
intake checks its point against the boundary. So the repository keeps the Quartiere it
read, keyed by the version of the layer ``quartier`` (``LayerRepository.version``: one
short statement), which every change through the store counts up in the same
transaction (``transaction.py``). A change made by any worker is seen by the next
request of every worker, as with the layer cache (``measures/reading/cache.py``). A
migration changes rows without a version; it runs before the workers start.

An idea's intake need not wait for that statement: it takes the Quartiere as last read
(``read(recheck=False)``) and its INSERT checks the layer's version instead, in the
same statement (``intake.py``); if the layer moved on, the caller reads them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.errors import UserError
from measures.domain.model import Quartier
from measures.domain.quartiere import DEFAULT_CATEGORIES, MapView, QuartierProfile
from measures.storage import rows, schema
from measures.storage.transaction import transaction


def _profile(row: Any) -> QuartierProfile:
    view = None
    if row.view_lon is not None and row.view_lat is not None and row.view_zoom is not None:
        view = MapView(row.view_lon, row.view_lat, row.view_zoom)
    return QuartierProfile(
        slug=row.id,
        name=row.name,
        boundary=shapely.from_wkb(row.geom_wkb),
        programme=row.programme,
        short_name=row.short_name,
        tolerance_m=row.tolerance_m,
        contact=row.contact,
        about_text=row.about_text,
        privacy_text=row.privacy_text,
        imprint_text=row.imprint_text,
        view=view,
        categories=tuple(row.categories) if row.categories else DEFAULT_CATEGORIES,
        active=row.active,
    )


def profile_values(profile: QuartierProfile) -> dict:
    """The columns of ``quartier`` beyond the boundary layer's fields."""
    view = profile.view
    return {
        "programme": profile.programme,
        "short_name": profile.short_name,
        "tolerance_m": profile.tolerance_m,
        "contact": profile.contact,
        "about_text": profile.about_text,
        "privacy_text": profile.privacy_text,
        "imprint_text": profile.imprint_text,
        "view_lon": view.lon if view else None,
        "view_lat": view.lat if view else None,
        "view_zoom": view.zoom if view else None,
        "categories": None
        if profile.categories == DEFAULT_CATEGORIES
        else list(profile.categories),
        "active": profile.active,
    }


@dataclass(frozen=True)
class QuartiereAsRead:
    """Every Quartier by slug, and the number of the version of the layer ``quartier``
    they were read at (0: the layer never changed)."""

    version: int
    profiles: tuple[QuartierProfile, ...]

    def all(self, *, active_only: bool = False) -> list[QuartierProfile]:
        return [q for q in self.profiles if q.active or not active_only]

    def get(self, slug: str) -> QuartierProfile | None:
        return next((q for q in self.profiles if q.slug == slug), None)


class QuartierRepository:
    def __init__(self, engine: Engine, version: Callable[[str], Any]):
        self.engine = engine
        # The version of a layer (``LayerRepository.version``); None: it never changed.
        self._version = version
        # Every Quartier as last read, under a version of the layer ``quartier``.
        self._cached: QuartiereAsRead | None = None

    def all(self, *, active_only: bool = False) -> list[QuartierProfile]:
        """Every Quartier, by slug."""
        return self.read().all(active_only=active_only)

    def get(self, slug: str) -> QuartierProfile | None:
        return self.read().get(slug)

    def read(self, *, recheck: bool = True) -> QuartiereAsRead:
        """Every Quartier, by slug: as read before while the layer's version is the same.

        ``recheck=False``: as this worker read them last, without asking whether the
        layer changed since — for a write that checks the version itself
        (``IdeaRepository.add``); read afresh only when there is nothing kept.
        """
        cached = self._cached
        if not recheck and cached is not None:
            return cached
        # The version first: rows read after it are at least that new, so what is kept
        # under a version is never older than the version says.
        version = self._version("quartier")
        if version is not None and cached is not None and cached.version == version.number:
            return cached
        t = schema.quartier
        with self.engine.connect() as connection:
            found = tuple(_profile(r) for r in connection.execute(sa.select(t).order_by(t.c.id)))
        read = QuartiereAsRead(version.number if version is not None else 0, found)
        if version is not None:
            # One assignment: a thread of the same worker sees the old pair or the new.
            self._cached = read
        return read

    def add(self, quartier: Quartier, profile: QuartierProfile) -> None:
        """A new Quartier: its boundary record and its profile, in one transaction."""
        t = schema.quartier
        with transaction(self.engine) as tx:
            exists = tx.connection.execute(sa.select(t.c.id).where(t.c.id == quartier.id)).first()
            if exists is not None:
                raise UserError(
                    f"Ein Quartier mit der Kennung '{quartier.id}' gibt es schon.",
                    parameter="slug",
                    code="conflict",
                    status=409,
                )
            tx.write(
                "quartier",
                t.insert().values(
                    **rows.to_row("quartier", quartier),
                    **profile_values(profile),
                    updated_at=tx.at,
                ),
                ids=[quartier.id],
            )

    def set_active(self, slug: str, active: bool) -> bool:
        """Archive a Quartier (its pages stay, it takes no new ideas) or make it active."""
        t = schema.quartier
        with transaction(self.engine) as tx:
            return bool(
                tx.write(
                    "quartier", t.update().where(t.c.id == slug).values(active=active), ids=[slug]
                ).rowcount
            )
