/*
 * What the page hands its scripts: folium's map and layers (window.quartierskarteLayers,
 * see app/residents_map.py) and the server's settings and words (#map-config).
 */
export const layers = window.quartierskarteLayers;
export const map = layers.map;
export const config = JSON.parse(document.getElementById("map-config").textContent);
export const words = config.words;

const statusLine = document.getElementById("map-status");

/** Say something in the status line under the map; screen readers announce it. */
export function say(text) {
  statusLine.textContent = text;
}
