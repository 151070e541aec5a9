/*
 * The panel's cards and the map's markers point at each other: hovering or focusing a
 * card marks its marker and the other way round; "Auf der Karte zeigen" centres the map
 * on the feature and opens its popup; an opened popup marks its card and puts the
 * feature in the URL ("auswahl"), so a shared link opens it again.
 */
import { element } from "./dom.js";
import { showMap, panelShown } from "./layout.js";
import { layers, map, words } from "./page.js";
import { param, setParams } from "./url-state.js";

const panel = document.getElementById("panel");
const features = layers.features || {};

function cardFor(key) {
  return panel.querySelector('.card[data-feature="' + CSS.escape(key) + '"]');
}

function markerElement(key) {
  const marker = features[key];
  return marker && map.hasLayer(marker) ? marker.getElement() : null;
}

function markMarker(key, on) {
  const node = markerElement(key);
  if (node) {
    node.classList.toggle("is-highlighted", on);
  }
}

function markCard(key, className, on) {
  const card = cardFor(key);
  if (card) {
    card.classList.toggle(className, on);
  }
  return card;
}

/** Centre the map on the feature `key` and open its popup; false if it is not shown. */
export function select(key) {
  const marker = features[key];
  if (!marker || !map.hasLayer(marker)) {
    return false;
  }
  showMap();
  map.setView(marker.getLatLng(), Math.max(map.getZoom(), 17), { animate: false });
  marker.openPopup();
  return true;
}

/** Give each card of `list` its "Auf der Karte zeigen" button (cards come from the server). */
export function addMapButtons(list) {
  list.querySelectorAll(".card[data-feature]").forEach((card) => {
    if (card.querySelector(".show-on-map")) {
      return;
    }
    const button = element("button", "show-on-map", words.show_on_map);
    button.type = "button";
    const title = card.querySelector("h3");
    if (title) {
      button.appendChild(element("span", "visually-hidden", ": "));
      const name = element("span", "visually-hidden", title.textContent.trim());
      // The title's own language (German data in a page of another language) and, in
      // a page written right to left, its direction.
      if (title.lang) {
        name.lang = title.lang;
      }
      if (title.dir) {
        name.dir = title.dir;
      }
      button.appendChild(name);
    }
    card.appendChild(button);
  });
}

function cardKey(event) {
  const card = event.target.closest && event.target.closest(".card[data-feature]");
  return card ? card.dataset.feature : null;
}

export function startFeatureLinks() {
  panel.querySelectorAll(".cards").forEach(addMapButtons);
  ["mouseover", "focusin"].forEach((type) =>
    panel.addEventListener(type, (event) => {
      const key = cardKey(event);
      if (key) {
        markMarker(key, true);
      }
    })
  );
  ["mouseout", "focusout"].forEach((type) =>
    panel.addEventListener(type, (event) => {
      const key = cardKey(event);
      if (key) {
        markMarker(key, false);
      }
    })
  );
  panel.addEventListener("click", (event) => {
    const key = event.target.closest(".show-on-map") && cardKey(event);
    if (key) {
      select(key);
    }
  });
  Object.entries(features).forEach(([key, marker]) => {
    marker.on("mouseover", () => markCard(key, "is-highlighted", true));
    marker.on("mouseout", () => markCard(key, "is-highlighted", false));
    marker.on("popupopen", () => {
      const card = markCard(key, "is-selected", true);
      if (card && panelShown()) {
        card.scrollIntoView({ block: "nearest" });
      }
      setParams({ auswahl: key });
    });
    marker.on("popupclose", () => {
      markCard(key, "is-selected", false);
      if (param("auswahl") === key) {
        setParams({ auswahl: null });
      }
    });
  });
  const chosen = param("auswahl");
  if (chosen && features[chosen] && map.hasLayer(features[chosen])) {
    // The view of the URL stays; the popup opens where it is.
    features[chosen].openPopup();
  }
}
