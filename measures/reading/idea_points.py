"""The compact view of the approved ideas that the overview map draws its pins from.

The full ideas layer carries every public field, about 1.3 MB compressed at 10,000
ideas, although the map needs only where each pin goes and what its marker is called.
This view has the positions and the Handlungsfeld of each idea and nothing else: no ids,
no texts (a click asks the ideas layer for the ideas at that spot).

Measured on the 10,000 ideas of the benchmark, zstd level 3: 33 KB with positions
rounded to 5 decimals (about a metre), 52 KB with 6; as rows ``[lon, lat, category]``
instead of columns 42 KB. Positions are sorted by longitude, then latitude, so that
neighbouring numbers share their leading digits and compress well.

Beyond ``MOST_POINTS`` ideas the view has cells instead of ideas: the ideas are counted
in the squares of a grid, the finest step of ``CELL_STEPS`` that keeps to at most
``MOST_POINTS`` cells, and each cell is one point at its centre with its number of ideas
per Handlungsfeld. Measured on the benchmark's 100,000 ideas in Dalheim (``make bench``):
each idea its own point is 256 KB compressed and leaves the browser 1.6 s of clustering
100,000 markers; in cells of 0.0002° (about 14 m × 22 m) it is 5,682 points, 32 KB, made
in 0.14 s. A Quartier of hundreds of ideas never gets there.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from measures.domain.model import Idea
from measures.domain.vocabulary import CATEGORIES
from measures.reading import geojson

# Decimals of a degree: 1e-5° is about 0.7 m east–west and 1.1 m north–south here, finer
# than a pin can be placed by hand on the map.
PRECISION = 5
# Points at most in the view; above, cells (see the module's head). The residents' map
# clusters this many markers in well under a second.
MOST_POINTS = 10_000
# Sides of the cells, in rounding steps (10 ** -precision degrees): decimal numbers, so
# that the centres are short and exact in JSON.
CELL_STEPS = (2, 5, 10, 20, 50, 100, 200, 500, 1000)


def statistics_step(bounds: tuple[float, float, float, float], most: int = 40) -> float:
    """The side in degrees of the cells of the planners' density map: the finest of
    ``CELL_STEPS`` that spans ``bounds`` (a Quartier's) with at most ``most`` cells each
    way, else the coarsest. The cells are those of the residents' map at that step."""
    minx, miny, maxx, maxy = bounds
    for steps in CELL_STEPS:
        step = steps * 10.0**-PRECISION
        if max(maxx - minx, maxy - miny) / step <= most:
            return step
    return CELL_STEPS[-1] * 10.0**-PRECISION


def idea_points(
    positions: Iterable[tuple[float, float, str]],
    precision: int = PRECISION,
    most: int = MOST_POINTS,
) -> dict:
    """The ideas' positions and categories, ``(lon, lat, category)`` each, as columns.

    ``category[i]`` is an index into ``categories``, the vocabulary's keys in their order,
    so that each key is written once instead of once per idea. More than ``most`` ideas
    come as cells (``idea_cells``).
    """
    positions = list(positions)
    if len(positions) > most:
        return idea_cells(positions, precision, most)
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


# Edges of cells in units of 1e-9°: whole numbers, so that an edge is the double nearest
# to its decimal value, as a bbox parameter of that value is read.
EDGE_DECIMALS = 9


def _cells_of(values: np.ndarray, steps: int, precision: int) -> np.ndarray:
    """The number ``k`` of the cell with ``edge(k) <= value < edge(k + 1)`` for each value,
    ``edge(k)`` the double of the decimal ``k * steps * 10 ** -precision``."""
    units = steps * 10 ** (EDGE_DECIMALS - precision)
    scale = 10.0**EDGE_DECIMALS

    def edge(k: np.ndarray) -> np.ndarray:
        return (k * units) / scale

    cells = np.floor(values / (units / scale)).astype(np.int64)
    # Division may put a value on an edge (or a hair from it) into the wrong neighbour.
    cells -= values < edge(cells)
    cells += values >= edge(cells + 1)
    return cells


def idea_cells(
    positions: list[tuple[float, float, str]], precision: int = PRECISION, most: int = MOST_POINTS
) -> dict:
    """The ideas counted in the cells of a grid: at most ``most`` cells, if any step of
    ``CELL_STEPS`` gets there (else the coarsest).

    As ``idea_points``, with ``cell``, the side of a cell in degrees; ``lon[i]``,
    ``lat[i]``, the centre of a cell holding ideas; ``count[i]``, its number of ideas;
    ``counts[i]``, their number per Handlungsfeld in the order of ``categories``; and
    ``category[i]``, the Handlungsfeld most of them have. A cell holds the ideas with
    ``west <= lon < east`` and ``south <= lat < north``, its edges the decimal multiples
    of the step as doubles: exactly what a box of those decimals selects (the popup asks
    for ``west,south,east - 1e-9,north - 1e-9``), also for an idea on an edge.
    """
    index = {key: number for number, key in enumerate(CATEGORIES)}
    lons = np.array([float(lon) for lon, _lat, _category in positions])
    lats = np.array([float(lat) for _lon, lat, _category in positions])
    categories = np.array([index[category] for _lon, _lat, category in positions], dtype=np.int64)
    return idea_cells_of(lons, lats, categories, most, precision)


def idea_cells_of(
    lons: np.ndarray,
    lats: np.ndarray,
    categories: np.ndarray,
    most: int = MOST_POINTS,
    precision: int = PRECISION,
) -> dict:
    """``idea_cells`` of the ideas at ``lons``, ``lats``, each of the Handlungsfeld
    numbered ``categories`` (its place in ``CATEGORIES``): from arrays, as a layer's
    index holds them, without a tuple per idea (at 100,000 ideas most of the time)."""
    keys = list(CATEGORIES)
    for steps in CELL_STEPS:
        step = steps * 10.0**-precision
        columns = _cells_of(lons, steps, precision)
        rows = _cells_of(lats, steps, precision)
        # One number per cell (rows of a latitude fit in 2 ** 32), sorted by column, row.
        numbers = np.sort((columns << 32) + (rows + 2**31))
        # Counted from the sorted numbers; the inverse only for the step taken.
        if np.count_nonzero(numbers[1:] != numbers[:-1]) + 1 <= most:
            break
    cells, cell_of = np.unique((columns << 32) + (rows + 2**31), return_inverse=True)
    # Ideas per cell and Handlungsfeld; cells come sorted by column, then row.
    counts = np.bincount(
        cell_of.ravel() * len(keys) + categories, minlength=len(cells) * len(keys)
    ).reshape(len(cells), len(keys))
    # Centres to two more decimals than the step has: exact, as the step is decimal.
    decimals = precision + 2
    return {
        "name": "ideas",
        "precision": precision,
        "categories": keys,
        "cell": round(step, decimals),
        "lon": [round((column + 0.5) * step, decimals) for column in (cells >> 32).tolist()],
        "lat": [
            round((row - 2**31 + 0.5) * step, decimals) for row in (cells & (2**32 - 1)).tolist()
        ],
        "category": counts.argmax(axis=1).tolist(),
        "count": counts.sum(axis=1).tolist(),
        "counts": counts.tolist(),
    }


def points_json(positions: Iterable[tuple[float, float, str]]) -> bytes:
    """The answer of ``idea_points``, written."""
    return geojson.dumps(idea_points(positions)).encode()


def points_document(lon: list[str], lat: list[str], categories: list[int]) -> bytes:
    """What ``points_json`` writes, from the positions already rounded, sorted and each
    written as JSON (``LayerIndex.points_json``), and the numbers of their categories."""
    head = geojson.dumps({"name": "ideas", "precision": PRECISION, "categories": list(CATEGORIES)})
    return (
        f'{head[:-1]},"lon":[{",".join(lon)}],"lat":[{",".join(lat)}],'
        f'"category":[{",".join(map(str, categories))}]}}'
    ).encode()


def positions_of(ideas: Iterable[Idea]) -> list[tuple[float, float, str]]:
    """What ``idea_points`` takes, from idea records."""
    return [(idea.geometry.x, idea.geometry.y, idea.category) for idea in ideas]
