/*
 * Which measures the map and the list beside it show. The list page of the same filters
 * (/massnahmen?…) is asked: the server filters, as for the first view of the page, and
 * renders the cards. They are taken over here, and folium's drawing of each measure is
 * put on the map or taken off by the cards' ids; nothing is drawn in the browser.
 */
import { addMapButtons } from "./feature-links.js";
import { config, layers } from "./page.js";
import { withQuery } from "./requests.js";

const list = document.getElementById("measure-cards");
const heading = document.getElementById("liste");
const listLink = document.getElementById("list-link");

export function shownMeasureCount() {
  return layers.measures.getLayers().length;
}

/** Show the measures of `params` (status, category); resolves to their number. */
export async function showMeasures(params, isCurrent) {
  const response = await fetch(withQuery(config.measure_list, params));
  if (!response.ok) {
    throw new Error("HTTP " + response.status);
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const cards = page.querySelector(".cards");
  if (!cards) {
    throw new Error("no list of measures");
  }
  if (!isCurrent()) {
    return null;
  }
  const ids = new Set(Array.from(cards.querySelectorAll("li.card"), (card) => card.dataset.id));
  Object.entries(layers.measureGroups).forEach(([id, group]) => {
    if (ids.has(id)) {
      layers.measures.addLayer(group);
    } else {
      layers.measures.removeLayer(group);
    }
  });
  // A copy of the live list first: adopting a card takes it out of `cards.children`.
  list.replaceChildren(...Array.from(cards.children).map((card) => document.adoptNode(card)));
  addMapButtons(list);
  heading.textContent = heading.textContent.replace(/\(\d+\)/, "(" + ids.size + ")");
  listLink.search = params.toString();
  return ids.size;
}
