/*
 * The approved ideas on the overview, in folium's (empty) cluster layer. Only where they
 * are and their Handlungsfeld come with the page's first requests
 * (/api/layers/ideas/points, about 35 KB at 10,000 ideas); a pin's ideas are asked for
 * when its popup opens (idea-popup.js). Beyond 10,000 ideas the server counts them in
 * the cells of a grid (measures/reading/idea_points.py): each cell is drawn as a
 * cluster that holds its ideas, and its popup lists them.
 */
import { clusterLook, ideasLabel } from "./cluster-keys.js";
import { ideasHere, pinBox } from "./idea-popup.js";
import { config, layers, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

// One icon for every idea (its options from the server, as folium's idea markers):
// Leaflet copies them into each marker's element, so thousands of markers need not build
// thousands of icons.
const icon = L.divIcon(config.idea_icon);

function ideaMarker(points, i, params, step) {
  const category = points.categories[points.category[i]];
  const label = words.idea_marker.replace("{category}", config.categories[category]);
  // Named by its Handlungsfeld until its title is known (idea-names.js).
  const marker = L.marker([points.lat[i], points.lon[i]], {
    icon,
    title: label,
    alt: label,
    keyboard: true,
    category,
  });
  return withPopup(marker, pinBox(points.lon[i], points.lat[i], step, false), params);
}

function cellMarker(points, i, params, step) {
  const count = points.count[i];
  const counts = new Map(points.categories.map((key, c) => [key, points.counts[i][c]]));
  const label = ideasLabel(count, counts);
  const marker = L.marker([points.lat[i], points.lon[i]], {
    icon: L.divIcon(clusterLook(count)),
    title: label,
    alt: label,
    keyboard: true,
    category: points.categories[points.category[i]],
    count,
    counts,
  });
  return withPopup(marker, pinBox(points.lon[i], points.lat[i], step, true), params);
}

function withPopup(marker, area, params) {
  // The box of the ideas it stands for (idea-names.js names the marker after them).
  marker.options.area = area;
  // Leaflet calls the content function on every update of the popup, too: the box of the
  // open popup is kept, so that fitting the popup to its loaded ideas loads nothing again.
  // Each opening loads afresh.
  let box = null;
  marker.bindPopup(() => {
    if (!box) {
      box = ideasHere(area, params, () => {
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

/** The ideas drawn last and how they were asked for (idea-names.js names them). */
export const drawn = { markers: [], params: new URLSearchParams() };

/** Draw the ideas of `params` (category); resolves to their number. */
export async function drawIdeas(params, isCurrent) {
  const points = await getJSON(withQuery(config.api.idea_points, params));
  if (!isCurrent()) {
    return null;
  }
  const step = points.cell || Math.pow(10, -points.precision);
  const marker = points.count ? cellMarker : ideaMarker;
  const markers = [];
  for (let i = 0; i < points.lon.length; i++) {
    markers.push(marker(points, i, params, step));
  }
  layers.ideas.clearLayers();
  layers.ideas.addLayers(markers);
  Object.assign(drawn, { markers, params });
  layers.ideas.fire("qk:drawn");
  return points.count ? points.count.reduce((sum, n) => sum + n, 0) : points.lon.length;
}
