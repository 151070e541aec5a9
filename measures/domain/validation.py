"""Validation of GeoJSON features into domain records.

Every problem names the file, the feature id and the field, in German, because the people
who fix seed files and imports are the Quartiersmanagement's planners. Validation collects
all problems of a file before it fails, so one run shows everything to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from measures.domain import geo
from measures.domain.decision_path import REFERENCE_MAX, is_step_date
from measures.domain.errors import UserError
from measures.domain.fields import Field
from measures.domain.layers import LAYERS
from measures.domain.messages import Message
from measures.domain.model import Location, Measure, Quartier, Source, TimelineStep
from measures.domain.texts import clean_text, text_problem
from measures.domain.vocabulary import BODIES, DEFAULT_BODIES, N_, STATUSES

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class Problem:
    file: str
    feature_id: str | None
    field: str
    message: str  # a Message, which the web layer can translate

    def __str__(self) -> str:
        feature = self.feature_id if self.feature_id is not None else "(ohne id)"
        return f"{self.file}: Objekt {feature}, Feld '{self.field}': {self.message}"


class InvalidFeatures(UserError):
    """Raised with every problem found; nothing of the input is to be used."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems), code="invalid_features")


class _Reader:
    """Reads the properties of one feature and records problems instead of raising."""

    def __init__(self, file: str, feature_id: str | None, properties: dict[str, Any]):
        self.file = file
        self.feature_id = feature_id
        self.properties = properties
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.feature_id, field, message))

    def text(self, name: str, required: bool = True, max_length: int = 10_000) -> str:
        value = self.properties.get(name)
        if value is not None and not isinstance(value, str):
            self.problem(name, Message(N_("muss ein Text sein.")))
            return ""
        problem = text_problem(value or "")
        if problem:
            self.problem(name, problem)
            return ""
        value = clean_text(value or "")
        if not value:
            if required:
                self.problem(name, Message(N_("fehlt, ist aber Pflicht.")))
            return ""
        if len(value) > max_length:
            self.problem(
                name, Message(N_("ist länger als %(maximum)s Zeichen."), maximum=max_length)
            )
        return value

    def choice(self, name: str, allowed: dict[str, str]) -> str:
        value = self.text(name)
        if value and value not in allowed:
            self.problem(
                name,
                Message(
                    N_("unbekannter Wert '%(value)s'; erlaubt sind: %(allowed)s."),
                    value=value,
                    allowed=", ".join(allowed),
                ),
            )
        return value

    def integer(self, name: str, minimum: int, maximum: int) -> int | None:
        value = self.properties.get(name)
        if value is None:
            return None
        # bool is an int in Python, but true is no year or amount.
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(name, Message(N_("muss eine ganze Zahl sein.")))
            return None
        if isinstance(value, float) and not value.is_integer():
            self.problem(name, Message(N_("muss eine ganze Zahl sein.")))
            return None
        if not minimum <= value <= maximum:
            self.problem(
                name,
                Message(
                    N_("muss zwischen %(minimum)s und %(maximum)s liegen."),
                    minimum=minimum,
                    maximum=maximum,
                ),
            )
            return None
        return int(value)

    def fraction(self, name: str) -> float | None:
        value = self.properties.get(name)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            # isfinite() of a huge int raises; ints are finite anyway.
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            self.problem(
                name,
                Message(N_("muss eine Zahl zwischen 0 und 1 sein (z. B. 0.667 für zwei Drittel).")),
            )
            return None
        if not 0 <= value <= 1:
            self.problem(
                name, Message(N_("muss zwischen 0 und 1 liegen (z. B. 0.667 für zwei Drittel)."))
            )
            return None
        return float(value)

    def flag(self, name: str) -> bool:
        value = self.properties.get(name, False)
        if not isinstance(value, bool):
            self.problem(name, Message(N_("muss true oder false sein.")))
            return False
        return value

    def sources(self, required: bool = True) -> tuple[Source, ...]:
        value = self.properties.get("sources")
        if value is None or value == []:
            if required:
                self.problem(
                    "sources", Message(N_("fehlt: jedes Objekt braucht mindestens eine Quelle."))
                )
            return ()
        if not isinstance(value, list):
            self.problem(
                "sources", Message(N_("muss eine Liste von Quellen mit 'title' und 'url' sein."))
            )
            return ()
        found = []
        for index, item in enumerate(value):
            field = f"sources[{index}]"
            if not isinstance(item, dict):
                self.problem(field, Message(N_("muss ein Objekt mit 'title' und 'url' sein.")))
                continue
            title, url = item.get("title"), item.get("url")
            if not isinstance(title, str) or not title.strip():
                self.problem(f"{field}.title", Message(N_("fehlt.")))
                continue
            if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
                self.problem(
                    f"{field}.url",
                    Message(N_("muss eine Web-Adresse mit http:// oder https:// sein.")),
                )
                continue
            found.append(Source(title=title.strip(), url=url))
        return tuple(found)

    def timeline(self) -> tuple[TimelineStep, ...]:
        value = self.properties.get("timeline")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("timeline", Message(N_("muss eine Liste von Schritten sein.")))
            return ()
        steps = []
        for index, item in enumerate(value):
            field = f"timeline[{index}]"
            if not isinstance(item, dict):
                self.problem(field, Message(N_("muss ein Objekt mit 'status' und 'date' sein.")))
                continue
            status, date, note = item.get("status"), item.get("date"), item.get("note", "")
            body, reference = item.get("body", ""), item.get("reference", "")
            # An object or a list is no status and cannot even be looked up.
            if not isinstance(status, str) or status not in STATUSES:
                self.problem(
                    f"{field}.status",
                    Message(N_("unbekannter Status '%(status)s'."), status=status),
                )
                continue
            # No date where no source dates the step (null or left out): it keeps its
            # place after the step before it.
            if date is None:
                date = ""
            if not isinstance(date, str) or (date and not is_step_date(date)):
                self.problem(
                    f"{field}.date",
                    Message(N_("muss ein Datum wie 2020, 2020-09 oder 2020-09-15 sein.")),
                )
                continue
            if not isinstance(body, str) or (body and body not in BODIES):
                self.problem(
                    f"{field}.body",
                    Message(
                        N_("unbekanntes Gremium '%(body)s' (erlaubt: %(allowed)s)."),
                        body=body,
                        allowed=", ".join(BODIES),
                    ),
                )
                continue
            if not isinstance(note, str):
                self.problem(f"{field}.note", Message(N_("muss ein Text sein.")))
                continue
            if not isinstance(reference, str) or len(reference) > REFERENCE_MAX:
                self.problem(
                    f"{field}.reference", Message(N_("muss ein Text bis 200 Zeichen sein."))
                )
                continue
            steps.append(
                TimelineStep(
                    status=status,
                    date=date,
                    note=note.strip(),
                    body=body or DEFAULT_BODIES[status],
                    reference=reference.strip(),
                )
            )
        # ISO dates of mixed precision sort correctly as text ("2020" < "2020-09").
        dated = [s.date for s in steps if s.date]
        if dated != sorted(dated):
            self.problem("timeline", Message(N_("die Schritte müssen nach Datum geordnet sein.")))
        return tuple(steps)


def read_geometry(raw: Any, layer: str, report: Callable[[str, str], None]) -> BaseGeometry | None:
    """Turn a GeoJSON geometry into a valid shapely geometry of the layer's types."""
    if not isinstance(raw, dict):
        report("geometry", Message(N_("fehlt.")))
        return None
    allowed = LAYERS[layer].geometry_types
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in allowed:
        report(
            "geometry",
            Message(
                N_("Typ '%(kind)s' passt nicht zur Ebene; erlaubt: %(allowed)s."),
                kind=kind,
                allowed=", ".join(sorted(allowed)),
            ),
        )
        return None
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        report("geometry", Message(N_("ist keine lesbare GeoJSON-Geometrie.")))
        return None
    if geometry.is_empty:
        report("geometry", Message(N_("ist leer.")))
        return None
    minx, miny, maxx, maxy = geometry.bounds
    if not all(math.isfinite(v) for v in geometry.bounds) or not (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        report("geometry", Message(N_("Koordinaten liegen nicht in Länge/Breite (EPSG:4326).")))
        return None
    if not geometry.is_valid:
        report(
            "geometry", Message(N_("ist ungültig: %(reason)s."), reason=explain_validity(geometry))
        )
        return None
    return geometry


def _features(collection: Any, file: str) -> list[dict[str, Any]]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidFeatures(
            [Problem(file, None, "type", Message(N_("muss eine GeoJSON-FeatureCollection sein.")))]
        )
    features = collection.get("features")
    if not isinstance(features, list):
        raise InvalidFeatures(
            [Problem(file, None, "features", Message(N_("muss eine Liste sein.")))]
        )
    return features


def _read_all(
    collection: Any, file: str, layer: str, build: Callable[[_Reader, BaseGeometry], Any]
) -> list[Any]:
    problems: list[Problem] = []
    records = []
    seen: set[str] = set()
    for index, feature in enumerate(_features(collection, file)):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(
                Problem(
                    file, f"#{index + 1}", "type", Message(N_("muss ein GeoJSON-Feature sein."))
                )
            )
            continue
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        raw_id = properties.get("id")
        feature_id = raw_id if isinstance(raw_id, str) else None
        reader = _Reader(file, feature_id if feature_id else f"#{index + 1}", properties)
        if not feature_id:
            reader.problem("id", Message(N_("fehlt, ist aber Pflicht.")))
        elif not _ID.match(feature_id):
            reader.problem(
                "id", Message(N_("nur Kleinbuchstaben, Ziffern und Bindestriche (höchstens 80)."))
            )
        elif feature_id in seen:
            reader.problem("id", Message(N_("kommt in der Datei mehrfach vor.")))
        else:
            seen.add(feature_id)
        geometry = read_geometry(feature.get("geometry"), layer, reader.problem)
        record = build(reader, geometry)
        problems.extend(reader.problems)
        if not reader.problems:
            records.append(record)
    if problems:
        raise InvalidFeatures(problems)
    return records


def _read_field(r: _Reader, name: str, field: Field) -> Any:
    """One declared field of a feature, checked by the rule of its kind."""
    if field.kind == "text":
        return r.text(name, required=field.required, max_length=field.max_length)
    if field.kind == "choice":
        if field.fallback is not None and r.properties.get(name) in (None, ""):
            return field.fallback
        return r.choice(name, field.vocabulary)
    if field.kind == "int":
        return r.integer(name, field.minimum, field.maximum)
    if field.kind == "fraction":
        return r.fraction(name)
    if field.kind == "bool":
        return r.flag(name)
    if field.kind == "sources":
        return r.sources(required=field.required)
    if field.kind == "timeline":
        return r.timeline()
    raise ValueError(f"no rule to read a field of kind {field.kind!r}")


def read_records(collection: Any, file: str, layer: str) -> list[Any]:
    """The features of a seed file or an import as records of ``layer``.

    Each field is read by the rule of its declared kind; then the layer's own checks
    across fields run (an end year before the start year, say).
    """
    definition = LAYERS[layer]

    def build(r: _Reader, geometry: BaseGeometry | None) -> Any:
        values = {name: _read_field(r, name, f) for name, f in definition.importable}
        record = definition.record_type(id=r.feature_id or "", geometry=geometry, **values)
        for check in definition.checks:
            for field, message in check(record):
                r.problem(field, message)
        return record

    return _read_all(collection, file, layer, build)


def read_quartier(collection: Any, file: str) -> Quartier:
    """The Quartier file holds exactly one polygon feature."""
    records = read_records(collection, file, "quartier")
    if len(records) != 1:
        raise InvalidFeatures(
            [
                Problem(
                    file,
                    None,
                    "features",
                    Message(
                        N_("enthält %(count)s Gebiete, erwartet genau eines."), count=len(records)
                    ),
                )
            ]
        )
    return records[0]


def check_inside(
    quartier: Quartier, records: Iterable[Measure | Location], file: str, tolerance_m: float
) -> None:
    """Raise for every record that lies more than ``tolerance_m`` outside the Quartier."""
    problems = []
    for record in records:
        outside = geo.distance_outside_m(quartier.geometry, record.geometry)
        if outside > tolerance_m:
            problems.append(
                Problem(
                    file,
                    record.id,
                    "geometry",
                    Message(
                        N_("liegt %(outside)s m außerhalb des Quartiers (erlaubt: %(allowed)s m)."),
                        outside=f"{outside:.0f}",
                        allowed=f"{tolerance_m:.0f}",
                    ),
                )
            )
    if problems:
        raise InvalidFeatures(problems)
