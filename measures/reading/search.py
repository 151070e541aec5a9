"""One search box for the map: streets, places and measures, answered from our own
gazetteer (``geodata/streets.geojson`` and the layers), never from a third-party geocoder.

Matching forgives what people type on a phone: case, umlauts written plainly or as
"ae"/"oe"/"ue", "ß" as "ss". Every word typed must occur; names that start with the query
come first, then names with a word that starts with it, then the rest.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from measures.domain.model import Location, Measure
from measures.domain.streets import Street

MAX_QUERY = 100
LIMIT = 10
# Among equally good matches: streets, then places, then measures.
TYPE_ORDER = {"street": 0, "location": 1, "measure": 2}


@dataclass(frozen=True)
class Hit:
    type: str  # street, location or measure
    id: str
    name: str
    detail: str  # the kind of place or the status of a measure; "" for a street
    lon: float
    lat: float

    @property
    def feature(self) -> str | None:
        """How the map names the feature (``layer:id``); streets are no feature."""
        layer = {"location": "locations", "measure": "measures"}.get(self.type)
        return f"{layer}:{self.id}" if layer else None


def normalise(text: str) -> str:
    """``text`` as it is compared: case, accents, umlauts and ß folded."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    for spelt, letter in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        plain = plain.replace(spelt, letter)
    return " ".join(plain.replace("-", " ").split())


def _rank(name: str, query: str) -> int | None:
    words = query.split()
    if not words or not all(word in name for word in words):
        return None
    if name.startswith(query):
        return 0
    if any(part.startswith(words[0]) for part in name.split()):
        return 1
    return 2


def gazetteer(
    streets: Iterable[Street], locations: Iterable[Location], measures: Iterable[Measure]
) -> list[Hit]:
    """Everything the box can find, each with the point the map goes to."""
    hits = [Hit("street", s.name, s.name, "", s.lon, s.lat) for s in streets]
    hits += [
        Hit("location", loc.id, loc.name, loc.kind, loc.geometry.x, loc.geometry.y)
        for loc in locations
    ]
    for m in measures:
        # Where its marker stands (app/residents_map.py): the middle of its extent.
        anchor = m.geometry if m.geometry.geom_type == "Point" else m.geometry.envelope.centroid
        hits.append(Hit("measure", m.id, m.title, m.status, anchor.x, anchor.y))
    return hits


def search(hits: Iterable[Hit], query: str, limit: int = LIMIT) -> list[Hit]:
    """The best ``limit`` hits for ``query``, best first."""
    wanted = normalise(query)
    ranked = []
    for hit in hits:
        rank = _rank(normalise(hit.name), wanted)
        if rank is not None:
            ranked.append((rank, TYPE_ORDER[hit.type], hit.name.casefold(), hit))
    ranked.sort(key=lambda item: item[:3])
    return [hit for *_key, hit in ranked[:limit]]
