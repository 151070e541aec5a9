"""The four collections of the service: what they hold, how they filter, which time counts.

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

from measures.domain.layers import LAYERS, Filter
from measures.reading import geojson


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    # The properties ``/items`` filters on by equality (several values: comma-separated).
    filters: tuple[Filter, ...]
    time_property: str
    to_feature: Callable[[object], dict]

    @property
    def filter_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.filters)


# What ``datetime`` filters on, in every collection.
TIME_PROPERTY = "updated_at"

# One collection per layer, all derived from the layer's definition.
COLLECTIONS: dict[str, Collection] = {
    name: Collection(
        name,
        layer.title,
        layer.description,
        tuple(layer.filters.values()),
        TIME_PROPERTY,
        geojson.LAYER_FEATURES[name],
    )
    for name, layer in LAYERS.items()
}

TIME_PROPERTY_TITLES = {TIME_PROPERTY: "letzte Änderung"}


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
