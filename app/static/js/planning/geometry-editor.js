/*
 * Drawing a measure's or place's geometry in the planners' form, with leaflet-geoman.
 *
 * The form's GeoJSON field is the one truth: the map is drawn from it, and every change on
 * the map (a new part, a moved vertex, a deleted part, an undo) writes it back. Parts are
 * kept as single geometries on the map and saved as one (a Multi- type for several).
 * Without a mouse: "Punkt in die Kartenmitte" puts a point at the map's centre, and the
 * arrow keys move the focused point. The server checks the geometry again when saving.
 */
import { isInside } from "../residents-map/geofence.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const words = config.words;
const map = window.quartierskarteLayers.map;
const field = document.getElementById("f-geometry");
const tools = document.getElementById("geometry-tools");
const statusLine = document.getElementById("geometry-status");
const parts = L.featureGroup().addTo(map);
// The field's earlier values, for "Rückgängig"; ``current`` is its value now.
const history = [];
let current = field.value;

// About 5 m a step in Dalheim, as the residents' pin.
const ARROW_STEPS = {
  ArrowUp: [0.00005, 0],
  ArrowDown: [-0.00005, 0],
  ArrowLeft: [0, -0.00008],
  ArrowRight: [0, 0.00008],
};
const GROUP_OF = {
  Point: "Point",
  MultiPoint: "Point",
  LineString: "LineString",
  MultiLineString: "LineString",
  Polygon: "Polygon",
  MultiPolygon: "Polygon",
};

function tell(text) {
  statusLine.textContent = text;
}

function round(coordinates) {
  return Array.isArray(coordinates[0])
    ? coordinates.map(round)
    : coordinates.map((value) => Math.round(value * 1e6) / 1e6);
}

/** The single-part geometries of a GeoJSON geometry, Feature or FeatureCollection. */
function singleParts(document) {
  if (!document) {
    return [];
  }
  if (document.type === "FeatureCollection") {
    return document.features.flatMap((feature) => singleParts(feature));
  }
  if (document.type === "Feature") {
    return singleParts(document.geometry);
  }
  if (document.type === "GeometryCollection") {
    return document.geometries.flatMap(singleParts);
  }
  if (document.type && document.type.startsWith("Multi")) {
    const single = document.type.slice(5);
    return document.coordinates.map((coordinates) => ({ type: single, coordinates }));
  }
  return [document];
}

function joined(geometries) {
  if (geometries.length === 0) {
    return null;
  }
  if (geometries.length === 1) {
    return { type: geometries[0].type, coordinates: round(geometries[0].coordinates) };
  }
  return {
    type: `Multi${geometries[0].type}`,
    coordinates: geometries.map((g) => round(g.coordinates)),
  };
}

function positions(geometry) {
  const flat = [];
  const walk = (c) => (typeof c[0] === "number" ? flat.push(c) : c.forEach(walk));
  walk(geometry.coordinates);
  return flat;
}

function moveWithKeys(marker, event) {
  const step = ARROW_STEPS[event.key];
  if (!step) {
    return;
  }
  // The map would pan on the same keys; the point moves instead.
  event.preventDefault();
  event.stopPropagation();
  const latlng = marker.getLatLng();
  marker.setLatLng([latlng.lat + step[0], latlng.lng + step[1]]);
  if (!map.getBounds().pad(-0.15).contains(marker.getLatLng())) {
    map.panTo(marker.getLatLng(), { animate: false });
  }
  write(words.moved);
}

function makeMarker(latlng) {
  return L.marker(latlng, {
    keyboard: true,
    title: words.point,
    alt: words.point,
    pmIgnore: false,
  });
}

/** Make a part on the map editable, and report its changes. */
function adopt(layer) {
  layer.options.pmIgnore = false;
  L.PM.reInitLayer(layer);
  layer.on("pm:edit pm:dragend pm:markerdragend pm:vertexremoved", () => write());
  if (layer instanceof L.Marker) {
    layer.once("add", () => {
      layer.getElement().addEventListener("keydown", (event) => moveWithKeys(layer, event));
    });
  }
  parts.addLayer(layer);
}

/** Draw the form's geometry on the map. */
function draw() {
  parts.clearLayers();
  let document = null;
  try {
    document = field.value.trim() ? JSON.parse(field.value) : null;
  } catch {
    tell(words.unreadable);
    return;
  }
  for (const geometry of singleParts(document)) {
    L.geoJSON(geometry, {
      pointToLayer: (_feature, latlng) => makeMarker(latlng),
      pmIgnore: false,
    }).eachLayer(adopt);
  }
}

/** Write the parts on the map into the form's field. */
function write(message) {
  const geometries = [];
  parts.eachLayer((layer) => geometries.push(...singleParts(layer.toGeoJSON())));
  const groups = new Set(geometries.map((g) => GROUP_OF[g.type]));
  const geometry = groups.size > 1 ? { type: "GeometryCollection", geometries } : joined(geometries);
  field.value = geometry ? JSON.stringify(geometry) : "";
  remember();
  if (groups.size > 1) {
    tell(words.mixed);
    return;
  }
  const outside =
    config.area && geometries.some((g) => positions(g).some(([lon, lat]) => !isInside(config.area, lon, lat)));
  tell(
    outside ? words.outside : message || words.drawn.replace("{parts}", String(geometries.length)),
  );
}

/** Keep the field's last value for undo when it changed. */
function remember() {
  if (field.value !== current) {
    history.push(current);
    current = field.value;
  }
}

function undo() {
  if (history.length === 0) {
    tell(words.nothing_to_undo);
    return;
  }
  field.value = history.pop();
  current = field.value;
  draw();
  tell(words.undone);
}

/** A place has one point: a new one replaces it. */
function keepOnlyPoint(layer) {
  if (config.single_point) {
    parts.eachLayer((other) => other !== layer && parts.removeLayer(other));
  }
}

function centrePoint() {
  parts.clearLayers();
  const marker = makeMarker(map.getCenter());
  adopt(marker);
  write(words.moved);
  marker.getElement().focus();
}

function setMode(button, mode) {
  const on = button.getAttribute("aria-pressed") !== "true";
  map.pm.disableDraw();
  if (map.pm.globalEditModeEnabled()) {
    map.pm.disableGlobalEditMode();
  }
  if (map.pm.globalRemovalModeEnabled()) {
    map.pm.disableGlobalRemovalMode();
  }
  tools.querySelectorAll("[data-mode]").forEach((b) => b.setAttribute("aria-pressed", "false"));
  if (on) {
    if (mode === "edit") {
      map.pm.enableGlobalEditMode();
    } else {
      map.pm.enableGlobalRemovalMode();
    }
    button.setAttribute("aria-pressed", "true");
    tell(mode === "edit" ? words.editing : words.removing);
  } else {
    write();
  }
}

/** geoman's handles are Leaflet markers (buttons) without a name: each gets one. */
function nameHandles() {
  const name = (element) => {
    if (element.classList.contains("marker-icon") && !element.hasAttribute("aria-label")) {
      const middle = element.classList.contains("marker-icon-middle");
      element.setAttribute("aria-label", middle ? words.midpoint : words.vertex);
    }
  };
  const pane = map.getPane("markerPane");
  new MutationObserver((changes) => {
    changes.forEach((change) => change.addedNodes.forEach((node) => node.classList && name(node)));
  }).observe(pane, { childList: true });
}

function start() {
  nameHandles();
  // Only the drawn parts are geoman's: not the tiles or the Quartier's outline.
  map.eachLayer((layer) => {
    if (!parts.hasLayer(layer) && layer !== parts) {
      layer.options.pmIgnore = true;
      L.PM.reInitLayer(layer);
    }
  });
  map.pm.setLang("de");
  map.pm.setGlobalOptions({ layerGroup: parts, markerStyle: { keyboard: true, title: words.point, alt: words.point } });
  map.on("pm:create", (event) => {
    adopt(event.layer);
    keepOnlyPoint(event.layer);
    write();
  });
  map.on("pm:remove", (event) => {
    parts.removeLayer(event.layer);
    write();
  });
  // Typed or pasted GeoJSON: drawn, and undone like a change on the map.
  field.addEventListener("change", () => {
    remember();
    draw();
  });
  tools.querySelectorAll("[data-draw]").forEach((button) => {
    button.addEventListener("click", () => {
      tools.querySelectorAll("[data-mode]").forEach((b) => b.setAttribute("aria-pressed", "false"));
      map.pm.disableGlobalEditMode();
      map.pm.disableGlobalRemovalMode();
      map.pm.enableDraw(button.dataset.draw, { continueDrawing: false });
      tell(words.drawing);
    });
  });
  tools.querySelectorAll("[data-mode]").forEach((button) => {
    button.addEventListener("click", () => setMode(button, button.dataset.mode));
  });
  tools.querySelector("[data-undo]").addEventListener("click", undo);
  tools.querySelector("[data-centre-point]").addEventListener("click", centrePoint);
  tools.hidden = false;
  draw();
  // Handles for the browser tests.
  window.quartierskarteEditor = { map, parts, write, draw };
}

start();
