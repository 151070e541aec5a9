/*
 * The residents' map page: what runs in the browser on top of the map folium drew on the
 * server (app/residents_map.py). Each module does one thing; see their heads.
 */
import { startFilters } from "./filters.js";
import { startIdeaPin } from "./idea-pin.js";
import { startViewButtons } from "./view-buttons.js";

startViewButtons();
startIdeaPin();
// Draws the ideas of the filters in the URL, and again when the filters change.
startFilters();
