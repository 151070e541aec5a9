"""Planners' form for measures and places: its fields, reading it, publication states.

The form is derived from the layer's declared fields (``model.py``): every public field a
seed file or import reads is a form control, unless its declaration says ``editable=False``
(a measure's status and timeline, which follow its decision path); those are shown, not
edited. A filled-in form becomes a record through the same validation as the seed files
and GIS imports (``validation.read_records``): one feature, read by the rule of each
field's kind, checked by the layer's own checks and the geofence.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from measures.domain.errors import UserError
from measures.domain.fields import Field
from measures.domain.layers import GEOMETRY_GROUPS, LAYERS
from measures.domain.messages import Message
from measures.domain.model import Quartier
from measures.domain.validation import InvalidFeatures, check_inside, read_records
from measures.domain.vocabulary import N_

EDITABLE_LAYERS = ("measures", "locations")

# Whether a measure or place is public. Only "published" records appear anywhere
# public; drafts and archived ones only in the planners' area.
PUBLICATION_STATES = {
    "draft": N_("Entwurf"),
    "published": N_("Veröffentlicht"),
    "archived": N_("Archiviert"),
}
PUBLISHED = "published"
# What a planner's new record is, and where each action leads.
NEW_STATE = "draft"
# A new measure's status until its decision path says more (``editable=False``).
NEW_MEASURE_STATUS = "idee"

# How the form names itself in the validation's messages.
FORM = "Formular"
# "Titel | https://…", one source per line.
SOURCE_SEPARATOR = "|"
_INTEGER = re.compile(r"^[+-]?\d+$")
_FRACTION = re.compile(r"^\d+([.,]\d+)?$")


class InvalidForm(UserError):
    """The form's problems by field name (German messages); nothing is to be saved."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()), code="invalid_form")


def form_fields(layer: str) -> tuple[tuple[str, Field], ...]:
    """The fields planners fill in, in declared order (id and geometry apart)."""
    return tuple((n, f) for n, f in LAYERS[layer].importable if f.editable)


def shown_fields(layer: str) -> tuple[tuple[str, Field], ...]:
    """The public fields the form shows without letting them be changed."""
    return tuple((n, f) for n, f in LAYERS[layer].importable if not f.editable)


def _form_value(field: Field, value: Any) -> Any:
    """A record's value as the form's control shows it (a text, or a checkbox's bool)."""
    if field.kind == "sources":
        return "\n".join(f"{s.title} {SOURCE_SEPARATOR} {s.url}" for s in value)
    if field.kind == "bool":
        return bool(value)
    if value is None:
        return ""
    if field.kind == "fraction":
        return f"{value:g}"
    return str(value)


def to_form(layer: str, record: Any) -> dict[str, Any]:
    """The values of the form's controls for ``record`` (geometry as GeoJSON text)."""
    values = {name: _form_value(f, getattr(record, name)) for name, f in form_fields(layer)}
    values["geometry"] = geometry_text(record.geometry)
    return values


def geometry_text(geometry: BaseGeometry | None) -> str:
    """A geometry as the form's GeoJSON text (6 decimals: about 0.1 m)."""
    if geometry is None:
        return ""
    return json.dumps(mapping(shapely.set_precision(geometry, 1e-6)))


def _property(name: str, field: Field, raw: str, errors: dict[str, str]) -> Any:
    """A form control's text as the property a GeoJSON feature would hold."""
    raw = raw.strip()
    if field.kind in ("text", "choice"):
        return raw
    if field.kind == "bool":
        return raw in ("on", "1", "true", "ja")
    if field.kind == "int":
        if not raw:
            return None
        if not _INTEGER.match(raw.replace(".", "")):
            errors[name] = N_("muss eine ganze Zahl sein (ohne Komma).")
            return None
        return int(raw.replace(".", ""))
    if field.kind == "fraction":
        if not raw:
            return None
        if not _FRACTION.match(raw):
            errors[name] = N_(
                "muss eine Zahl zwischen 0 und 1 sein (z. B. 0,667 für zwei Drittel)."
            )
            return None
        return float(raw.replace(",", "."))
    if field.kind == "sources":
        sources = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            title, separator, url = line.rpartition(SOURCE_SEPARATOR)
            if not separator:
                errors[name] = Message(
                    N_("Zeile %(number)s: bitte „Titel %(separator)s Web-Adresse“ schreiben."),
                    number=number,
                    separator=SOURCE_SEPARATOR,
                )
                return []
            sources.append({"title": title.strip(), "url": url.strip()})
        return sources
    raise ValueError(f"no form control for a field of kind {field.kind!r}")


def _stored_property(field: Field, value: Any) -> Any:
    """A non-editable field's stored value as the feature property the validation reads."""
    if field.kind == "timeline":
        return [{"status": s.status, "date": s.date, "note": s.note} for s in value]
    return value


def read_geometry_text(text: str) -> dict | None:
    """The GeoJSON geometry of the form's text: a geometry, a Feature or a
    FeatureCollection (its parts joined); InvalidForm when it is none of them."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidForm(
            {
                "geometry": N_(
                    "ist kein GeoJSON. Bitte auf der Karte zeichnen oder eine Datei laden."
                )
            }
        ) from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = document.get("geometry")
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        try:
            parts = [shape(f["geometry"]) for f in features]
        except (TypeError, KeyError, ValueError, AttributeError, shapely.errors.ShapelyError):
            raise InvalidForm({"geometry": N_("ist keine lesbare GeoJSON-Geometrie.")}) from None
        return mapping(join_parts(parts))
    return document if isinstance(document, dict) else {"type": None}


def join_parts(parts: Iterable[BaseGeometry]) -> BaseGeometry:
    """Drawn or uploaded parts as one geometry: one part as it is, several of one kind
    (points, lines or areas) as its Multi- type; overlapping areas are merged."""
    flat = []
    for part in parts:
        flat.extend(getattr(part, "geoms", [part]))
    flat = [p for p in flat if p is not None and not p.is_empty]
    if not flat:
        raise InvalidForm({"geometry": N_("ist leer. Bitte auf der Karte zeichnen.")})
    groups = {g for g, types in GEOMETRY_GROUPS.items() for p in flat if p.geom_type in types}
    if len(groups) > 1:
        raise InvalidForm(
            {
                "geometry": N_(
                    "mischt Punkte, Linien und Flächen. Bitte nur eine Art verwenden "
                    "(mehrere Teile derselben Art sind möglich)."
                )
            }
        )
    if len(flat) == 1:
        return flat[0]
    group = groups.pop()
    if group == "punkte":
        return shapely.MultiPoint(flat)
    if group == "linien":
        return shapely.MultiLineString(flat)
    merged = shapely.union_all(flat)
    return merged if merged.geom_type == "MultiPolygon" else shapely.MultiPolygon([merged])


def _field_of(problem_field: str) -> str:
    # "sources[0].url" is the sources control's problem.
    return re.split(r"[\[.]", problem_field, maxsplit=1)[0]


def read_form(
    layer: str,
    values: Mapping[str, str],
    record_id: str,
    quartier: Quartier,
    tolerance_m: float,
    stored: Any | None = None,
) -> Any:
    """The record a planner's form describes, checked like a seed file's feature.

    Fields the form does not edit keep ``stored``'s values (a new measure: status "idee",
    no timeline). The geometry must lie in the Quartier, ``tolerance_m`` beyond its
    boundary at most. Raises InvalidForm with every problem.
    """
    definition = LAYERS[layer]
    errors: dict[str, str] = {}
    properties: dict[str, Any] = {"id": record_id}
    for name, field in form_fields(layer):
        properties[name] = _property(name, field, values.get(name, ""), errors)
    for name, field in shown_fields(layer):
        if stored is not None:
            properties[name] = _stored_property(field, getattr(stored, name))
        elif name == "status":
            properties[name] = NEW_MEASURE_STATUS
    try:
        geometry = read_geometry_text(values.get("geometry", ""))
    except InvalidForm as error:
        errors.update(error.errors)
        geometry = None
    if geometry is None and "geometry" not in errors:
        errors["geometry"] = N_("fehlt. Bitte auf der Karte zeichnen oder eine Datei laden.")
    feature = {"type": "Feature", "properties": properties, "geometry": geometry}
    record = None
    try:
        (record,) = read_records({"type": "FeatureCollection", "features": [feature]}, FORM, layer)
    except InvalidFeatures as error:
        for problem in error.problems:
            errors.setdefault(_field_of(problem.field), problem.message)
    if record is not None and "geometry" not in errors:
        try:
            check_inside(quartier, [record], FORM, tolerance_m)
        except InvalidFeatures as error:
            errors["geometry"] = error.problems[0].message
    if errors:
        # Only the fields the planner sees; an id problem belongs to the id control.
        known = {n for n, _ in definition.fields}
        raise InvalidForm({k: v for k, v in errors.items() if k in known or k == "geometry"})
    return dataclasses.replace(record, quartier=quartier.id)


def new_id(title: str, taken: Iterable[str]) -> str:
    """A key for a new record from its title: lower-case ASCII words joined by hyphens,
    numbered where the key is taken ("spielplatz-2")."""
    text = title.lower()
    for plain, spelt in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(plain, spelt)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "eintrag"
    taken = set(taken)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def differences(layer: str, mine: Any, stored: Any) -> list[tuple[str, str, Any, Any]]:
    """The fields where a planner's version and the stored one differ:
    (name, German title, mine, stored), values as the form shows them."""
    found = []
    for name, field in (*form_fields(layer), *shown_fields(layer)):
        a, b = _form_value(field, getattr(mine, name)), _form_value(field, getattr(stored, name))
        if field.kind == "timeline":
            a, b = len(getattr(mine, name)), len(getattr(stored, name))
        if a != b:
            found.append((name, field.title, a, b))
    if not mine.geometry.equals(stored.geometry):
        found.append(
            ("geometry", "Geometrie", geometry_text(mine.geometry), geometry_text(stored.geometry))
        )
    return found
