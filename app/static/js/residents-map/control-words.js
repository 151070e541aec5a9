/*
 * Leaflet writes its own controls' names in English ("Zoom in", "Close popup"); they get
 * the page's words from the server's catalogue instead.
 */
import { map, words } from "./page.js";

function name(selector, text) {
  map.getContainer().querySelectorAll(selector).forEach((control) => {
    control.title = text;
    control.setAttribute("aria-label", text);
  });
}

export function startControlWords() {
  name(".leaflet-control-zoom-in", words.zoom_in);
  name(".leaflet-control-zoom-out", words.zoom_out);
  // Leaflet's credit names itself in English in its title; its text says enough.
  map.getContainer()
    .querySelectorAll(".leaflet-control-attribution a[title]")
    .forEach((link) => link.removeAttribute("title"));
  const layers = map.getContainer().querySelector(".leaflet-control-layers");
  if (layers) {
    layers.setAttribute("role", "group");
    layers.setAttribute("aria-label", words.layers);
  }
}
