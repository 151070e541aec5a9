"""The layers of the map, each defined once.

A layer is its record type (whose fields ``model.py`` declares), a title and description,
the geometry types it holds and the time that ``datetime`` filters mean. Everything else
that describes a layer is derived here from those declarations:

- ``columns(audience)``: the attributes of a feature, in order — each field, a choice
  followed by its label (``status`` → ``status_label``), and computed ones such as
  ``status_date``. The read API's properties, the OGC API's, the GIS files' columns and
  the OpenAPI schemas are these columns;
- ``filters``: the query parameters a layer understands (OGC: its queryables);
- ``importable``: what the seed files and GIS imports read back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from measures.domain.decision_path import contradiction
from measures.domain.fields import Field, declared
from measures.domain.model import Idea, Location, Measure, Quartier
from measures.domain.vocabulary import N_, STATUSES


def status_date(measure: Measure) -> str | None:
    """The date of the measure's last step (which gave it its status), if it has one."""
    return (measure.timeline[-1].date or None) if measure.timeline else None


def status_from_timeline(measure: Measure) -> list[tuple[str, str]]:
    """A file's status must be its timeline's last: the status is derived from the path."""
    if measure.status not in STATUSES:
        return []  # reported as unknown already
    message = contradiction(measure.status, measure.timeline)
    return [("status", message)] if message else []


def end_not_before_start(measure: Measure) -> list[tuple[str, str]]:
    start, end = measure.start_year, measure.end_year
    if start is not None and end is not None and end < start:
        return [("end_year", N_("liegt vor dem Startjahr."))]
    return []


@dataclass(frozen=True)
class Column:
    """One attribute of a feature as readers see it."""

    name: str
    # A field kind (``fields.KINDS``), or "label" for the label of a choice.
    kind: str
    title: str
    audience: str
    shapefile: str
    field: Field | None = None
    # Label: the choice it names; computed: how to compute it from the record.
    source: str = ""
    compute: Callable[[Any], Any] | None = None

    def value(self, record: Any) -> Any:
        """The plain value of this column for ``record`` (a label, a computed value)."""
        if self.kind == "label":
            key = getattr(record, self.source)
            return self.field.vocabulary[key]
        if self.compute is not None:
            return self.compute(record)
        return getattr(record, self.name)


@dataclass(frozen=True)
class Computed:
    """A column computed from the record, placed after the column ``after``."""

    name: str
    kind: str
    title: str
    after: str
    compute: Callable[[Any], Any]
    # Shapefile name where the column name is longer than ten characters.
    shapefile: str | None = None


@dataclass(frozen=True)
class Filter:
    """A query parameter that filters a layer by equality with one of a field's keys."""

    name: str
    field: str
    title: str
    description: str
    # The keys with their labels; None: open, any value of the field's form (the
    # Quartiere, whose slugs are records of the installation, not a vocabulary).
    values: Mapping[str, str] | None


SHAPEFILE_NAME_LENGTH = 10


def _shapefile_name(name: str, declared_name: str | None) -> str:
    if len(name) <= SHAPEFILE_NAME_LENGTH:
        return name
    if declared_name is None or len(declared_name) > SHAPEFILE_NAME_LENGTH:
        raise ValueError(f"column {name!r} needs a Shapefile name of at most ten characters")
    return declared_name


@dataclass(frozen=True)
class Layer:
    name: str
    title: str
    description: str
    record_type: type
    geometry_types: frozenset[str]
    # The timestamp the exports' from/to filter (an OGC ``datetime`` always filters
    # updated_at, see measures/ogc/collections.py).
    time_field: str
    # The order of the read API's lists: column names, "-" for descending.
    order: tuple[str, ...] = ("id",)
    computed: tuple[Computed, ...] = ()
    # Checks across fields: each gives (field, German message) for every problem.
    checks: tuple[Callable[[Any], list[tuple[str, str]]], ...] = ()
    # Filters named here come first, in this order (the order of OGC queryables, links
    # and parameter lists); the others follow in declared order.
    filter_order: tuple[str, ...] = ()

    # Derived once per layer: writing a feature, a row or a file asks for them per record.
    # (cached_property writes the instance's __dict__ directly, which a frozen dataclass
    # allows.)
    @cached_property
    def fields(self) -> tuple[tuple[str, Field], ...]:
        return tuple(declared(self.record_type))

    def field(self, name: str) -> Field:
        return self._fields_by_name[name]

    @cached_property
    def _fields_by_name(self) -> dict[str, Field]:
        return dict(self.fields)

    def columns(self, audience: str = "public") -> tuple[Column, ...]:
        """The columns ``audience`` sees, public ones first, each group in declared order.

        ``planner`` sees the public columns and the moderation's; the geometry is never a
        column.
        """
        return self._columns[audience]

    @cached_property
    def _columns(self) -> dict[str, tuple[Column, ...]]:
        return {audience: self._derive_columns(audience) for audience in ("public", "planner")}

    def _derive_columns(self, audience: str) -> tuple[Column, ...]:
        audiences = ("public",) if audience == "public" else ("public", "planner")
        found = []
        for wanted in audiences:
            for name, f in self.fields:
                if f.kind == "geometry" or f.audience != wanted:
                    continue
                shapefile = _shapefile_name(name, f.shapefile)
                found.append(Column(name, f.kind, f.title, wanted, shapefile, f))
                if f.kind == "choice":
                    label = f"{name}_label"
                    found.append(
                        Column(
                            label,
                            "label",
                            f.label_title,
                            wanted,
                            _shapefile_name(label, f.label_shapefile),
                            f,
                            source=name,
                        )
                    )
                for c in self.computed:
                    if c.after == name:
                        found.append(
                            Column(
                                c.name,
                                c.kind,
                                c.title,
                                wanted,
                                _shapefile_name(c.name, c.shapefile),
                                compute=c.compute,
                            )
                        )
        return tuple(found)

    @cached_property
    def filters(self) -> dict[str, Filter]:
        """The layer's filters by parameter name: ``filter_order`` first, then declared."""
        declared_filters = {
            f.filter: Filter(f.filter, name, f.filter_title, f.filter_description, f.vocabulary)
            for name, f in self.fields
            if f.filter
        }
        first = {name: declared_filters[name] for name in self.filter_order}
        return {**first, **declared_filters}

    @cached_property
    def parameters(self) -> frozenset[str]:
        """Every query parameter of the layer: its filters and ``bbox``."""
        return frozenset({*self.filters, "bbox"})

    @cached_property
    def geometry_groups(self) -> tuple[str, ...]:
        """The groups (``GEOMETRY_GROUPS``) of the geometry types the layer may hold."""
        return tuple(g for g, types in GEOMETRY_GROUPS.items() if types & self.geometry_types)

    @cached_property
    def importable(self) -> tuple[tuple[str, Field], ...]:
        """The fields read from seed files and GIS imports, besides id and geometry."""
        return tuple(
            (name, f) for name, f in self.fields if f.importable and f.audience == "public"
        )


# Geometry types by what a GIS draws them as: a layer holding more than one of these is
# split by them where a format or client takes one geometry type per layer (Shapefile,
# the OGC API's collections for QGIS). German names, as the files' and collections'.
GEOMETRY_GROUPS: dict[str, frozenset[str]] = {
    "punkte": frozenset({"Point", "MultiPoint"}),
    "linien": frozenset({"LineString", "MultiLineString"}),
    "flaechen": frozenset({"Polygon", "MultiPolygon"}),
}
_ALL_GEOMETRIES = frozenset().union(*GEOMETRY_GROUPS.values())

LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            "quartier",
            N_("Fördergebiet Dalheim"),
            N_(
                "Die Grenze des Fördergebiets Dalheim (Wetzlar) im Programm „Sozialer "
                "Zusammenhalt“ – eine Näherung, keine amtliche Abgrenzung."
            ),
            Quartier,
            frozenset({"Polygon", "MultiPolygon"}),
            time_field="updated_at",
        ),
        Layer(
            "measures",
            N_("Maßnahmen"),
            N_(
                "Maßnahmen im Quartier mit Status auf dem Weg durch Stadtteilbeirat und "
                "Stadtparlament, Handlungsfeld, Kosten, Förderung und Quellen."
            ),
            Measure,
            _ALL_GEOMETRIES,
            time_field="updated_at",
            order=("title", "id"),
            filter_order=("status", "category"),
            computed=(
                Computed(
                    "status_date",
                    "text",
                    N_("Status seit"),
                    after="status",
                    compute=status_date,
                    shapefile="status_dat",
                ),
            ),
            checks=(end_not_before_start, status_from_timeline),
        ),
        Layer(
            "locations",
            N_("Orte im Quartier"),
            N_(
                "Orte der Gemeinschaft im Quartier: Familienzentrum, Kitas, Schulen, "
                "Treffpunkte, Spielplätze, Haltestellen und mehr."
            ),
            Location,
            frozenset({"Point"}),
            time_field="updated_at",
            order=("name", "id"),
        ),
        Layer(
            "ideas",
            N_("Ideen von Bewohnerinnen und Bewohnern"),
            N_(
                "Freigegebene Ideen von Bewohnerinnen und Bewohnern – ohne Namen oder "
                "E-Mail-Adressen."
            ),
            Idea,
            frozenset({"Point"}),
            # When a resident handed the idea in.
            time_field="created_at",
            order=("-created_at", "id"),
        ),
    )
}
