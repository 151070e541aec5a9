/*
 * The popup of an idea pin on the overview: the approved ideas at that spot, loaded from
 * the ideas layer when it opens. The one place where the map shows an idea.
 */
import { element, recordLink } from "./dom.js";
import { config, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

/**
 * The box [west, south, east, north] of the ideas that a pin at `lon`, `lat` stands for.
 * A pin's ideas were rounded to its point (`step` = 10 ** -precision degrees): half the
 * step each way, and a hair more (1e-9°, 0.1 mm) keeps one that lies exactly half a step
 * away despite floating point. A cell's ideas (beyond 10,000 ideas, `isCell`) lie in
 * west <= lon < east, south <= lat < north, edges that are decimals of 9 places
 * (measures/reading/idea_points.py): the box ends a hair before the next cell begins.
 */
export function pinBox(lon, lat, step, isCell) {
  if (!isCell) {
    const half = step / 2 + 1e-9;
    return [lon - half, lat - half, lon + half, lat + half];
  }
  const edge = (value) => Number(value.toFixed(9));
  const half = step / 2;
  return [edge(lon - half), edge(lat - half), edge(lon + half - 1e-9), edge(lat + half - 1e-9)];
}

function ideasHereUrl(box, params) {
  const query = new URLSearchParams(params);
  query.set("bbox", box.join(","));
  return withQuery(config.api.ideas, query);
}

// Support from the popup: the same form as on the idea's page, back to this view after.
function supportControl(feature) {
  if (config.support.supported.includes(feature.id)) {
    return element("p", "supported", "✓ " + words.supported);
  }
  const form = element("form", "support-form");
  form.method = "post";
  form.action = config.support.url.replace("__ID__", encodeURIComponent(feature.id));
  const fields = { csrf_token: config.support.csrf, weiter: window.location.pathname + window.location.search };
  Object.entries(fields).forEach(([name, value]) => {
    const field = element("input");
    field.type = "hidden";
    field.name = name;
    field.value = value;
    form.appendChild(field);
  });
  const button = element("button", null, words.support);
  button.type = "submit";
  button.setAttribute("aria-label", words.support + ": " + feature.properties.title);
  form.appendChild(button);
  return form;
}

function showIdea(feature, box) {
  const p = feature.properties;
  box.appendChild(element("h3", null, p.title));
  box.appendChild(element("p", null, config.categories[p.category]));
  const text = p.description.length > 200 ? p.description.slice(0, 199) + "…" : p.description;
  box.appendChild(element("p", null, text));
  box.appendChild(element("p", null, p.supports + " " + words.supports));
  box.appendChild(supportControl(feature));
  box.appendChild(recordLink(config.idea_page, feature.id, words.more, "popup-more"));
}

/** The popup's box for the ideas in `area` (pinBox); `done` is called once they are in
 * (or have failed to come). */
export function ideasHere(area, params, done) {
  const box = element("div", "popup");
  // Announced when the ideas have arrived, for those who cannot see the popup change.
  box.setAttribute("aria-live", "polite");
  box.appendChild(element("p", "popup-loading", words.loading));
  getJSON(ideasHereUrl(area, params))
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
