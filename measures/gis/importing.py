"""The dry run of a GIS import: what an uploaded layer would create, change or leave.

Each feature becomes a GeoJSON-like feature in EPSG:4326 with the properties the seed
files have, and ``measures.domain.validation`` checks it exactly as it checks the seed. Shapefile
names map back to the full column names; nested columns (sources, timeline) are parsed
from their JSON text.

Round trips through GIS files must not show changes nobody made, so:

- a geometry that lies within about a centimetre of the stored one, in any ring order or
  orientation, counts as unchanged (GeoJSON keeps 7 decimals, reprojection adds noise);
- a multi-geometry with a single part becomes that part (GeoPackage and Shapefile turn
  polygons into multipolygons);
- a text that a Shapefile had to cut at 254 bytes counts as the stored text;
- a column missing from the file keeps the stored value of an existing record.

Records that are not in the file stay as they are: an import never deletes, and the dry
run lists them.

A file exported earlier must not undo what was changed since: every export carries each
record's ``updated_at``. Where the file's time is older than the stored one and the file
differs from the stored record, the record is a conflict: shown with both versions, and
not written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from measures.domain import geo, validation
from measures.domain.history import value_lines
from measures.domain.messages import Message
from measures.domain.model import Location, Measure, Quartier
from measures.domain.validation import InvalidFeatures
from measures.domain.vocabulary import N_
from measures.gis import attributes, file_rows
from measures.gis.files import UploadedLayer

# Farther than this from the Quartier, a feature was most likely read in the wrong CRS.
WRONG_CRS_M = 50_000


@dataclass(frozen=True)
class FieldChange:
    """One field of a record, stored and in the file, each as lines to show."""

    field: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    record: Measure | Location
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """A record changed in the database after the file was exported: not written."""

    change: Change
    # When the file's copy was exported (a date when the file keeps only the day).
    file_version: datetime | date
    stored_version: datetime


@dataclass(frozen=True)
class Missing:
    """A stored record that the file does not name; it stays as it is."""

    id: str
    title: str


@dataclass(frozen=True)
class InvalidFeature:
    label: str  # the feature's id, or "#n" (its place in the file) without one
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ImportPlan:
    layer: str
    file_name: str
    source_crs: str | None
    created: tuple[Change, ...]
    updated: tuple[Change, ...]
    unchanged: tuple[str, ...]
    invalid: tuple[InvalidFeature, ...]
    ignored_columns: tuple[str, ...]
    # The file had heights (Z); the map keeps positions only.
    heights_dropped: bool = False
    conflicts: tuple[Conflict, ...] = ()
    missing: tuple[Missing, ...] = ()
    # Whether the file has the column ``updated_at`` that tells stale records apart.
    has_versions: bool = False

    @property
    def can_apply(self) -> bool:
        return not self.invalid and bool(self.created or self.updated)

    @property
    def records(self) -> list[Measure | Location]:
        return [c.record for c in (*self.created, *self.updated)]

    def fingerprint(self, stored: Mapping[str, Any]) -> str:
        """A digest of what applying would write and over which stored versions.

        The preview shows it, the apply step recomputes it: when the file's effect or the
        stored records changed in between, the two differ and nothing is applied.
        """

        def version(record) -> list:
            if record is None:
                return []
            return [
                shapely.to_wkb(v, hex=True) if isinstance(v, BaseGeometry) else repr(v)
                for v in dataclasses.astuple(dataclasses.replace(record, updated_at=None))
            ]

        content = [[version(r), version(stored.get(r.id))] for r in self.records] + [
            sorted(self.unchanged),
            [[i.label, *i.reasons] for i in self.invalid],
            [version(stored.get(c.change.record.id)) for c in self.conflicts],
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:32]


# -- the plan ---------------------------------------------------------------------------------


def _changes(old, new) -> tuple[FieldChange, ...]:
    changes = []
    for f in dataclasses.fields(old):
        if f.name == "updated_at":
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before == after:
            continue
        if f.name == "geometry":
            moved = geo.to_crs(before, geo.UTM32N).hausdorff_distance(geo.to_crs(after, geo.UTM32N))
            changes.append(FieldChange("geometry", (before.geom_type,), (f"{moved:.1f} m",)))
        else:
            changes.append(
                FieldChange(f.name, value_lines(f.name, before), value_lines(f.name, after))
            )
    return tuple(changes)


def file_version(value: Any) -> datetime | date | None:
    """The ``updated_at`` of a file's row: ISO text as our exports write it, or a date/time.

    GDAL writes a date-time into a Shapefile as text ``2026/12/02 10:15:00``.
    """
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, str):
        text = value.strip().replace("/", "-", 2)
        if not text:
            return None  # emptied in the GIS (QGIS writes an empty text): not checked
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(text) from None
    if isinstance(value, datetime):
        if value.tzinfo is None and value == datetime.combine(value.date(), time()):
            # GDAL reads a date field (dBASE has no date-time) as midnight without zone.
            return value.date()
        # A time without zone is UTC, as our exports write it.
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            # Year 1 with a positive offset has no UTC instant; pages show versions in UTC.
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError(value) from None
        return value
    if isinstance(value, date) or value is None:
        return value
    raise ValueError(value)


def is_stale(file_version: datetime | date, stored: datetime) -> bool:
    """Whether the file's copy is older than the stored record, at the file's precision.

    Text from our exports keeps microseconds; a GeoPackage date-time keeps milliseconds,
    other files seconds or only the day: the stored time is cut to the same precision, so
    that a copy of the current version never counts as older.
    """
    stored = stored.astimezone(UTC)
    if not isinstance(file_version, datetime):
        return file_version < stored.date()
    if file_version.microsecond == 0:
        stored = stored.replace(microsecond=0)
    elif file_version.microsecond % 1000 == 0:
        stored = stored.replace(microsecond=stored.microsecond // 1000 * 1000)
    return file_version < stored


@dataclass
class _Checked:
    """The features of a file after validation, in file order."""

    labels: list[str]
    reasons: dict[str, list[str]]
    valid: list[Measure | Location]
    # id → the file's ``updated_at`` of that row, where it has one.
    versions: dict[str, datetime | date] = dataclasses.field(default_factory=dict)


NO_CRS = Message(
    N_(
        "geometry: Die Datei nennt kein Koordinatensystem (bei einem Shapefile fehlt die "
        ".prj-Datei), die Lage ist so nicht bestimmbar."
    )
)


BAD_VERSION = Message(
    N_(
        "updated_at: ist kein Zeitpunkt wie 2026-12-02T10:15:00Z. Den Wert aus dem Export "
        "bitte unverändert lassen (oder leer, dann wird nicht geprüft, ob das Objekt seither "
        "geändert wurde)."
    )
)


def _validate(
    uploaded: UploadedLayer, layer: str, file_name: str, stored: Mapping[str, Any]
) -> tuple[_Checked, tuple[str, ...]]:
    """Each row as a seed feature through ``measures.domain.validation``; the ignored columns."""
    columns = attributes.IMPORT_COLUMNS[layer]
    frame = uploaded.frame
    names = file_rows.column_names([c for c in frame.columns if c != frame.geometry.name])
    expected = set(columns) | attributes.DERIVED
    ignored = tuple(sorted({full for full in names.values() if full not in expected}))
    rows = frame.drop(columns=frame.geometry.name).rename(columns=names).to_dict("records")
    checked = _Checked([], {}, [])
    seen: set[str] = set()
    for index, (raw, geometry) in enumerate(zip(rows, frame.geometry.array, strict=True)):
        raw_id = file_rows.as_kind(file_rows.plain(raw.get("id")), "str")
        label = raw_id if isinstance(raw_id, str) and raw_id.strip() else f"#{index + 1}"
        if label in seen:
            label = f"{label} (#{index + 1})"
            checked.labels.append(label)
            checked.reasons[label] = [Message(N_("id: kommt in der Datei mehrfach vor."))]
            continue
        seen.add(label)
        checked.labels.append(label)
        problems = [] if uploaded.source_crs is not None else [NO_CRS]
        try:
            version = file_version(file_rows.plain(raw.get("updated_at")))
        except ValueError:
            problems.append(BAD_VERSION)
        else:
            if version is not None:
                checked.versions[label] = version
        old = stored.get(label)
        flat = attributes.to_row(layer, old) if old is not None else None
        properties = file_rows.feature_properties(
            raw, columns, flat, uploaded.from_shapefile, problems
        )
        geometry = file_rows.single_part(geometry)
        feature = {
            "type": "Feature",
            "properties": properties,
            "geometry": mapping(geometry) if geometry is not None else None,
        }
        try:
            collection = {"type": "FeatureCollection", "features": [feature]}
            (record,) = validation.read_records(collection, file_name, layer)
        except InvalidFeatures as error:
            problems += [_reason(p, uploaded.source_crs) for p in error.problems]
        if problems:
            checked.reasons[label] = problems
        else:
            checked.valid.append(record)
    return checked, ignored


def _check_geofence(
    checked: _Checked,
    quartier: Quartier | None,
    file_name: str,
    tolerance_m: float,
    source_crs: str | None,
) -> None:
    """Move the valid records that lie outside the Quartier to the invalid ones."""
    if quartier is None or not checked.valid:
        return
    try:
        validation.check_inside(quartier, checked.valid, file_name, tolerance_m)
    except InvalidFeatures as error:
        outside = {p.feature_id: p for p in error.problems}
        for record in [r for r in checked.valid if r.id in outside]:
            checked.reasons[record.id] = [
                _outside_reason(quartier, record, outside[record.id], source_crs)
            ]
        checked.valid = [r for r in checked.valid if r.id not in outside]


def plan_import(
    uploaded: UploadedLayer,
    layer: str,
    file_name: str,
    stored: Mapping[str, Measure | Location],
    quartier: Quartier | None,
    tolerance_m: float,
    kept_paths: frozenset[str] = frozenset(),
) -> ImportPlan:
    """Compare the uploaded features with the ``stored`` records (id → record) of ``layer``.

    ``kept_paths``: measures whose decision path planners keep in the browser; a file's
    status and timeline do not change them (``measures/storage/decision_path.py``).
    """
    checked, ignored = _validate(uploaded, layer, file_name, stored)
    if quartier is not None:
        # Imported into the Quartier the planner works in.
        checked.valid = [dataclasses.replace(r, quartier=quartier.id) for r in checked.valid]
    _check_geofence(checked, quartier, file_name, tolerance_m, uploaded.source_crs)
    created, updated, unchanged, conflicts = [], [], [], []
    for record in checked.valid:
        old = stored.get(record.id)
        if old is None:
            created.append(Change(record))
            continue
        if record.id in kept_paths:
            record = dataclasses.replace(record, status=old.status, timeline=old.timeline)
        if file_rows.same_geometry(old.geometry, record.geometry):
            record = dataclasses.replace(record, geometry=old.geometry)
        changes = _changes(old, record)
        version = checked.versions.get(record.id)
        if not changes:
            unchanged.append(record.id)
        elif version is not None and old.updated_at and is_stale(version, old.updated_at):
            conflicts.append(Conflict(Change(record, changes), version, old.updated_at))
        else:
            updated.append(Change(record, changes))
    named = set(checked.labels)
    missing = [
        Missing(r.id, r.title if isinstance(r, Measure) else r.name)
        for r in stored.values()
        if r.id not in named
    ]
    return ImportPlan(
        layer=layer,
        file_name=file_name,
        source_crs=uploaded.source_crs,
        created=tuple(created),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        invalid=tuple(
            InvalidFeature(label, tuple(checked.reasons[label]))
            for label in checked.labels
            if label in checked.reasons
        ),
        ignored_columns=ignored,
        heights_dropped=uploaded.heights_dropped,
        conflicts=tuple(conflicts),
        missing=tuple(sorted(missing, key=lambda m: m.id)),
        has_versions="updated_at" in file_rows.column_names(uploaded.frame.columns).values(),
    )


def _outside_reason(quartier: Quartier, record, problem, source_crs: str | None) -> str:
    distance = geo.distance_outside_m(quartier.geometry, record.geometry)
    if distance > WRONG_CRS_M:
        return Message(
            N_(
                "geometry: liegt %(kilometres)s km vom Quartier entfernt – stimmt das "
                "Koordinatensystem der Datei (%(crs)s)?"
            ),
            kilometres=f"{distance / 1000:.0f}",
            crs=source_crs,
        )
    return _field_problem(problem.field, problem.message)


def _field_problem(field: str, message: str) -> Message:
    # The message may itself be a Message: it is translated with the line.
    return Message(N_("%(field)s: %(message)s"), field=field, message=_as_message(message))


def _as_message(text: str) -> Message:
    return text if isinstance(text, Message) else Message(text)


def _reason(problem, source_crs: str | None) -> str:
    text = _field_problem(problem.field, problem.message)
    if problem.field == "geometry" and "EPSG:4326" in problem.message and source_crs:
        # Coordinates in metres read as degrees: the file names the wrong CRS, or none.
        return Message(
            N_("%(problem)s Die Datei gibt %(crs)s an – stimmt das?"),
            problem=text,
            crs=source_crs,
        )
    return text
