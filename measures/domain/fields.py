"""How a record declares its fields: type, vocabulary, who may see it, how it is checked.

Each attribute of a layer's record (``model.py``) is declared with one of the helpers
below, which keep a ``Field`` in the dataclass field's metadata. ``layers.py`` reads these
declarations; the read API, OGC API, OpenAPI documents, GIS files, the import, validation
and the database tables are derived from them, so a new attribute is one line in
``model.py`` (plus its migration).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from measures.domain.vocabulary import N_

# What a field holds; each output (GeoJSON, GIS column, table column, validation) has one
# rule per kind.
KINDS = frozenset(
    {
        "id",  # the record's key: lower-case letters, digits, hyphens
        "text",
        "choice",  # a key of ``vocabulary``; every output also shows its label
        "int",
        "fraction",  # a share between 0 and 1
        "bool",
        "datetime",  # UTC
        "sources",  # tuple of ``Source``
        "timeline",  # tuple of ``TimelineStep``
        "geometry",  # shapely, EPSG:4326; the feature's geometry, never a property
    }
)

# Who may see a field: everybody (read API, OGC, public exports), planners (their export
# and pages), or nobody outside the store.
AUDIENCES = ("public", "planner", "internal")


@dataclass(frozen=True)
class Field:
    """The declaration of one attribute of a layer's record."""

    kind: str
    # German heading (the English one is in the message catalogue); "" for id/geometry.
    title: str = ""
    audience: str = "public"
    required: bool = False
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    vocabulary: Mapping[str, str] | None = None
    # Heading of the label column ``<name>_label`` of a choice.
    label_title: str = ""
    # The query parameter that filters the layer by this field (OGC: a queryable).
    filter: str | None = None
    # What the filter is called on its own, and what it does, for people reading the API.
    filter_title: str = ""
    filter_description: str = ""
    # dBASE allows ten characters: the Shapefile names of this column and of its label
    # where they are longer.
    shapefile: str | None = None
    label_shapefile: str | None = None
    # Read back from a GIS file by the import (and from the seed files).
    importable: bool = True
    # No value (None) is a value of this field; set from the declared default.
    optional: bool = False
    # The key a choice with a default takes when a seed file or an import leaves it out.
    fallback: str | None = None
    # The database keeps an index on the column (filters, the moderation queue).
    indexed: bool = False
    # The table whose ``id`` this field holds: the database enforces it (a foreign key).
    references: str | None = None
    # Planners change it in the form of ``/planung`` (``measures.domain.editing``); False
    # for what is set otherwise (a measure's status and timeline: its decision path).
    editable: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")
        if self.audience not in AUDIENCES:
            raise ValueError(f"unknown audience {self.audience!r}")
        if (self.kind == "choice") != (self.vocabulary is not None):
            raise ValueError("a choice needs a vocabulary, and only a choice has one")


def _declare(default: Any = dataclasses.MISSING, **declaration: Any) -> Any:
    declaration = {"optional": default is None, **declaration}
    return dataclasses.field(default=default, metadata={"declared": Field(**declaration)})


def identifier(max_length: int = 80) -> Any:
    return _declare(kind="id", title=N_("Kennung"), max_length=max_length, importable=False)


def quartier_key() -> Any:
    """The Quartier a record belongs to (its slug): set by the store's use cases, never
    read from a seed file or an import, which take the Quartier they load into."""
    return _declare(
        "",
        kind="text",
        title=N_("Quartier"),
        max_length=80,
        importable=False,
        indexed=True,
        references="quartier",
        # Any Quartier's slug: the Quartiere are records, not a fixed vocabulary.
        filter="quartier",
        filter_title=N_("Quartier"),
        filter_description=(
            "Nur Objekte dieses Quartiers (seine Kennung, z. B. dalheim); unter "
            "/q/<kennung>/ sind es ohnehin nur die des Quartiers."
        ),
    )


def geometry() -> Any:
    return _declare(kind="geometry", importable=False)


def text(title: str, *, required: bool = False, max_length: int = 10_000, **more: Any) -> Any:
    """A text; an optional one is "" when absent, unless ``default`` says otherwise."""
    default = more.pop("default", dataclasses.MISSING if required else "")
    return _declare(
        default, kind="text", title=title, required=required, max_length=max_length, **more
    )


def choice(
    vocabulary: Mapping[str, str],
    title: str,
    label_title: str,
    *,
    max_length: int = 40,
    **more: Any,
) -> Any:
    """A key of ``vocabulary``: required, unless a ``default`` stands in for a missing one.

    Filters are indexed unless said otherwise.
    """
    default = more.pop("default", dataclasses.MISSING)
    more.setdefault("indexed", "filter" in more)
    return _declare(
        default,
        kind="choice",
        max_length=max_length,
        vocabulary=vocabulary,
        title=title,
        label_title=label_title,
        required=default is dataclasses.MISSING,
        fallback=None if default is dataclasses.MISSING else default,
        **more,
    )


def integer(
    title: str, *, minimum: int | None = None, maximum: int | None = None, **more: Any
) -> Any:
    default = more.pop("default", None)
    return _declare(default, kind="int", title=title, minimum=minimum, maximum=maximum, **more)


def fraction(title: str, **more: Any) -> Any:
    return _declare(None, kind="fraction", title=title, **more)


def flag(title: str, **more: Any) -> Any:
    return _declare(False, kind="bool", title=title, **more)


def timestamp(title: str, *, required: bool = False, **more: Any) -> Any:
    default = dataclasses.MISSING if required else None
    return _declare(
        default, kind="datetime", title=title, required=required, importable=False, **more
    )


def sources(title: str) -> Any:
    return _declare(kind="sources", title=title, required=True)


def timeline(title: str, **more: Any) -> Any:
    return _declare((), kind="timeline", title=title, **more)


def declared(record_type: type) -> list[tuple[str, Field]]:
    """The declared fields of a record class, in declaration order."""
    return [
        (f.name, f.metadata["declared"])
        for f in dataclasses.fields(record_type)
        if "declared" in f.metadata
    ]
