"""The four collections of the service: what they hold, how they filter, which time counts.

Features are built by the same functions as the read API (``measures.reading.geojson``), so a
feature under ``/ogc`` has exactly the attributes it has under ``/api/layers/<name>``.

The ``datetime`` parameter applies to one timestamp per collection:

- ``measures``, ``locations``, ``quartier``: ``updated_at``, when the record last changed.
  Start and end year of a measure are often unknown and only years; and GDAL turns a
  filter on a date-time field into ``datetime=…``, which must then mean that field.
- ``ideas``: ``created_at``, when a resident handed the idea in.
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


# One collection per layer, all derived from the layer's definition.
COLLECTIONS: dict[str, Collection] = {
    name: Collection(
        name,
        layer.title,
        layer.description,
        tuple(layer.filters.values()),
        layer.time_field,
        geojson.LAYER_FEATURES[name],
    )
    for name, layer in LAYERS.items()
}

TIME_PROPERTY_TITLES = {
    "updated_at": "letzte Änderung",
    "created_at": "eingereicht am",
}


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
