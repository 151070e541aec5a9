/*
 * The filters beside the map (status, Handlungsfeld, order of ideas). They live in the
 * URL, so a view can be shared; the server decides what matches them, and a change
 * updates the map and the lists in place, as the first view of the page came filtered.
 */
import { drawIdeas } from "./idea-clusters.js";
import { shownMeasureCount, showMeasures } from "./measure-selection.js";
import { say, words } from "./page.js";
import { setParams } from "./url-state.js";

const form = document.getElementById("filters");
const ideaHeading = document.getElementById("ideen-liste");
const ideaListLink = document.getElementById("idea-list-link");

/** The form's choices as a query; the default order of ideas is left out. */
function chosen() {
  const params = new URLSearchParams();
  new FormData(form).forEach((value, name) => {
    if (value !== "" && !(name === "sort" && value === "newest")) {
      params.append(name, value);
    }
  });
  return params;
}

function only(params, names) {
  const picked = new URLSearchParams();
  params.forEach((value, name) => {
    if (names.includes(name)) {
      picked.append(name, value);
    }
  });
  return picked;
}

function showIdeaCount(count) {
  ideaHeading.textContent = ideaHeading.textContent.replace(/\(\d+\)/, "(" + count + ")");
  ideaListLink.search = only(chosen(), ["category", "sort"]).toString();
}

// Each change draws anew; answers to an older one are dropped, so that a slow answer
// cannot paint over a newer choice.
let latest = 0;

async function draw(measuresToo) {
  const params = chosen();
  const run = ++latest;
  const isCurrent = () => run === latest;
  try {
    // Measures are few and shown as soon as they are known, not after the ideas.
    const [measures, ideas] = await Promise.all([
      measuresToo ? showMeasures(only(params, ["status", "category"]), isCurrent) : shownMeasureCount(),
      drawIdeas(only(params, ["category"]), isCurrent),
    ]);
    if (isCurrent()) {
      showIdeaCount(ideas);
      say(words.shown.replace("{measures}", measures).replace("{ideas}", ideas));
    }
  } catch (error) {
    if (isCurrent()) {
      say(words.loading_failed);
    }
  }
}

export function startFilters() {
  form.addEventListener("change", () => {
    const params = chosen();
    setParams({
      status: params.getAll("status"),
      category: params.getAll("category"),
      sort: params.getAll("sort"),
    });
    draw(true);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    form.dispatchEvent(new Event("change"));
  });
  // The page came with the measures of its URL; the ideas are fetched.
  draw(false);
}
