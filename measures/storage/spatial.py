"""The spatial queries that differ between the backends: one small interface, two kinds.

SQLite has no spatial types, so it filters on the stored bounding-box columns and refines
with shapely in a SQL function registered on each connection. PostGIS does both in the
database on the generated ``geom`` column and its GiST index.
"""

from __future__ import annotations

import math
import sqlite3
from typing import Protocol

import shapely
import sqlalchemy as sa
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from measures.domain import geo
from measures.storage import schema

BBox = tuple[float, float, float, float]


class Spatial(Protocol):
    def intersects_bbox(self, table: sa.Table, bbox: BBox) -> sa.ColumnElement[bool]:
        """A WHERE clause: the row's geometry intersects the box (lon/lat)."""

    def distance_outside_quartier_m(
        self, connection: sa.Connection, point: Point, quartier: str
    ) -> float | None:
        """Metres from ``point`` to the Quartier ``quartier`` (0 inside); None when there is
        no such Quartier."""

    def distance_m(self, table: sa.Table, point: Point) -> sa.ColumnElement[float]:
        """An expression: metres on the ground from the row's geometry to ``point``."""

    def near(self, table: sa.Table, point: Point, metres: float) -> sa.ColumnElement[bool]:
        """A WHERE clause: the row's geometry lies within ``metres`` of ``point``."""

    def near_points(
        self, table: sa.Table, points: sa.Table, metres: float, latitude: float
    ) -> sa.ColumnElement[bool]:
        """A join condition: the row of ``points`` (a table of points) lies within
        ``metres`` of the row of ``table``; ``latitude`` is about where they are (it sizes
        the box in degrees that goes first)."""


def _degrees_around(point: Point, metres: float) -> BBox:
    """A box that surely holds every point within ``metres`` (generous near the poles)."""
    dlat = metres / 110_000
    dlon = metres / (110_000 * max(math.cos(math.radians(point.y)), 0.01))
    return point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat


def _margin(metres: float, latitude: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that surely hold ``metres`` at ``latitude``."""
    minx, miny, maxx, maxy = _degrees_around(Point(0.0, latitude), metres)
    return (maxx - minx) / 2, (maxy - miny) / 2


def _point_in_grown_box(
    table: sa.Table, points: sa.Table, metres: float, latitude: float
) -> sa.ColumnElement[bool]:
    # A point's box is the point: its minx, miny are its longitude and latitude.
    dlon, dlat = _margin(metres, latitude)
    return sa.and_(
        points.c.minx >= table.c.minx - dlon,
        points.c.minx <= table.c.maxx + dlon,
        points.c.miny >= table.c.miny - dlat,
        points.c.miny <= table.c.maxy + dlat,
    )


def _bbox_overlaps(table: sa.Table, bbox: BBox) -> sa.ColumnElement[bool]:
    minx, miny, maxx, maxy = bbox
    return sa.and_(
        table.c.maxx >= minx, table.c.minx <= maxx, table.c.maxy >= miny, table.c.miny <= maxy
    )


class SQLiteSpatial:
    def intersects_bbox(self, table: sa.Table, bbox: BBox) -> sa.ColumnElement[bool]:
        # The cheap column test runs first and lets only candidates reach shapely.
        return sa.and_(
            _bbox_overlaps(table, bbox),
            sa.func.qk_intersects_bbox(table.c.geom_wkb, *bbox) == 1,
        )

    def distance_outside_quartier_m(
        self, connection: sa.Connection, point: Point, quartier: str
    ) -> float | None:
        t = schema.quartier
        row = connection.execute(sa.select(t.c.geom_wkb).where(t.c.id == quartier)).first()
        if row is None:
            return None
        return geo.distance_outside_m(shapely.from_wkb(row.geom_wkb), point)

    def distance_m(self, table: sa.Table, point: Point) -> sa.ColumnElement[float]:
        return sa.func.qk_distance_m(table.c.geom_wkb, point.x, point.y)

    def near(self, table: sa.Table, point: Point, metres: float) -> sa.ColumnElement[bool]:
        return sa.and_(
            _bbox_overlaps(table, _degrees_around(point, metres)),
            self.distance_m(table, point) <= metres,
        )

    def near_points(
        self, table: sa.Table, points: sa.Table, metres: float, latitude: float
    ) -> sa.ColumnElement[bool]:
        # The box columns first, so that shapely measures only the pairs close enough.
        return sa.and_(
            _point_in_grown_box(table, points, metres, latitude),
            sa.func.qk_distance_m(table.c.geom_wkb, points.c.minx, points.c.miny) <= metres,
        )


class PostGISSpatial:
    def intersects_bbox(self, table: sa.Table, bbox: BBox) -> sa.ColumnElement[bool]:
        geom = sa.literal_column(f"{table.name}.geom")
        # ST_Envelope turns a box of no width or height into a line or point, which
        # intersects what lies on it (see geo.box_geometry); the polygon would not.
        envelope = sa.func.ST_Envelope(sa.func.ST_MakeEnvelope(*bbox, 4326))
        return sa.func.ST_Intersects(geom, envelope)

    def distance_outside_quartier_m(
        self, connection: sa.Connection, point: Point, quartier: str
    ) -> float | None:
        # Measured in EPSG:25832 like the SQLite path, so both give the same metres.
        value = connection.execute(
            sa.text(
                "SELECT ST_Distance(ST_Transform(geom, 25832), "
                "ST_Transform(ST_GeomFromWKB(:wkb, 4326), 25832)) FROM quartier WHERE id = :id"
            ),
            {"wkb": shapely.to_wkb(point), "id": quartier},
        ).scalar()
        return None if value is None else float(value)

    def distance_m(self, table: sa.Table, point: Point) -> sa.ColumnElement[float]:
        # On the spheroid (geography): agrees with the SQLite path's haversine within
        # centimetres at these distances.
        return sa.func.ST_Distance(self._geography(table), self._here(point))

    def near(self, table: sa.Table, point: Point, metres: float) -> sa.ColumnElement[bool]:
        return sa.func.ST_DWithin(self._geography(table), self._here(point), metres)

    def near_points(
        self, table: sa.Table, points: sa.Table, metres: float, latitude: float
    ) -> sa.ColumnElement[bool]:
        # The box in degrees lets the GiST index of ``points`` pick the candidates; a cast
        # to geography alone would measure every pair.
        dlon, dlat = _margin(metres, latitude)
        grown = sa.func.ST_Expand(sa.literal_column(f"{table.name}.geom"), dlon, dlat)
        return sa.and_(
            grown.op("&&")(sa.literal_column(f"{points.name}.geom")),
            sa.func.ST_DWithin(self._geography(table), self._geography(points), metres),
        )

    @staticmethod
    def _geography(table: sa.Table):
        return sa.func.geography(sa.literal_column(f"{table.name}.geom"))

    @staticmethod
    def _here(point: Point):
        return sa.func.geography(sa.func.ST_SetSRID(sa.func.ST_MakePoint(point.x, point.y), 4326))


def spatial_for(dialect_name: str) -> Spatial:
    return PostGISSpatial() if dialect_name == "postgresql" else SQLiteSpatial()


def _intersects_bbox(wkb: bytes, minx: float, miny: float, maxx: float, maxy: float) -> int:
    geometry: BaseGeometry = shapely.from_wkb(wkb)
    return int(geometry.intersects(geo.box_geometry(minx, miny, maxx, maxy)))


def _distance_m(wkb: bytes, lon: float, lat: float) -> float:
    """Metres from the nearest point of the geometry to (lon, lat), by the haversine."""
    geometry: BaseGeometry = shapely.from_wkb(wkb)
    nearest = nearest_points(geometry, Point(lon, lat))[0]
    return geo.haversine_m(nearest.x, nearest.y, lon, lat)


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    connection.create_function("qk_intersects_bbox", 5, _intersects_bbox, deterministic=True)
    connection.create_function("qk_distance_m", 3, _distance_m, deterministic=True)
