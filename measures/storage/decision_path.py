"""The rows of a measure's decision path: its steps and their PDF files.

Every change of a step is one transaction that also writes the measure's ``status`` and
``timeline`` as the steps give them (``sync_measure``), so the two never disagree; a
changed status is queued for the measure's followers in the same transaction. The PDF
files are not here: the web layer writes them to the photo storage before the row is added
and removes them after the row is gone (as for photos).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain import decision_path as rules
from measures.domain.decision_path import BY_PLANNER, FROM_FILE, Step, StepFile, StepInput
from measures.domain.errors import Conflict
from measures.domain.model import Measure
from measures.domain.vocabulary import N_
from measures.storage import rows, schema, versions
from measures.storage.transaction import Transaction, transaction

GONE = "Diesen Schritt gibt es nicht mehr; vielleicht hat ihn jemand anderes gerade gelöscht."


def _file_from(row) -> StepFile:
    return StepFile(
        id=row.id,
        step_id=row.step_id,
        key=row.key,
        filename=row.filename,
        size=row.size,
        created_at=rows.utc(row.created_at),
    )


def read_steps(connection: sa.Connection, measure_id: str) -> list[Step]:
    """The steps of a measure in order, each with its files."""
    s, f = schema.measure_steps, schema.measure_step_files
    found = connection.execute(sa.select(s).where(s.c.measure_id == measure_id)).all()
    files: dict[int, list[StepFile]] = {}
    if found:
        for row in connection.execute(
            sa.select(f).where(f.c.step_id.in_([r.id for r in found])).order_by(f.c.id)
        ):
            files.setdefault(row.step_id, []).append(_file_from(row))
    return rules.ordered(
        Step(
            id=r.id,
            measure_id=r.measure_id,
            position=r.position,
            date=r.date,
            body=r.body,
            status=r.status,
            reference=r.reference,
            minutes_url=r.minutes_url,
            note=r.note,
            origin=r.origin,
            files=tuple(files.get(r.id, ())),
            updated_at=rows.utc(r.updated_at),
            updated_by=r.updated_by,
        )
        for r in found
    )


def _measure(tx: Transaction, measure_id: str) -> Measure | None:
    t = schema.measures
    row = tx.connection.execute(sa.select(t).where(t.c.id == measure_id)).first()
    return rows.from_row("measures", row) if row is not None else None


def insert_step(
    tx: Transaction, measure_id: str, step: StepInput, position: int, origin: str, actor: str
) -> int:
    return tx.connection.execute(
        schema.measure_steps.insert().values(
            measure_id=measure_id, position=position, **_step_values(tx, step, origin, actor)
        )
    ).inserted_primary_key[0]


def _step_values(tx: Transaction, step: StepInput, origin: str, actor: str) -> dict:
    """The columns of a step that a file or a planner writes (new or changed)."""
    return {
        "date": step.date,
        "body": step.body,
        "status": step.status,
        "reference": step.reference,
        "minutes_url": step.minutes_url,
        "note": step.note,
        "origin": origin,
        "updated_at": tx.at,
        "updated_by": actor,
    }


def write_step(tx: Transaction, step_id: int, step: StepInput, actor: str) -> None:
    """Change a step to ``step``, as a planner's."""
    s = schema.measure_steps
    tx.connection.execute(
        s.update().where(s.c.id == step_id).values(**_step_values(tx, step, BY_PLANNER, actor))
    )


def sync_measure(tx: Transaction, measure_id: str, actor: str) -> None:
    """Write the measure's status and timeline as its steps give them, as a version of
    the measure by ``actor`` (``measures/storage/versions.py``, which also queues the news
    of a new status for its followers). A change that leaves both as they are (a note, a
    file) is no new version of the measure; the layer's change time still moves."""
    old = _measure(tx, measure_id)
    steps = read_steps(tx.connection, measure_id)
    # Positions follow the order, so that an undated step keeps its place next time.
    s = schema.measure_steps
    for position, step in enumerate(steps):
        if step.position != position:
            tx.connection.execute(s.update().where(s.c.id == step.id).values(position=position))
    new = dataclasses.replace(old, status=rules.status_of(steps), timeline=rules.timeline_of(steps))
    if (new.status, new.timeline) != (old.status, old.timeline):
        versions.save(tx, "measures", new, source="web", author=actor, old=old)
    else:
        tx.changing("measures", [measure_id])


def file_steps(measure: Measure) -> tuple[StepInput, ...]:
    """The steps a seed file's or an import's measure names (by its timeline and status)."""
    return rules.from_timeline(measure.timeline, measure.status)


def as_from_file(tx: Transaction, measure: Measure) -> tuple[Measure, tuple[StepInput, ...] | None]:
    """A measure from a file as it will be stored, and the steps to write for it.

    While a planner has added or changed none of its steps, the file's steps replace the
    measure's, and the status and timeline are the file's steps'. Once one has, the path
    is kept in the browser: the file's status and timeline are left aside (None).
    """
    steps = read_steps(tx.connection, measure.id)
    if any(step.origin == BY_PLANNER for step in steps):
        return (
            dataclasses.replace(
                measure, status=rules.status_of(steps), timeline=rules.timeline_of(steps)
            ),
            None,
        )
    wanted = file_steps(measure)
    derived = dataclasses.replace(
        measure, status=rules.status_of(wanted), timeline=rules.timeline_of(wanted)
    )
    if rules.timeline_of(steps) == derived.timeline:
        return derived, None
    return derived, wanted


def write_file_steps(tx: Transaction, measure_id: str, steps: Sequence[StepInput]) -> None:
    """Replace the steps a file made (there are no others: see ``as_from_file``)."""
    s = schema.measure_steps
    tx.connection.execute(s.delete().where(s.c.measure_id == measure_id, s.c.origin == FROM_FILE))
    for position, step in enumerate(steps):
        insert_step(tx, measure_id, step, position, FROM_FILE, "")


class DecisionPathRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def steps(self, measure_id: str) -> list[Step]:
        with self.engine.connect() as connection:
            return read_steps(connection, measure_id)

    def step(self, measure_id: str, step_id: int) -> Step | None:
        return next((s for s in self.steps(measure_id) if s.id == step_id), None)

    def _step_row(self, tx: Transaction, measure_id: str, step_id: int):
        s = schema.measure_steps
        row = tx.connection.execute(
            sa.select(s).where(s.c.id == step_id, s.c.measure_id == measure_id)
        ).first()
        if row is None:
            raise Conflict(GONE)
        return row

    def add(
        self,
        measure_id: str,
        step: StepInput,
        actor: str,
        attachment: tuple[str, str, int] | None = None,
    ) -> int:
        """Add a planner's step (with a PDF stored under ``attachment``: key, file name,
        size); the measure's status becomes the last step's."""
        with transaction(self.engine) as tx:
            tx.changing("measures")
            if _measure(tx, measure_id) is None:
                raise LookupError(measure_id)
            # After every step there is: ``ordered`` then puts it in its place by date.
            s = schema.measure_steps
            last = tx.connection.execute(
                sa.select(sa.func.max(s.c.position)).where(s.c.measure_id == measure_id)
            ).scalar()
            step_id = insert_step(tx, measure_id, step, (last or 0) + 1, BY_PLANNER, actor)
            if attachment is not None:
                key, filename, size = attachment
                tx.connection.execute(
                    schema.measure_step_files.insert().values(
                        step_id=step_id, key=key, filename=filename, size=size, created_at=tx.at
                    )
                )
            sync_measure(tx, measure_id, actor)
        return step_id

    def update(self, measure_id: str, step_id: int, step: StepInput, actor: str) -> None:
        with transaction(self.engine) as tx:
            tx.changing("measures")
            self._step_row(tx, measure_id, step_id)
            write_step(tx, step_id, step, actor)
            sync_measure(tx, measure_id, actor)

    def delete(self, measure_id: str, step_id: int, actor: str) -> list[str]:
        """Delete a step with its files; the keys of its files (to remove after this)."""
        f = schema.measure_step_files
        with transaction(self.engine) as tx:
            tx.changing("measures")
            self._step_row(tx, measure_id, step_id)
            keys = list(
                tx.connection.execute(sa.select(f.c.key).where(f.c.step_id == step_id)).scalars()
            )
            tx.connection.execute(f.delete().where(f.c.step_id == step_id))
            s = schema.measure_steps
            tx.connection.execute(s.delete().where(s.c.id == step_id))
            # The others are a planner's path now: a file must not bring the step back.
            tx.connection.execute(
                s.update().where(s.c.measure_id == measure_id).values(origin=BY_PLANNER)
            )
            sync_measure(tx, measure_id, actor)
        return keys

    def add_file(
        self, measure_id: str, step_id: int, key: str, filename: str, size: int, actor: str
    ) -> int:
        f, s = schema.measure_step_files, schema.measure_steps
        with transaction(self.engine) as tx:
            tx.changing("measures")
            self._step_row(tx, measure_id, step_id)
            count = tx.connection.execute(
                sa.select(sa.func.count()).select_from(f).where(f.c.step_id == step_id)
            ).scalar_one()
            if count >= rules.FILES_PER_STEP:
                raise rules.InvalidStep({"file": rules.TOO_MANY_FILES})
            file_id = tx.connection.execute(
                f.insert().values(
                    step_id=step_id, key=key, filename=filename, size=size, created_at=tx.at
                )
            ).inserted_primary_key[0]
            tx.connection.execute(
                s.update()
                .where(s.c.id == step_id)
                .values(origin=BY_PLANNER, updated_at=tx.at, updated_by=actor)
            )
            sync_measure(tx, measure_id, actor)
        return file_id

    def remove_file(self, measure_id: str, step_id: int, file_id: int, actor: str) -> str:
        """Remove a file's row; its key (to remove the file after this)."""
        f = schema.measure_step_files
        with transaction(self.engine) as tx:
            tx.changing("measures")
            self._step_row(tx, measure_id, step_id)
            key = tx.connection.execute(
                sa.select(f.c.key).where(f.c.id == file_id, f.c.step_id == step_id)
            ).scalar()
            if key is None:
                raise Conflict(N_("Diese Datei gibt es nicht mehr."))
            tx.connection.execute(f.delete().where(f.c.id == file_id))
            sync_measure(tx, measure_id, actor)
        return key

    def file(self, measure_id: str, file_id: int) -> StepFile | None:
        """A file of one of the measure's steps, or None."""
        f, s = schema.measure_step_files, schema.measure_steps
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(f)
                .join(s, s.c.id == f.c.step_id)
                .where(f.c.id == file_id, s.c.measure_id == measure_id)
            ).first()
        return _file_from(row) if row is not None else None

    def kept_by_planners(self) -> frozenset[str]:
        """The measures with a step a planner added or changed: a file's status and
        timeline no longer change them."""
        s = schema.measure_steps
        with self.engine.connect() as connection:
            return frozenset(
                connection.execute(
                    sa.select(s.c.measure_id).where(s.c.origin == BY_PLANNER).distinct()
                ).scalars()
            )

    def keys(self) -> set[str]:
        """The keys of every file (the photo storage's orphan purge keeps them)."""
        f = schema.measure_step_files
        with self.engine.connect() as connection:
            return set(connection.execute(sa.select(f.c.key)).scalars())
