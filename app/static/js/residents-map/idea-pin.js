/*
 * The pin of a new idea ("Idee auf der Karte eintragen"): placed by a click or tap on the
 * map, dragged, put in the map's centre and moved with the arrow keys, or set to a place
 * or street from the list. Its position goes into the form's hidden fields. While it is
 * placed, the form stays beside the map (a sheet under it on phones) and what the spot
 * means ("Ort gewählt", "außerhalb des Quartiers") shows over the map, in view.
 * Put in the centre or beside a chosen place, the pin never lies on a marker (a place,
 * measure or idea), where neither could be clicked (pin-spot.js); put in the centre, the
 * note says which marker it stands beside.
 */
import { isInside } from "./geofence.js";
import { setIdeaMode, showMap } from "./layout.js";
import { showNearbySoon } from "./nearby-ideas.js";
import { config, map, words } from "./page.js";
import { spotNear } from "./pin-spot.js";

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
// How far the pin goes beside a place's or measure's marker (28 px, centred) so that it
// does not stand under it; a place or street from the list always gets it beside.
// Pixels, not metres: the zoom the map reaches depends on its size and limits.
const BESIDE_PX = 44;
// Where else the pin may go, in pixels from where it was wished, when a marker or the
// note over the map is there: west first (as for a place from the list), then east,
// south (the note is at the top), north, then further out.
const AROUND_PX = [
  [-BESIDE_PX, 0],
  [BESIDE_PX, 0],
  [0, BESIDE_PX],
  [0, -BESIDE_PX],
  [-2 * BESIDE_PX, 0],
  [2 * BESIDE_PX, 0],
];

function isAllowed(latlng) {
  return isInside(config.pin_area, latlng.lng, latlng.lat);
}

/** Moving the pin aside must not take it out of the Quartier when the spot is inside. */
function staysAllowed(lat, lon) {
  const inside = isAllowed(L.latLng(lat, lon));
  return (spot) => !inside || isAllowed(spot);
}

/** What the pin's note says: the spot, and what it stands beside if it was moved there. */
function pinMoved(besideName) {
  const latlng = pin.getLatLng();
  lonInput.value = latlng.lng.toFixed(6);
  latInput.value = latlng.lat.toFixed(6);
  if (!isAllowed(latlng)) {
    tell(words.pin_outside, true);
  } else if (besideName) {
    tell(words.pin_beside.replace("{name}", besideName));
  } else {
    tell(words.pin_inside);
  }
  showNearbySoon(latlng);
}

function tell(text, isProblem) {
  pinStatus.textContent = text;
  pinStatus.classList.toggle("is-outside", Boolean(isProblem));
}

/** Keep the pin in view: the map moves only when the pin is near its edge or beyond. */
function keepInView(latlng) {
  const inner = map.getBounds().pad(-0.15);
  if (!inner.contains(latlng)) {
    map.panTo(latlng, { animate: false });
  }
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
  keepInView(pin.getLatLng());
  pinMoved();
}

// The pin stands in the form's order where "Punkt in die Kartenmitte setzen" put it,
// before the list of places: Tab goes on to the form (not through the map's controls
// after it), Shift+Tab back; Shift+Tab from the list comes back to the pin.
function tabLikeTheForm(event) {
  if (event.key !== "Tab") {
    return;
  }
  event.preventDefault();
  document.getElementById(event.shiftKey ? "pin-center" : "pin-spot").focus();
}

function backToThePin(event) {
  if (pin && event.key === "Tab" && event.shiftKey) {
    event.preventDefault();
    pin.getElement().focus();
  }
}

function placePin(latlng, besideName) {
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
    pin.getElement().addEventListener("keydown", tabLikeTheForm);
  } else {
    pin.setLatLng(latlng);
  }
  pinMoved(besideName);
}

/** True while a new idea's pin is being placed. */
export function isPlacing() {
  return placing;
}

/** Put the pin beside a place, street or measure (from the list or the search), never
 * on its point: its marker may be there. The resident chose it by its name. */
export function placeBeside(lat, lon) {
  showMap();
  map.setView([lat, lon], Math.max(map.getZoom(), 18), { animate: false });
  placePin(spotNear(L.latLng(lat, lon), AROUND_PX, staysAllowed(lat, lon)).latlng);
}

/** Put the pin in the map's centre, or beside the marker that is there, and say which. */
function placeInCentre() {
  showMap();
  const centre = map.getCenter();
  const spot = spotNear(centre, [[0, 0], ...AROUND_PX], staysAllowed(centre.lat, centre.lng));
  placePin(spot.latlng, spot.beside);
}

function stop() {
  form.hidden = true;
  placing = false;
  startButton.setAttribute("aria-expanded", "false");
  if (pin) {
    map.removeLayer(pin);
    pin = null;
  }
  lonInput.value = "";
  latInput.value = "";
  tell("");
  setIdeaMode(false);
  startButton.focus();
}

export function startIdeaPin() {
  const begin = () => {
    form.hidden = false;
    placing = true;
    startButton.setAttribute("aria-expanded", "true");
    showMap();
    setIdeaMode(true);
    tell(words.pin_start);
    document.getElementById("idea-hint").focus();
  };
  startButton.addEventListener("click", begin);
  document.querySelectorAll("[data-starts-idea]").forEach((button) => {
    button.addEventListener("click", begin);
  });
  document.getElementById("idea-cancel").addEventListener("click", stop);
  // "Mein Standort" while placing: the pin goes where the resident stands.
  map.on("locationfound", (event) => {
    if (placing) {
      placePin(event.latlng);
    }
  });
  map.on("click", (event) => {
    if (placing) {
      placePin(event.latlng);
    }
  });
  document.getElementById("pin-center").addEventListener("click", () => {
    placeInCentre();
    pin.getElement().focus();
  });
  document.getElementById("pin-spot").addEventListener("keydown", backToThePin);
  document.getElementById("pin-spot").addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (option && option.dataset.lon) {
      placeBeside(Number(option.dataset.lat), Number(option.dataset.lon));
    }
  });
}

/** Before the form is sent (idea-form.js): "missing" or "outside" when the pin is not
 * where an idea may go, said in the note over the map as well; "" when it is. */
export function pinProblem() {
  if (!pin) {
    tell(words.pin_missing, true);
    return "missing";
  }
  if (!isAllowed(pin.getLatLng())) {
    keepInView(pin.getLatLng());
    tell(words.pin_outside, true);
    return "outside";
  }
  return "";
}
