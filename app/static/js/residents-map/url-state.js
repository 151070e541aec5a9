/*
 * The page's state in its URL, so that a shared link opens the same view: the filters
 * (status, category, sort; filters.js), the chosen feature ("auswahl", feature-links.js)
 * and the map's view ("ansicht" as zoom/lat/lon, map-view.js). Each writer changes only
 * its own parameters; the history gets no entry per change.
 */
import { withQuery } from "./requests.js";

export function param(name) {
  return new URLSearchParams(window.location.search).get(name);
}

/** Set each of `changes` (name → text, list of texts, or null to drop it). */
export function setParams(changes) {
  const params = new URLSearchParams(window.location.search);
  Object.entries(changes).forEach(([name, value]) => {
    params.delete(name);
    [].concat(value === null ? [] : value).forEach((one) => params.append(name, one));
  });
  window.history.replaceState(null, "", withQuery(window.location.pathname, params));
}
