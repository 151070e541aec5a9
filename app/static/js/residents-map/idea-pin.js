/*
 * The pin of a new idea ("Idee auf der Karte eintragen"): placed by a click or tap on the
 * map, dragged, put in the map's centre and moved with the arrow keys, or set to a place
 * or street from the list. Its position goes into the form's hidden fields.
 */
import { isInside } from "./geofence.js";
import { showNearbySoon } from "./nearby-ideas.js";
import { config, map, words } from "./page.js";

// About 5 m a step in Dalheim.
const ARROW_STEPS = {
  ArrowUp: [0.00005, 0],
  ArrowDown: [-0.00005, 0],
  ArrowLeft: [0, -0.00008],
  ArrowRight: [0, 0.00008],
};
const icon = L.divIcon({
  html: '<span class="pin-mark"></span>',
  className: "qk-marker qk-pin",
  iconSize: [30, 30],
  iconAnchor: [15, 30],
  popupAnchor: [0, -30],
});

const form = document.getElementById("idea-form");
const startButton = document.getElementById("idea-start");
const pinStatus = document.getElementById("pin-status");
const lonInput = document.getElementById("pin-lon");
const latInput = document.getElementById("pin-lat");
let pin = null;
let placing = false;

function isAllowed(latlng) {
  return isInside(config.pin_area, latlng.lng, latlng.lat);
}

function pinMoved() {
  const latlng = pin.getLatLng();
  lonInput.value = latlng.lng.toFixed(6);
  latInput.value = latlng.lat.toFixed(6);
  pinStatus.textContent = isAllowed(latlng) ? words.pin_inside : words.pin_outside;
  showNearbySoon(latlng);
}

function moveWithKeys(event) {
  const step = ARROW_STEPS[event.key];
  if (!step) {
    return;
  }
  // The map would pan on the same keys; the pin moves instead.
  event.preventDefault();
  event.stopPropagation();
  const latlng = pin.getLatLng();
  pin.setLatLng([latlng.lat + step[0], latlng.lng + step[1]]);
  pinMoved();
}

function placePin(latlng) {
  if (!pin) {
    pin = L.marker(latlng, {
      draggable: true,
      keyboard: true,
      icon,
      title: words.pin,
      alt: words.pin,
      zIndexOffset: 2000,
    }).addTo(map);
    pin.on("dragend", pinMoved);
    pin.getElement().addEventListener("keydown", moveWithKeys);
  } else {
    pin.setLatLng(latlng);
  }
  pinMoved();
}

export function startIdeaPin() {
  startButton.addEventListener("click", () => {
    form.hidden = false;
    placing = true;
    startButton.setAttribute("aria-expanded", "true");
    document.getElementById("idea-hint").focus();
  });
  map.on("click", (event) => {
    if (placing) {
      placePin(event.latlng);
    }
  });
  document.getElementById("pin-center").addEventListener("click", () => {
    placePin(map.getCenter());
    pin.getElement().focus();
  });
  document.getElementById("pin-spot").addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (option && option.dataset.lon) {
      const latlng = L.latLng(Number(option.dataset.lat), Number(option.dataset.lon));
      placePin(latlng);
      map.setView(latlng, Math.max(map.getZoom(), 17), { animate: false });
    }
  });
  form.addEventListener("submit", (event) => {
    if (!pin) {
      event.preventDefault();
      pinStatus.textContent = words.pin_missing;
    } else if (!isAllowed(pin.getLatLng())) {
      event.preventDefault();
      pinStatus.textContent = words.pin_outside;
    }
  });
}
