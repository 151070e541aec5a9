/*
 * Whether a point lies in the area a new idea may be placed in: the Quartier grown by the
 * tolerance the server allows, computed by the server in metres (EPSG:25832) and sent as
 * a GeoJSON Polygon or MultiPolygon in lon/lat. The server checks again before storing.
 */

function insideRing(lon, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[j];
    if (y1 > lat !== y2 > lat && lon < ((x2 - x1) * (lat - y1)) / (y2 - y1) + x1) {
      inside = !inside;
    }
  }
  return inside;
}

function insidePolygon(lon, lat, rings) {
  const [outer, ...holes] = rings;
  return insideRing(lon, lat, outer) && !holes.some((hole) => insideRing(lon, lat, hole));
}

/** True when (lon, lat) lies in `area`; with no area known, the server decides. */
export function isInside(area, lon, lat) {
  if (!area) {
    return true;
  }
  const polygons = area.type === "Polygon" ? [area.coordinates] : area.coordinates;
  return polygons.some((rings) => insidePolygon(lon, lat, rings));
}
