/*
 * The map's view in the URL ("ansicht=zoom/lat/lon"): a shared link opens the same part
 * of the map; without it the map shows the whole Quartier.
 */
import { map } from "./page.js";
import { param, setParams } from "./url-state.js";

function fromUrl() {
  const parts = (param("ansicht") || "").split("/").map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) {
    return null;
  }
  const [zoom, lat, lon] = parts;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return null;
  }
  return { zoom: Math.min(Math.max(Math.round(zoom), map.getMinZoom()), map.getMaxZoom()), lat, lon };
}

export function startMapView() {
  const view = fromUrl();
  if (view) {
    map.setView([view.lat, view.lon], view.zoom, { animate: false });
  }
  map.on("moveend", () => {
    const centre = map.getCenter();
    setParams({
      ansicht: [map.getZoom(), centre.lat.toFixed(5), centre.lng.toFixed(5)].join("/"),
    });
  });
}
