/* The buttons above the map: "Ganzes Quartier zeigen" and "Mein Standort". */
import { config, map, say, words } from "./page.js";

export function startViewButtons() {
  document.getElementById("reset-view").addEventListener("click", () => {
    map.fitBounds(config.quartier_bounds, { animate: false });
  });

  let here = null;
  document.getElementById("locate-me").addEventListener("click", () => {
    map.locate({ setView: true, maxZoom: 17 });
  });
  map.on("locationfound", (event) => {
    if (here) {
      map.removeLayer(here);
    }
    here = L.circleMarker(event.latlng, { radius: 8, color: "#0b3d91", fillOpacity: 0.8 })
      .bindTooltip(words.located)
      .addTo(map);
    say(words.located);
  });
  map.on("locationerror", () => say(words.locate_failed));
}
