/*
 * Where the pin of a new idea may stand near a wished spot: not on a marker (a place,
 * measure, idea or cluster), where neither could be clicked, and not under what lies
 * over the map (the pin's note, the buttons, Leaflet's controls), where it could not be
 * seen. Boxes in the map's pixels; pixels, not metres, as the zoom decides how close is
 * too close. A marker's box comes from its position and its icon's size and anchor (a
 * place's mark stands off its point), not from the page: right after the map moved, the
 * page may still show the markers on their way.
 */
import { map } from "./page.js";

// The pin's icon stands on its point: 30 × 30 px above it (idea-pin.js). Some room
// between it and a marker, so that a finger hits the one it aims at.
const PIN_HALF_PX = 15;
const PIN_HEIGHT_PX = 30;
const ROOM_PX = 4;
const OVERLAYS = ".pin-status, .map-toolbar button, .leaflet-control";

/** The markers on the map (not those inside a cluster, nor the pin itself). */
function markerBoxes() {
  const boxes = [];
  map.eachLayer((layer) => {
    const element = layer instanceof L.Marker ? layer.getElement() : null;
    if (!element || element.classList.contains("qk-pin")) {
      return;
    }
    const options = layer.options.icon.options;
    const size = L.point(options.iconSize || [element.offsetWidth, element.offsetHeight]);
    const anchor = options.iconAnchor ? L.point(options.iconAnchor) : size.divideBy(2);
    const topLeft = map.latLngToContainerPoint(layer.getLatLng()).subtract(anchor);
    boxes.push({
      element,
      left: topLeft.x,
      right: topLeft.x + size.x,
      top: topLeft.y,
      bottom: topLeft.y + size.y,
    });
  });
  return boxes;
}

/** What lies over the map, as the page shows it. */
function boxesOf(elements, origin) {
  const boxes = [];
  elements.forEach((element) => {
    const box = element.getBoundingClientRect();
    if (box.width > 0) {
      boxes.push({
        element,
        left: box.left - origin.left,
        right: box.right - origin.left,
        top: box.top - origin.top,
        bottom: box.bottom - origin.top,
      });
    }
  });
  return boxes;
}

function covers(point, box) {
  return (
    point.x + PIN_HALF_PX + ROOM_PX > box.left &&
    point.x - PIN_HALF_PX - ROOM_PX < box.right &&
    point.y + ROOM_PX > box.top &&
    point.y - PIN_HEIGHT_PX - ROOM_PX < box.bottom
  );
}

function middleOf(box) {
  return [(box.left + box.right) / 2, (box.top + box.bottom) / 2];
}

/** Of the boxes, the one whose middle is nearest to the point (undefined if none). */
function nearest(point, boxes) {
  const away = (box) => point.distanceTo(middleOf(box));
  return boxes.reduce((best, box) => (best && away(best) <= away(box) ? best : box), undefined);
}

// A marker's title is "name – status" or "name – kind" (app/residents_map.py), a
// cluster's label "3 Ideen – Handlungsfelder" (cluster-keys.js): the note names the first
// part, short enough to leave the map in view on a phone.
function shortName(element) {
  const title = element.getAttribute("title") || element.getAttribute("aria-label") || "";
  return title.split(" – ")[0];
}

/**
 * The first of ``offsets`` (pixels from ``latlng``) where the pin covers nothing and that
 * ``allowed`` accepts; ``latlng`` itself when every one is taken. Returns the spot and
 * the short name of the marker the wished spot lay on ("" when none).
 */
export function spotNear(latlng, offsets, allowed) {
  const origin = map.getContainer().getBoundingClientRect();
  const wished = map.latLngToContainerPoint(latlng);
  const markers = markerBoxes();
  const taken = markers.concat(boxesOf(document.querySelectorAll(OVERLAYS), origin));
  const under = nearest(wished, markers.filter((box) => covers(wished, box)));
  for (const offset of offsets) {
    const point = wished.add(offset);
    const spot = map.containerPointToLatLng(point);
    if (allowed(spot) && !taken.some((box) => covers(point, box))) {
      return { latlng: spot, beside: under ? shortName(under.element) : "" };
    }
  }
  return { latlng, beside: "" };
}
