"""The collections of the service: what they hold, how they filter, which time counts.

One collection per layer, and for a layer that holds several kinds of geometry (measures:
points, lines and areas) one more per kind, ``measures-punkte``, ``measures-linien``,
``measures-flaechen``: QGIS gives an OGC API collection the geometry type of its first
features and draws nothing else, so a client that wants the areas of ``measures`` picks
``measures-flaechen``. Each collection's schema (``schema.py``) names its geometry type.

Features are built by the same functions as the read API (``measures.reading.geojson``), so a
feature under ``/ogc`` has exactly the attributes it has under ``/api/layers/<name>``.

The ``datetime`` parameter applies to ``updated_at``, when a feature last changed, in every
collection — the temporal property each collection declares (``x-ogc-role:
primary-instant`` in its schema). Start and end year of a measure are often unknown and
only years. GDAL turns any comparison of a date-time field with a time into
``datetime=…`` (``-where "updated_at >= '2026-11-01'"``), and what clients ask that way is
what changed since: for ideas too, whose ``created_at`` a planner's export filters on
(``Layer.time_field``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from measures.domain.layers import GEOMETRY_GROUPS, LAYERS, Filter, Layer
from measures.domain.messages import Message
from measures.domain.vocabulary import N_
from measures.reading import geojson

# A collection of one geometry group: its layer's title with the group's name. Whole
# templates, not the bare word: "Punkte" alone means something else elsewhere (a score).
GROUP_TITLES = {
    "punkte": N_("%(layer)s: Punkte"),
    "linien": N_("%(layer)s: Linien"),
    "flaechen": N_("%(layer)s: Flächen"),
}
# The sentence a collection of one geometry group adds to its layer's description.
GROUP_SENTENCES = {
    "punkte": N_("Nur die Punkte."),
    "linien": N_("Nur die Linien."),
    "flaechen": N_("Nur die Flächen."),
}


@dataclass(frozen=True)
class Collection:
    id: str
    # The layer it reads.
    layer: str
    title: str
    description: str
    # The properties ``/items`` filters on by equality (several values: comma-separated).
    filters: tuple[Filter, ...]
    time_property: str
    to_feature: Callable[[object], dict]
    geometry_types: frozenset[str]
    # Only the features of one geometry group (``GEOMETRY_GROUPS``); None: all of them.
    geometry_group: str | None = None

    @property
    def filter_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.filters)

    def holds(self, geometry_type: str) -> bool:
        return geometry_type in self.geometry_types


# What ``datetime`` filters on, in every collection.
TIME_PROPERTY = "updated_at"


def _collections(layer: Layer) -> list[Collection]:
    """The layer's collection, then one per geometry group if it holds several."""
    whole = Collection(
        layer.name,
        layer.name,
        layer.title,
        layer.description,
        tuple(layer.filters.values()),
        TIME_PROPERTY,
        geojson.LAYER_FEATURES[layer.name],
        layer.geometry_types,
    )
    if len(layer.geometry_groups) < 2:
        return [whole]
    return [
        whole,
        *(
            Collection(
                f"{layer.name}-{group}",
                layer.name,
                Message(GROUP_TITLES[group], layer=Message(layer.title)),
                # Sentences, one after the other (each translated on its own).
                Message("%(sentences)s", sentences=(layer.description, GROUP_SENTENCES[group])),
                whole.filters,
                TIME_PROPERTY,
                whole.to_feature,
                layer.geometry_types & GEOMETRY_GROUPS[group],
                group,
            )
            for group in layer.geometry_groups
        ),
    ]


# Derived from the layers' definitions, in their order.
COLLECTIONS: dict[str, Collection] = {
    c.id: c for layer in LAYERS.values() for c in _collections(layer)
}

TIME_PROPERTY_TITLES = {TIME_PROPERTY: N_("letzte Änderung")}


def get_collection(collection_id: str) -> Collection | None:
    return COLLECTIONS.get(collection_id)


def feature_label(feature: dict) -> str:
    """What a person calls the feature: its title or name, else its id."""
    properties = feature.get("properties") or {}
    return properties.get("title") or properties.get("name") or str(feature.get("id"))


# German headings of the public attributes, for the HTML pages.
PROPERTY_TITLES: dict[str, str] = {
    column.name: column.title for layer in LAYERS.values() for column in layer.columns("public")
}
# The attributes whose values are labels of a vocabulary (``status_label``): marked texts,
# which an HTML page shows in its language, unlike the data's own texts.
LABEL_PROPERTIES: frozenset[str] = frozenset(
    column.name
    for layer in LAYERS.values()
    for column in layer.columns("public")
    if column.kind == "label"
)
