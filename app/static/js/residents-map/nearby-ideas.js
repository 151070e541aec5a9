/*
 * "Ähnliche Ideen in der Nähe": approved ideas near the pin of a new idea, so that a
 * resident can support one that is already there instead of writing it again.
 */
import { element, recordLink } from "./dom.js";
import { config, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

const panel = document.getElementById("nearby");
let timer = null;

async function show(latlng) {
  const query = new URLSearchParams({ lon: latlng.lng.toFixed(6), lat: latlng.lat.toFixed(6) });
  try {
    const collection = await getJSON(withQuery(config.api.nearby, query));
    const list = panel.querySelector("ul");
    list.textContent = "";
    collection.features.forEach((feature) => {
      const item = element("li");
      item.appendChild(recordLink(config.idea_page, feature.id, feature.properties.title));
      item.append(" (" + feature.properties.supports + " " + words.supports + ")");
      list.appendChild(item);
    });
    panel.hidden = collection.features.length === 0;
  } catch (error) {
    panel.hidden = true;
  }
}

/** Show the ideas near `latlng` once the pin has rested for a moment. */
export function showNearbySoon(latlng) {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => show(latlng), 250);
}
