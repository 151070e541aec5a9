/*
 * The approved ideas on the overview, in folium's (empty) cluster layer. Only where they
 * are and their Handlungsfeld come with the page's first requests
 * (/api/layers/ideas/points, about 35 KB at 10,000 ideas); a pin's ideas are asked for
 * when its popup opens (idea-popup.js).
 */
import { ideasHere } from "./idea-popup.js";
import { config, layers, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

// One icon for every idea (its options from the server, as folium's idea markers):
// Leaflet copies them into each marker's element, so thousands of markers need not build
// thousands of icons.
const icon = L.divIcon(config.idea_icon);

function ideaMarker(points, i, params) {
  const lon = points.lon[i];
  const lat = points.lat[i];
  const category = points.categories[points.category[i]];
  const label = words.idea_marker.replace("{category}", config.categories[category]);
  const marker = L.marker([lat, lon], { icon, title: label, alt: label, keyboard: true });
  // Leaflet calls the content function on every update of the popup, too: the box of the
  // open popup is kept, so that fitting the popup to its loaded ideas loads nothing again.
  // Each opening loads afresh.
  let box = null;
  marker.bindPopup(() => {
    if (!box) {
      box = ideasHere(lon, lat, points.precision, params, () => {
        if (marker.isPopupOpen()) {
          marker.getPopup().update();
        }
      });
    }
    return box;
  });
  marker.on("popupclose", () => {
    box = null;
  });
  return marker;
}

/** Draw the ideas of `params` (category); resolves to their number. */
export async function drawIdeas(params, isCurrent) {
  const points = await getJSON(withQuery(config.api.idea_points, params));
  if (!isCurrent()) {
    return null;
  }
  const markers = [];
  for (let i = 0; i < points.lon.length; i++) {
    markers.push(ideaMarker(points, i, params));
  }
  layers.ideas.clearLayers();
  layers.ideas.addLayers(markers);
  return points.lon.length;
}
