/*
 * Idea pins named by their titles. The overview loads only where the ideas are (a
 * title each would multiply the data at 10,000 ideas); once the map shows single pins
 * up close, the titles of the ideas in view are asked for and given to their pins.
 */
import { drawn } from "./idea-clusters.js";
import { config, layers, map, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

// Up close only (the overview loads positions alone): from this zoom, and at most this
// many single pins in view at a time.
const CLOSE = 17;
const MOST = 60;

function unnamedInView() {
  const bounds = map.getBounds();
  return drawn.markers.filter(
    (marker) =>
      !marker.options.named &&
      bounds.contains(marker.getLatLng()) &&
      layers.ideas.getVisibleParent(marker) === marker
  );
}

function nameMarker(marker, titles) {
  const label =
    titles.length === 1
      ? titles[0]
      : words.ideas_here.replace("{count}", titles.length).replace("{titles}", titles.join("; "));
  marker.options.title = label;
  marker.options.named = true;
  const node = marker.getElement();
  if (node) {
    node.title = label;
  }
}

async function nameInView() {
  if (map.getZoom() < CLOSE) {
    return;
  }
  const markers = unnamedInView();
  if (!markers.length || markers.length > MOST) {
    return;
  }
  // Asked once: the next move does not ask for these again while the answer is on its way.
  markers.forEach((marker) => {
    marker.options.named = "asking";
  });
  const bounds = map.getBounds();
  const query = new URLSearchParams(drawn.params);
  query.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].join(","));
  let collection;
  try {
    collection = await getJSON(withQuery(config.api.ideas, query));
  } catch (error) {
    // The pins keep their Handlungsfeld as name; a later move asks again.
    markers.forEach((marker) => {
      marker.options.named = false;
    });
    return;
  }
  // A pin stands for the ideas in its box, as its popup finds them (idea-popup.js).
  markers.forEach((marker) => {
    const [west, south, east, north] = marker.options.area;
    const found = collection.features
      .filter((feature) => {
        const [lon, lat] = feature.geometry.coordinates;
        return lon >= west && lon <= east && lat >= south && lat <= north;
      })
      .map((feature) => feature.properties.title);
    if (found.length) {
      nameMarker(marker, found);
    }
  });
}

export function startIdeaNames() {
  map.on("moveend", nameInView);
  layers.ideas.on("animationend", nameInView);
  layers.ideas.on("qk:drawn", nameInView);
}
