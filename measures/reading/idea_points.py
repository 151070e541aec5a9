"""The compact view of the approved ideas that the overview map draws its pins from.

The full ideas layer carries every public field, about 1.3 MB compressed at 10,000
ideas, although the map needs only where each pin goes and what its marker is called.
This view has the positions and the Handlungsfeld of each idea and nothing else: no ids,
no texts (a click asks the ideas layer for the ideas at that spot).

Measured on the 10,000 ideas of the benchmark, zstd level 3: 33 KB with positions
rounded to 5 decimals (about a metre), 52 KB with 6; as rows ``[lon, lat, category]``
instead of columns 42 KB. Positions are sorted by longitude, then latitude, so that
neighbouring numbers share their leading digits and compress well.
"""

from __future__ import annotations

from collections.abc import Iterable

from measures.domain.model import Idea
from measures.domain.vocabulary import CATEGORIES

# Decimals of a degree: 1e-5° is about 0.7 m east–west and 1.1 m north–south here, finer
# than a pin can be placed by hand on the map.
PRECISION = 5


def idea_points(positions: Iterable[tuple[float, float, str]], precision: int = PRECISION) -> dict:
    """The ideas' positions and categories, ``(lon, lat, category)`` each, as columns.

    ``category[i]`` is an index into ``categories``, the vocabulary's keys in their order,
    so that each key is written once instead of once per idea.
    """
    keys = list(CATEGORIES)
    index = {key: number for number, key in enumerate(keys)}
    points = sorted(
        (round(float(lon), precision), round(float(lat), precision), index[category])
        for lon, lat, category in positions
    )
    return {
        "name": "ideas",
        "precision": precision,
        "categories": keys,
        "lon": [lon for lon, _lat, _category in points],
        "lat": [lat for _lon, lat, _category in points],
        "category": [category for _lon, _lat, category in points],
    }


def positions_of(ideas: Iterable[Idea]) -> list[tuple[float, float, str]]:
    """What ``idea_points`` takes, from idea records."""
    return [(idea.geometry.x, idea.geometry.y, idea.category) for idea in ideas]
