/*
 * The popup of an idea pin on the overview: the approved ideas at that spot, loaded from
 * the ideas layer when it opens. The one place where the map shows an idea.
 */
import { element, recordLink } from "./dom.js";
import { config, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

// The points are rounded to `precision` decimals. Half the rounding step each way covers
// every idea that was rounded to this point, and a hair more (1e-9°, 0.1 mm) keeps one
// that lies exactly half a step away despite floating point.
function ideasHereUrl(lon, lat, precision, params) {
  const half = Math.pow(10, -precision) / 2 + 1e-9;
  const query = new URLSearchParams(params);
  query.set("bbox", [lon - half, lat - half, lon + half, lat + half].join(","));
  return withQuery(config.api.ideas, query);
}

function showIdea(feature, box) {
  const p = feature.properties;
  box.appendChild(element("h3", null, p.title));
  box.appendChild(element("p", null, config.categories[p.category]));
  const text = p.description.length > 200 ? p.description.slice(0, 199) + "…" : p.description;
  box.appendChild(element("p", null, text));
  box.appendChild(element("p", null, p.supports + " " + words.supports));
  box.appendChild(recordLink(config.idea_page, feature.id, words.more, "popup-more"));
}

/** The popup's box; `done` is called once its ideas are in (or have failed to come). */
export function ideasHere(lon, lat, precision, params, done) {
  const box = element("div", "popup");
  // Announced when the ideas have arrived, for those who cannot see the popup change.
  box.setAttribute("aria-live", "polite");
  box.appendChild(element("p", "popup-loading", words.loading));
  getJSON(ideasHereUrl(lon, lat, precision, params))
    .then((collection) => {
      box.textContent = "";
      if (!collection.features.length) {
        box.appendChild(element("p", null, words.idea_gone));
      }
      collection.features.forEach((feature) => showIdea(feature, box));
    })
    .catch(() => {
      box.textContent = "";
      box.appendChild(element("p", "popup-note", words.idea_failed));
    })
    .then(done);
  return box;
}
