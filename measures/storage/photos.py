"""The rows of photos: adding one to an idea or a measure, releasing, removing, reading.

The image files are not here: the web layer writes them to the photo storage before the
row is added (so a row never points at nothing) and removes them after the row is gone
(so a failure leaves an unused file, never a broken photo); ``orphan_keys`` finds such
files for ``flask --app app photos purge-orphans``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain import photos as rules
from measures.domain.editing import PUBLISHED
from measures.domain.errors import Conflict
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.photos import Photo, state_for_new
from measures.storage import rows, schema
from measures.storage.filters import about_quartier
from measures.storage.transaction import Transaction, transaction


def _photo_from(row) -> Photo:
    return Photo(
        id=row.id,
        alt_text=row.alt_text,
        state=row.state,
        created_at=rows.utc(row.created_at),
        added_by=row.added_by,
        width=row.width,
        height=row.height,
        idea_id=row.idea_id,
        measure_id=row.measure_id,
    )


def delete_idea_photos(tx: Transaction, idea_id: str) -> list[str]:
    """Delete the rows of an idea's photos in a use case's transaction; their file keys."""
    t = schema.photos
    found = tx.connection.execute(sa.select(t).where(t.c.idea_id == idea_id)).all()
    tx.connection.execute(t.delete().where(t.c.idea_id == idea_id))
    return [key for row in found for key in _photo_from(row).keys]


def delete_measure_photos(tx: Transaction, measure_id: str) -> list[str]:
    """Delete the rows of a measure's photos in a use case's transaction; their file keys."""
    t = schema.photos
    found = tx.connection.execute(sa.select(t).where(t.c.measure_id == measure_id)).all()
    tx.connection.execute(t.delete().where(t.c.measure_id == measure_id))
    return [key for row in found for key in _photo_from(row).keys]


class PhotoRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def _select(self, *where) -> list[Photo]:
        t = schema.photos
        statement = sa.select(t).where(*where).order_by(t.c.created_at, t.c.id)
        with self.engine.connect() as connection:
            return [_photo_from(r) for r in connection.execute(statement)]

    def get(self, photo_id: str, quartier: str | None = None) -> Photo | None:
        """A photo by id; with ``quartier``, only one of that Quartier's idea or measure."""
        t = schema.photos
        found = self._select(t.c.id == photo_id, *about_quartier(t, quartier))
        return found[0] if found else None

    def of_idea(self, idea_id: str, states: Iterable[str] = tuple(rules.STATES)) -> list[Photo]:
        t = schema.photos
        return self._select(t.c.idea_id == idea_id, t.c.state.in_(list(states)))

    def of_measure(
        self, measure_id: str, states: Iterable[str] = tuple(rules.STATES)
    ) -> list[Photo]:
        t = schema.photos
        return self._select(t.c.measure_id == measure_id, t.c.state.in_(list(states)))

    def public_of_idea(self, idea_id: str) -> list[Photo]:
        """The released photos of an idea the public sees; none while it is not public."""
        t, ideas = schema.photos, schema.ideas
        public = sa.select(ideas.c.id).where(
            ideas.c.id == idea_id, ideas.c.moderation_state.in_(list(PUBLIC_STATES))
        )
        return self._select(t.c.idea_id.in_(public), t.c.state == rules.RELEASED)

    def is_public(self, photo: Photo) -> bool:
        """Released, and its idea or measure is public (a draft or archived measure's
        photos are its planners' as the measure is)."""
        if photo.state != rules.RELEASED:
            return False
        if photo.measure_id is not None:
            m = schema.measures
            published = sa.select(m.c.id).where(
                m.c.id == photo.measure_id, m.c.publication == PUBLISHED
            )
            with self.engine.connect() as connection:
                return connection.execute(published).first() is not None
        return any(p.id == photo.id for p in self.public_of_idea(photo.idea_id or ""))

    def pending(self, quartier: str | None = None) -> list[Photo]:
        """Photos waiting for a planner's release, oldest first (the planners' queue)."""
        t = schema.photos
        return self._select(t.c.state == rules.PENDING, *about_quartier(t, quartier))

    def add(self, photo: Photo, *, by_planner: bool) -> Photo:
        """Add a photo whose files are stored already; its state follows its idea's state
        read in the same transaction. LookupError when the idea or measure is not there,
        Conflict when it has its 10 photos already."""
        t = schema.photos
        with transaction(self.engine) as tx:
            idea_state = None
            if photo.idea_id is not None:
                ideas = schema.ideas
                idea_state = tx.connection.execute(
                    sa.select(ideas.c.moderation_state).where(
                        ideas.c.id == photo.idea_id, ideas.c.moderation_state != "deleted"
                    )
                ).scalar()
                if idea_state is None:
                    raise LookupError(photo.idea_id)
                owner = t.c.idea_id == photo.idea_id
            else:
                measures = schema.measures
                if (
                    tx.connection.execute(
                        sa.select(measures.c.id).where(measures.c.id == photo.measure_id)
                    ).first()
                    is None
                ):
                    raise LookupError(photo.measure_id)
                owner = t.c.measure_id == photo.measure_id
            count = tx.connection.execute(
                sa.select(sa.func.count()).select_from(t).where(owner)
            ).scalar_one()
            if count >= rules.PHOTOS_PER_RECORD:
                raise Conflict(rules.TOO_MANY)
            state = state_for_new(by_planner, idea_state, PUBLIC_STATES)
            tx.connection.execute(
                t.insert().values(
                    id=photo.id,
                    idea_id=photo.idea_id,
                    measure_id=photo.measure_id,
                    alt_text=photo.alt_text,
                    state=state,
                    created_at=tx.at,
                    added_by=photo.added_by,
                    width=photo.width,
                    height=photo.height,
                )
            )
        return self.get(photo.id)

    def release(self, photo_id: str, quartier: str | None = None) -> bool:
        """A planner releases a waiting photo; False when there is no such photo (in
        ``quartier``, when given)."""
        t = schema.photos
        with transaction(self.engine) as tx:
            return bool(
                tx.connection.execute(
                    t.update()
                    .where(t.c.id == photo_id, *about_quartier(t, quartier))
                    .values(state=rules.RELEASED)
                ).rowcount
            )

    def remove(self, photo_id: str, quartier: str | None = None) -> Photo | None:
        """Delete a photo's row; the photo (for its file keys), or None if it was not there
        (in ``quartier``, when given)."""
        t = schema.photos
        with transaction(self.engine) as tx:
            row = tx.connection.execute(
                sa.select(t).where(t.c.id == photo_id, *about_quartier(t, quartier))
            ).first()
            if row is None:
                return None
            tx.connection.execute(t.delete().where(t.c.id == photo_id))
        return _photo_from(row)

    def keys(self) -> set[str]:
        """The file keys of every photo there is (to find files without a row)."""
        t = schema.photos
        with self.engine.connect() as connection:
            ids = connection.execute(sa.select(t.c.id)).scalars().all()
        return {rules.variant_key(i, variant) for i in ids for variant in rules.VARIANTS}

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(schema.photos)
            ).scalar_one()
