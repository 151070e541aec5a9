/*
 * Map and panel: on phones a switch shows one of them ("Karte" / "Liste"); while a new
 * idea is placed both show, the idea's form as a sheet under the map (site.css). Leaflet
 * is told whenever the map's box changes size.
 */
import { map } from "./page.js";

const app = document.getElementById("map-app");
const panel = document.getElementById("panel");
const switches = app.querySelectorAll(".view-switch button");

function resized() {
  map.invalidateSize({ animate: false });
}

export function showView(view) {
  app.dataset.view = view;
  switches.forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  });
  resized();
}

/** Make sure the map is on screen (phones show either map or list). */
export function showMap() {
  if (app.dataset.view !== "map") {
    showView("map");
  }
}

/** True when the panel is on screen (always beside the map on wider screens). */
export function panelShown() {
  return panel.getClientRects().length > 0;
}

export function setIdeaMode(on) {
  if (on) {
    app.dataset.mode = "idea";
  } else {
    delete app.dataset.mode;
  }
  resized();
}

export function startLayout() {
  switches.forEach((button) => {
    button.addEventListener("click", () => showView(button.dataset.view));
  });
  window.addEventListener("resize", resized);
  // On phones the panel is behind the switch: skipping the map shows it.
  app.querySelector(".skip-map").addEventListener("click", (event) => {
    event.preventDefault();
    if (!panelShown()) {
      showView("list");
    }
    panel.focus();
  });
}
