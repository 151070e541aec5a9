/*
 * The control of the map's layers on phones: folded to one button ("Ebenen der Karte"),
 * because open it covers a third of a phone's map, and with it the top of a popup or the
 * note about a new idea's spot. The button opens it (Leaflet's own handler) and focus
 * goes to its first box; Escape, a tap on the map or leaving it with Tab folds it again.
 * Popups open below the folded button, not under it. Wider screens keep it open.
 */
import { map, words } from "./page.js";

const OPEN = "leaflet-control-layers-expanded";
// The same width as the phone layout in site.css.
const narrow = window.matchMedia("(max-width: 50rem)");

export function startLayerToggle() {
  const control = map.getContainer().querySelector(".leaflet-control-layers");
  const toggle = control && control.querySelector(".leaflet-control-layers-toggle");
  if (!toggle) {
    return;
  }
  toggle.title = words.layers;
  toggle.setAttribute("aria-label", words.layers);

  const fold = (returnFocus) => {
    control.classList.remove(OPEN);
    toggle.setAttribute("aria-expanded", "false");
    if (returnFocus) {
      toggle.focus();
    }
  };
  const fit = () => {
    if (narrow.matches) {
      fold(false);
    } else {
      control.classList.add(OPEN);
      toggle.removeAttribute("aria-expanded");
    }
  };
  // The map pans an opened popup below the button (Leaflet's autoPanPaddingTopLeft; each
  // popup carries its own options, so they are set as it opens and it is placed again).
  map.on("popupopen", (event) => {
    if (narrow.matches) {
      // Its corner of controls lies at the map's top edge.
      const below = control.offsetTop + control.offsetHeight + 8;
      event.popup.options.autoPanPaddingTopLeft = L.point(5, below);
      event.popup.update();
    }
  });
  // After Leaflet's own click handler, which opens it (and hides the button).
  toggle.addEventListener("click", () => {
    const first = control.querySelector("input");
    if (first) {
      first.focus();
    }
  });
  control.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && narrow.matches && control.classList.contains(OPEN)) {
      event.preventDefault();
      event.stopPropagation();
      fold(true);
    }
  });
  control.addEventListener("focusout", (event) => {
    if (narrow.matches && !control.contains(event.relatedTarget)) {
      fold(false);
    }
  });
  map.on("click", () => {
    if (narrow.matches) {
      fold(false);
    }
  });
  narrow.addEventListener("change", fit);
  fit();
}
