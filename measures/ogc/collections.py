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

from measures.domain.vocabulary import CATEGORIES, LAYERS, LOCATION_KINDS, STATUSES
from measures.reading import geojson


@dataclass(frozen=True)
class Filter:
    """A property that ``/items`` filters on by equality (several values: comma-separated)."""

    name: str
    title: str
    values: dict[str, str]


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    filters: tuple[Filter, ...]
    time_property: str
    to_feature: Callable[[object], dict]

    @property
    def filter_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.filters)


STATUS = Filter("status", "Status", STATUSES)
CATEGORY = Filter("category", "Handlungsfeld", CATEGORIES)
KIND = Filter("kind", "Art des Ortes", LOCATION_KINDS)

COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "quartier",
            LAYERS["quartier"],
            "Die Grenze des Fördergebiets Dalheim (Wetzlar) im Programm „Sozialer "
            "Zusammenhalt“ – eine Näherung, keine amtliche Abgrenzung.",
            (),
            "updated_at",
            geojson.quartier_feature,
        ),
        Collection(
            "measures",
            LAYERS["measures"],
            "Maßnahmen im Quartier mit Status auf dem Weg durch Stadtteilbeirat und "
            "Stadtparlament, Handlungsfeld, Kosten, Förderung und Quellen.",
            (STATUS, CATEGORY),
            "updated_at",
            geojson.measure_feature,
        ),
        Collection(
            "locations",
            LAYERS["locations"],
            "Orte der Gemeinschaft im Quartier: Familienzentrum, Kitas, Schulen, "
            "Treffpunkte, Spielplätze, Haltestellen und mehr.",
            (KIND,),
            "updated_at",
            geojson.location_feature,
        ),
        Collection(
            "ideas",
            LAYERS["ideas"],
            "Freigegebene Ideen von Bewohnerinnen und Bewohnern – ohne Namen oder E-Mail-Adressen.",
            (CATEGORY,),
            "created_at",
            geojson.idea_feature,
        ),
    )
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
    "id": "Kennung",
    "title": "Titel",
    "name": "Name",
    "summary": "Kurzbeschreibung",
    "description": "Beschreibung",
    "category": "Handlungsfeld (Schlüssel)",
    "category_label": "Handlungsfeld",
    "status": "Status (Schlüssel)",
    "status_label": "Status",
    "status_date": "Status seit",
    "timeline": "Verlauf",
    "cost_eur": "Kosten (Euro)",
    "cost_is_estimate": "Kosten geschätzt",
    "funding_share": "Förderanteil",
    "funding_programme": "Förderprogramm",
    "start_year": "Beginn (Jahr)",
    "end_year": "Ende (Jahr)",
    "kind": "Art (Schlüssel)",
    "kind_label": "Art",
    "address": "Adresse",
    "contact": "Kontakt",
    "opening_hours": "Öffnungszeiten",
    "accuracy": "Genauigkeit (Schlüssel)",
    "accuracy_label": "Lagegenauigkeit",
    "sources": "Quellen",
    "created_at": "Eingereicht am",
    "supports": "Unterstützungen",
    "updated_at": "Letzte Änderung",
}
