/*
 * One search box for streets, places and measures, answered by the app's own gazetteer
 * (/api/search). A combobox as in WAI-ARIA 1.2: the focus stays in the box, the arrow
 * keys move through the suggestions (aria-activedescendant), Enter takes one, Escape
 * closes the list and then empties the box. A place or measure opens on the map; a
 * street centres the map; while a new idea's pin is placed, the pin goes beside it.
 */
import { element } from "./dom.js";
import { select } from "./feature-links.js";
import { isPlacing, placeBeside } from "./idea-pin.js";
import { showMap } from "./layout.js";
import { map, say, words } from "./page.js";
import { getJSON, withQuery } from "./requests.js";

const input = document.getElementById("search-input");
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
let results = [];
let active = -1;
let timer = null;
let latest = 0;
let spot = null;

function options() {
  return list.querySelectorAll("[role=option]");
}

function close() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function activate(index) {
  const all = options();
  if (!all.length) {
    return;
  }
  active = (index + all.length) % all.length;
  all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
  input.setAttribute("aria-activedescendant", all[active].id);
  all[active].scrollIntoView({ block: "nearest" });
}

function show(found) {
  results = found;
  list.replaceChildren(
    ...found.map((hit, i) => {
      const option = element("li", "search-option");
      option.id = "search-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.appendChild(element("span", "search-name", hit.name));
      option.appendChild(element("span", "search-kind", hit.description));
      return option;
    })
  );
  active = -1;
  input.removeAttribute("aria-activedescendant");
  list.hidden = found.length === 0;
  input.setAttribute("aria-expanded", String(found.length > 0));
  status.textContent = found.length
    ? words.search_found.replace("{count}", found.length)
    : words.search_none;
}

async function ask() {
  const query = input.value.trim();
  const run = ++latest;
  if (!query) {
    close();
    status.textContent = "";
    return;
  }
  try {
    const answer = await getJSON(withQuery(input.dataset.url, new URLSearchParams({ q: query })));
    if (run === latest) {
      show(answer.results);
    }
  } catch (error) {
    if (run === latest) {
      close();
      status.textContent = words.search_failed;
    }
  }
}

function choose(hit) {
  close();
  input.value = hit.name;
  if (isPlacing()) {
    placeBeside(hit.lat, hit.lon);
    return;
  }
  if (hit.feature && select(hit.feature)) {
    return;
  }
  // A street, or a measure the filters hide: the map goes there and marks the spot.
  showMap();
  map.setView([hit.lat, hit.lon], Math.max(map.getZoom(), 18), { animate: false });
  if (spot) {
    map.removeLayer(spot);
  }
  spot = L.circleMarker([hit.lat, hit.lon], { radius: 14, color: "#b34700", weight: 4, fill: false, interactive: false }).addTo(map);
  say(words.search_shown.replace("{name}", hit.name));
}

export function startSearch() {
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 150);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open && results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      activate(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      activate(active < 0 ? -1 : active - 1);
    } else if (event.key === "Enter" && open) {
      event.preventDefault();
      choose(results[active < 0 ? 0 : active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (open) {
        close();
      } else {
        input.value = "";
        results = [];
      }
    }
  });
  // Pressing down on a suggestion keeps the focus in the box; the click takes it.
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) {
      choose(results[Array.from(options()).indexOf(option)]);
    }
  });
  input.addEventListener("blur", close);
}
