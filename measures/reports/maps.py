"""Maps for the printed reports, drawn on the server from our own data (no tile server).

A map shows the Quartier's boundary, the streets of its gazetteer as names, the records'
own geometries and a numbered mark per record: the number is the one the report's text
gives (the agenda's position, a row of the report's table). Marks differ by shape
(measures round, ideas square) and everything is black, white and grey, so the map reads
the same on a black-and-white printer. The drawing is deterministic: the same data give
the same SVG, byte for byte (fixed hash salt, no date in the file).

Drawn in EPSG:25832 (metres), the CRS Hesse uses, so the scale bar is true.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from measures.domain.geo import UTM32N, to_crs
from measures.domain.streets import Street

MARK_KINDS = ("measure", "idea")
# Mark radius and the least distance between two marks' centres, in points on paper.
_MARK_RADIUS_PT = 7.5
_FIGURE_INCHES = (7.0, 6.0)
_STYLE = {
    "svg.hashsalt": "quartierskarte",  # ids in the SVG the same at every drawing
    "svg.fonttype": "none",  # text stays text: the numbers can be found in the SVG
    "font.family": "DejaVu Sans",
    "font.size": 8,
}
# A Figure of its own per map (no pyplot, whose figures are global), but the style above is
# matplotlib's global settings while a map is drawn: one map at a time per process.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Mark:
    """One numbered record on the map: its number, kind (``MARK_KINDS``) and geometry."""

    number: int
    kind: str
    geometry: BaseGeometry


def _metres(geometry: BaseGeometry) -> BaseGeometry:
    return to_crs(geometry, UTM32N)


def _draw_geometry(ax, geometry: BaseGeometry) -> None:
    """Areas hatched, lines thick; a point is drawn by its mark alone."""
    kind = geometry.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        for part in getattr(geometry, "geoms", [geometry]):
            x, y = part.exterior.xy
            ax.fill(x, y, facecolor="white", edgecolor="black", hatch="////", linewidth=1.2)
    elif kind in ("LineString", "MultiLineString"):
        for part in getattr(geometry, "geoms", [geometry]):
            x, y = part.xy
            ax.plot(x, y, color="black", linewidth=2.5, solid_capstyle="round")


def _spread(anchors: Sequence[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """Where each mark goes: at its anchor, or moved out on a fixed spiral until it is
    ``gap`` away from every mark placed before it (then a line leads back to the
    anchor). Same input, same places."""
    placed: list[tuple[float, float]] = []
    steps = [(0.0, 0.0)] + [
        (gap * ring * dx, gap * ring * dy)
        for ring in range(1, 6)
        for dx, dy in ((1, 0.6), (-1, 0.6), (1, -0.6), (-1, -0.6), (0, 1.2), (0, -1.2))
    ]
    for anchor_x, anchor_y in anchors:
        for dx, dy in steps:
            x, y = anchor_x + dx, anchor_y + dy
            if all((x - px) ** 2 + (y - py) ** 2 >= gap**2 for px, py in placed):
                break
        placed.append((x, y))
    return placed


def _scale_bar(ax, extent: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = extent
    width = maxx - minx
    length = next(n for n in (1000, 500, 200, 100, 50) if n <= width / 4)
    x0, y0 = minx + width * 0.04, miny + (maxy - miny) * 0.04
    bar = (maxy - miny) * 0.012
    for start, fill in ((0, "black"), (length / 2, "white")):
        ax.add_patch(
            Rectangle((x0 + start, y0), length / 2, bar, facecolor=fill, edgecolor="black")
        )
    ax.text(x0, y0 + 1.5 * bar, "0", ha="center", va="bottom", fontsize=7)
    ax.text(x0 + length, y0 + 1.5 * bar, f"{length} m", ha="center", va="bottom", fontsize=7)
    # North is up: the axes are the grid's.
    ax.annotate(
        "N",
        xy=(maxx - width * 0.04, maxy - (maxy - miny) * 0.04),
        xytext=(maxx - width * 0.04, maxy - (maxy - miny) * 0.14),
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )


def draw_map(
    boundary: BaseGeometry | None, marks: Iterable[Mark], streets: Iterable[Street] = ()
) -> str:
    """The map as an SVG document (text): boundary, street names, geometries, numbers.

    Geometries are given in EPSG:4326 (lon, lat), as the domain holds them.
    """
    marks = sorted(marks, key=lambda m: (m.number, m.kind))
    for mark in marks:
        if mark.kind not in MARK_KINDS:
            raise ValueError(f"unknown kind of mark {mark.kind!r}")
    shapes = [_metres(m.geometry) for m in marks]
    area = _metres(boundary) if boundary is not None else None
    bounds = [g.bounds for g in shapes] + ([area.bounds] if area is not None else [])
    if not bounds:
        raise ValueError("a map needs a boundary or at least one mark")
    minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
    maxx, maxy = max(b[2] for b in bounds), max(b[3] for b in bounds)
    pad = max(maxx - minx, maxy - miny, 200) * 0.08
    extent = _fit((minx - pad, miny - pad, maxx + pad, maxy + pad))

    with _DRAWING, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=_FIGURE_INCHES)
        FigureCanvasSVG(fig)
        ax = fig.subplots()
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        fig.subplots_adjust(0.01, 0.01, 0.99, 0.99)
        if area is not None:
            for part in getattr(area, "geoms", [area]):
                x, y = part.exterior.xy
                ax.fill(x, y, facecolor="#eeeeee", edgecolor="none", zorder=0)
                ax.plot(x, y, color="black", linewidth=1.5, linestyle=(0, (6, 3)), zorder=1)
        for street in streets:
            # Below its point: a street's point is often a record's too (the old Kita on
            # Am Mühlstück), whose mark would cover the name.
            ax.annotate(
                street.name,
                _metres_point(street.lon, street.lat),
                xytext=(0, -_MARK_RADIUS_PT * 1.6),
                textcoords="offset points",
                color="#555555",
                fontsize=7,
                style="italic",
                ha="center",
                va="top",
                zorder=2,
            )
        for shape in shapes:
            _draw_geometry(ax, shape)
        # Metres per point of paper, to keep marks apart by their size on paper.
        ax.apply_aspect()  # the axes' final place on the figure, as drawing will set it
        x0, _ = ax.transData.inverted().transform((0, 0))
        x1, _ = ax.transData.inverted().transform((fig.dpi / 72, 0))
        per_point = abs(x1 - x0)
        radius = _MARK_RADIUS_PT * per_point
        anchors = [_anchor(shape) for shape in shapes]
        for mark, anchor, (x, y) in zip(
            marks, anchors, _spread(anchors, 2.2 * radius), strict=True
        ):
            if (x, y) != anchor:
                ax.plot([anchor[0], x], [anchor[1], y], color="black", linewidth=0.8, zorder=3)
                ax.plot(*anchor, marker="o", markersize=2.5, color="black", zorder=3)
            if mark.kind == "measure":
                patch = Circle((x, y), radius)
            else:
                patch = Rectangle((x - radius, y - radius), 2 * radius, 2 * radius)
            patch.set(facecolor="white", edgecolor="black", linewidth=1.3, zorder=4)
            ax.add_patch(patch)
            ax.text(
                x,
                y,
                str(mark.number),
                ha="center",
                va="center_baseline",
                fontsize=8,
                fontweight="bold",
                zorder=5,
            )
        _scale_bar(ax, extent)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _fit(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``extent`` widened in one direction to the figure's proportions, so that the map
    fills the figure at equal scale in x and y."""
    minx, miny, maxx, maxy = extent
    ratio = _FIGURE_INCHES[0] / _FIGURE_INCHES[1]
    width, height = maxx - minx, maxy - miny
    if width / height < ratio:
        grow = (height * ratio - width) / 2
        return (minx - grow, miny, maxx + grow, maxy)
    grow = (width / ratio - height) / 2
    return (minx, miny - grow, maxx, maxy + grow)


def _metres_point(lon: float, lat: float) -> tuple[float, float]:
    point = _metres(Point(lon, lat))
    return point.x, point.y


def _anchor(shape: BaseGeometry) -> tuple[float, float]:
    """Where a geometry's number belongs: a point inside it (not the centroid, which may
    lie outside an L-shaped area)."""
    point = shape if shape.geom_type == "Point" else shape.representative_point()
    return point.x, point.y
