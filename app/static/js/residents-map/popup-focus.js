/*
 * Popups as small dialogs: when one opens, focus moves into it (screen readers read it);
 * Escape closes it and focus goes back to where it was (the marker, or the card's
 * "Auf der Karte zeigen"). Leaflet's own close button gets a name in the page's language.
 */
import { map, words } from "./page.js";

let returnTo = null;
// Whether focus is still in the open popup: only then does closing it move focus back.
let focusInside = false;

function nameOf(popup) {
  const source = popup._source;
  const element = source && source.getElement && source.getElement();
  return (element && (element.getAttribute("aria-label") || element.title)) || "";
}

export function startPopupFocus() {
  map.on("popupopen", (event) => {
    const popup = event.popup;
    const box = popup.getElement();
    const active = document.activeElement;
    returnTo = active && active !== document.body && !box.contains(active) ? active : null;
    box.setAttribute("role", "dialog");
    const name = nameOf(popup);
    if (name) {
      box.setAttribute("aria-label", name);
    }
    const close = box.querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", words.close_popup);
      close.title = words.close_popup;
    }
    const content = box.querySelector(".leaflet-popup-content");
    content.setAttribute("tabindex", "-1");
    content.focus({ preventScroll: true });
    focusInside = true;
    box.addEventListener("focusout", (blur) => {
      focusInside = box.contains(blur.relatedTarget);
    });
    box.addEventListener("keydown", (key) => {
      if (key.key === "Escape") {
        key.preventDefault();
        key.stopPropagation();
        map.closePopup(popup);
      }
    });
  });
  map.on("popupclose", (event) => {
    const source = event.popup._source;
    const back = returnTo && document.contains(returnTo) ? returnTo : source && source.getElement();
    const wasInside = focusInside;
    returnTo = null;
    focusInside = false;
    if (back && wasInside) {
      back.focus({ preventScroll: true });
    }
  });
}
