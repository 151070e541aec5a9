/*
 * The residents' map page: what runs in the browser on top of the map folium drew on the
 * server (app/residents_map.py). Each module does one thing; see their heads.
 */
import { startClusterKeys } from "./cluster-keys.js";
import { startControlWords } from "./control-words.js";
import { startFeatureLinks } from "./feature-links.js";
import { startFilters } from "./filters.js";
import { startIdeaForm } from "./idea-form.js";
import { startIdeaNames } from "./idea-names.js";
import { startIdeaPin } from "./idea-pin.js";
import { startLayerToggle } from "./layer-toggle.js";
import { startLayout } from "./layout.js";
import { startMapView } from "./map-view.js";
import { startPopupFocus } from "./popup-focus.js";
import { startSearch } from "./search.js";
import { startViewButtons } from "./view-buttons.js";

startLayout();
startControlWords();
startLayerToggle();
startPopupFocus();
startClusterKeys();
startIdeaNames();
// The view of the URL first, so that the chosen feature opens in it.
startMapView();
startFeatureLinks();
startViewButtons();
startIdeaPin();
startIdeaForm();
startSearch();
// Draws the ideas of the filters in the URL, and again when the filters change.
startFilters();
