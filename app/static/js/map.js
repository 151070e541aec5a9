/*
 * Quartierskarte Dalheim: fills the folium map with data from the read API.
 *
 * folium builds the Leaflet map and its empty layer groups (window.quartierskarteLayers);
 * this script fetches the layers, draws measures by status (colour plus symbol plus line
 * pattern), places by kind and ideas in clusters, and keeps the filters in the URL.
 * Every text from the data goes into the page through textContent, never as HTML.
 */
(function () {
  "use strict";

  var layers = window.quartierskarteLayers;
  var configElement = document.getElementById("map-config");
  if (!layers || !configElement) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var map = layers.map;
  var words = config.words;
  var statusLine = document.getElementById("map-status");
  var quartierBounds = null;
  var quartierShape = null;

  function say(text) {
    if (statusLine) {
      statusLine.textContent = text;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }
    );
  }

  // --- symbols ---------------------------------------------------------------------

  var SVG = "http://www.w3.org/2000/svg";

  function svgNode(tag, attributes) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function statusSymbol(status, size) {
    var style = config.status_styles[status];
    var svg = svgNode("svg", { viewBox: "0 0 20 20", width: size, height: size, "aria-hidden": "true" });
    svg.appendChild(svgNode("circle", { cx: 10, cy: 10, r: 9, fill: style.color, stroke: "#000", "stroke-width": 1.2 }));
    var ink = { fill: "none", stroke: style.ink, "stroke-width": 2.4 };
    if (style.symbol === "check") {
      svg.appendChild(svgNode("path", Object.assign({ d: "M5 10.5l3.2 3.2L15 7" }, ink)));
    } else if (style.symbol === "cross") {
      svg.appendChild(svgNode("path", Object.assign({ d: "M6 6l8 8M14 6l-8 8" }, ink)));
    } else if (style.symbol === "pause") {
      svg.appendChild(svgNode("path", Object.assign({ d: "M7.5 5.5v9M12.5 5.5v9" }, ink)));
    } else {
      var text = svgNode("text", {
        x: 10, y: 14.5, "text-anchor": "middle", "font-size": 12, "font-weight": 700,
        "font-family": "sans-serif", fill: style.ink,
      });
      text.textContent = style.symbol;
      svg.appendChild(text);
    }
    return svg;
  }

  function divIcon(node, size, className, anchor) {
    var holder = element("div");
    holder.appendChild(node);
    return L.divIcon({
      html: holder.innerHTML,
      className: className,
      iconSize: [size, size],
      iconAnchor: anchor || [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
    });
  }

  function statusIcon(status) {
    return divIcon(statusSymbol(status, 28), 28, "qk-marker qk-measure");
  }

  function kindIcon(kind) {
    // Anchored at its top-left corner, so a place shows beside a measure at the same spot
    // (the KiFaZ is both) instead of under it.
    return divIcon(element("span", "kind-mark", config.kind_marks[kind] || "?"), 30, "qk-marker qk-place", [-4, -4]);
  }

  // One icon for every idea: Leaflet copies its options into each marker's element, so
  // thousands of markers need not build thousands of icons.
  var IDEA_ICON = divIcon(element("span", "idea-mark"), 22, "qk-marker qk-idea");

  // --- popups ----------------------------------------------------------------------

  function row(list, term, value) {
    if (value === null || value === undefined || value === "") {
      return;
    }
    list.appendChild(element("dt", null, term));
    list.appendChild(element("dd", null, value));
  }

  function money(value) {
    return new Intl.NumberFormat(config.language === "en" ? "en-GB" : "de-DE", {
      style: "currency", currency: "EUR", maximumFractionDigits: 0,
    }).format(value);
  }

  function detailLink(layer, id, text) {
    var link = element("a", "popup-more", text);
    link.href = config.detail[layer].replace("__ID__", encodeURIComponent(id));
    return link;
  }

  function measurePopup(feature) {
    var p = feature.properties;
    var box = element("div", "popup");
    box.appendChild(element("h3", null, p.title));
    var status = element("p", "popup-status");
    status.appendChild(statusSymbol(p.status, 18));
    status.appendChild(document.createTextNode(
      " " + config.statuses[p.status] + (p.status_date ? " (" + words.since + " " + p.status_date + ")" : "")
    ));
    box.appendChild(status);
    var facts = element("dl");
    row(facts, words.category, config.categories[p.category]);
    if (p.start_year || p.end_year) {
      row(facts, words.years, (p.start_year || "…") + (p.end_year && p.end_year !== p.start_year ? "–" + p.end_year : ""));
    }
    if (p.cost_eur !== null && p.cost_eur !== undefined) {
      row(facts, words.cost, money(p.cost_eur) + (p.cost_is_estimate ? " (" + words.cost_estimate + ")" : ""));
    }
    if (p.funding_share !== null && p.funding_share !== undefined) {
      row(facts, words.funding, Math.round(p.funding_share * 100) + " %" + (p.funding_programme ? " – " + p.funding_programme : ""));
    }
    box.appendChild(facts);
    box.appendChild(element("p", null, p.summary));
    if (p.accuracy === "approximate") {
      box.appendChild(element("p", "popup-note", words.approximate));
    }
    box.appendChild(detailLink("measures", feature.id, words.more));
    return box;
  }

  function locationPopup(feature) {
    var p = feature.properties;
    var box = element("div", "popup");
    box.appendChild(element("h3", null, p.name));
    box.appendChild(element("p", null, config.kinds[p.kind] + " · " + p.address));
    if (p.description) {
      box.appendChild(element("p", null, p.description));
    }
    if (p.accuracy === "approximate") {
      box.appendChild(element("p", "popup-note", words.approximate));
    }
    box.appendChild(detailLink("locations", feature.id, words.more));
    return box;
  }

  function showIdea(feature, box) {
    var p = feature.properties;
    box.appendChild(element("h3", null, p.title));
    box.appendChild(element("p", null, config.categories[p.category]));
    var text = p.description.length > 200 ? p.description.slice(0, 199) + "…" : p.description;
    box.appendChild(element("p", null, text));
    box.appendChild(element("p", null, p.supports + " " + words.supports));
    box.appendChild(detailLink("ideas", feature.id, words.more));
  }

  function ideaPopup(feature) {
    var box = element("div", "popup");
    showIdea(feature, box);
    return box;
  }

  // The overview knows only where its ideas are (/api/layers/ideas/points). Opening a
  // pin asks the ideas layer for the ideas in a box around it: half the rounding step
  // each way covers every idea that was rounded to this point, and a hair more (1e-9°,
  // 0.1 mm) keeps one that lies exactly half a step away despite floating point.
  function ideasHereUrl(lon, lat, precision) {
    var half = Math.pow(10, -precision) / 2 + 1e-9;
    var params = new URLSearchParams(only(filterParams(), ["category"]));
    params.set("bbox", [lon - half, lat - half, lon + half, lat + half].join(","));
    return config.api.ideas + "?" + params.toString();
  }

  // Called with the popup's box once its ideas are in (or have failed to come).
  function ideasHereBox(lon, lat, precision, done) {
    var box = element("div", "popup");
    // Announced when the ideas have arrived, for those who cannot see the popup change.
    box.setAttribute("aria-live", "polite");
    box.appendChild(element("p", "popup-loading", words.loading));
    getJSON(ideasHereUrl(lon, lat, precision)).then(function (collection) {
      box.textContent = "";
      if (!collection.features.length) {
        box.appendChild(element("p", null, words.idea_gone));
      }
      collection.features.forEach(function (feature) { showIdea(feature, box); });
    }).catch(function () {
      box.textContent = "";
      box.appendChild(element("p", "popup-note", words.idea_failed));
    }).then(done);
    return box;
  }

  // --- layers ----------------------------------------------------------------------

  function latLngOf(geometry) {
    return L.latLng(geometry.coordinates[1], geometry.coordinates[0]);
  }

  function addMeasure(feature, group) {
    var p = feature.properties;
    var style = config.status_styles[p.status];
    var label = p.title + " – " + config.statuses[p.status];
    var anchor;
    if (feature.geometry.type === "Point") {
      anchor = latLngOf(feature.geometry);
    } else {
      var shape = L.geoJSON(feature, {
        style: { color: style.color, weight: 4, dashArray: style.dash || null, fillOpacity: 0.25 },
      });
      shape.bindPopup(function () { return measurePopup(feature); });
      shape.addTo(group);
      anchor = shape.getBounds().getCenter();
    }
    var marker = L.marker(anchor, {
      icon: statusIcon(p.status), title: label, alt: label, keyboard: true, zIndexOffset: 1000,
    });
    marker.bindPopup(function () { return measurePopup(feature); });
    marker.feature = feature;
    marker.addTo(group);
  }

  function addLocation(feature, group) {
    var p = feature.properties;
    var label = p.name + " – " + config.kinds[p.kind];
    var marker = L.marker(latLngOf(feature.geometry), { icon: kindIcon(p.kind), title: label, alt: label, keyboard: true });
    marker.bindPopup(function () { return locationPopup(feature); });
    marker.feature = feature;
    marker.addTo(group);
  }

  function addIdea(feature, group) {
    var marker = L.marker(latLngOf(feature.geometry), {
      icon: IDEA_ICON, title: feature.properties.title, alt: feature.properties.title, keyboard: true,
    });
    marker.bindPopup(function () { return ideaPopup(feature); });
    marker.feature = feature;
    group.addLayer(marker);
  }

  // One idea of the compact layer: a pin named after its Handlungsfeld, its popup loaded
  // when it is opened.
  function addIdeaPoint(points, i, group) {
    var lon = points.lon[i], lat = points.lat[i];
    var category = points.categories[points.category[i]];
    var label = words.idea_marker.replace("{category}", config.categories[category]);
    var marker = L.marker([lat, lon], { icon: IDEA_ICON, title: label, alt: label, keyboard: true });
    // Leaflet calls the content function on every update of the popup, too: the box of the
    // open popup is kept, so that fitting the popup to its loaded ideas loads nothing
    // again. Each opening loads afresh.
    var box = null;
    marker.bindPopup(function () {
      if (!box) {
        box = ideasHereBox(lon, lat, points.precision, function () {
          if (marker.isPopupOpen()) {
            marker.getPopup().update();
          }
        });
      }
      return box;
    });
    marker.on("popupclose", function () { box = null; });
    group.addLayer(marker);
  }

  function drawQuartier() {
    return getJSON(config.api.quartier).then(function (collection) {
      var outline = L.geoJSON(collection, {
        style: { color: "#1d3557", weight: 3, dashArray: "8 5", fill: false },
        interactive: false,
      });
      outline.addTo(layers.quartier);
      if (collection.features.length) {
        quartierBounds = outline.getBounds();
        quartierShape = collection.features[0].geometry;
      }
    });
  }

  // --- filters (overview) ----------------------------------------------------------

  var form = document.getElementById("filters");

  function filterParams() {
    var params = new URLSearchParams();
    if (!form) {
      return params;
    }
    new FormData(form).forEach(function (value, name) {
      if (value !== "" && !(name === "sort" && value === "newest")) {
        params.append(name, value);
      }
    });
    return params;
  }

  function only(params, names) {
    var chosen = new URLSearchParams();
    params.forEach(function (value, name) {
      if (names.indexOf(name) !== -1) {
        chosen.append(name, value);
      }
    });
    return chosen.toString();
  }

  function withQuery(url, query) {
    return query ? url + "?" + query : url;
  }

  function renderList(features) {
    var list = document.querySelector(".below-map .cards");
    var heading = document.getElementById("liste");
    var listLink = document.getElementById("list-link");
    if (!list) {
      return;
    }
    list.textContent = "";
    features.forEach(function (feature) {
      var p = feature.properties;
      var card = element("li", "card");
      card.setAttribute("data-id", feature.id);
      var title = element("h3");
      title.appendChild(detailLink("measures", feature.id, p.title));
      card.appendChild(title);
      var status = element("p");
      status.appendChild(statusSymbol(p.status, 20));
      status.appendChild(document.createTextNode(" " + config.statuses[p.status]));
      card.appendChild(status);
      card.appendChild(element("p", null, p.summary));
      list.appendChild(card);
    });
    if (heading) {
      heading.textContent = heading.textContent.replace(/\(\d+\)/, "(" + features.length + ")");
    }
    if (listLink) {
      listLink.search = only(filterParams(), ["status", "category"]);
    }
  }

  // Each change of the filters draws anew; answers to an older draw are dropped, so that
  // a slow answer cannot paint over a newer selection.
  var overviewDraw = 0;

  function drawOverview() {
    var params = filterParams();
    var draw = ++overviewDraw;
    var counts = { measures: null, ideas: null };
    function report() {
      if (counts.measures !== null && counts.ideas !== null) {
        say(words.shown.replace("{measures}", counts.measures).replace("{ideas}", counts.ideas));
      }
    }
    // Measures are few and drawn as soon as they are here, not after the much larger
    // ideas layer.
    var measures = getJSON(withQuery(config.api.measures, only(params, ["status", "category"])))
      .then(function (collection) {
        if (draw !== overviewDraw) {
          return;
        }
        layers.measures.clearLayers();
        collection.features.forEach(function (f) { addMeasure(f, layers.measures); });
        renderList(collection.features);
        counts.measures = collection.features.length;
        report();
      });
    // Only positions and categories: the full ideas layer is more than a megabyte at
    // 10,000 ideas, and a popup fetches its ideas when it is opened.
    var ideas = getJSON(withQuery(config.api.idea_points, only(params, ["category"])))
      .then(function (points) {
        if (draw !== overviewDraw) {
          return;
        }
        layers.ideas.clearLayers();
        var markers = [];
        var collector = { addLayer: function (m) { markers.push(m); } };
        for (var i = 0; i < points.lon.length; i++) {
          addIdeaPoint(points, i, collector);
        }
        layers.ideas.addLayers(markers);
        counts.ideas = points.lon.length;
        report();
      });
    return Promise.all([measures, ideas]);
  }

  function failed() {
    say(words.loading_failed);
  }

  if (form) {
    form.addEventListener("change", function () {
      var query = filterParams().toString();
      window.history.replaceState(null, "", withQuery(window.location.pathname, query));
      drawOverview().catch(failed);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.dispatchEvent(new Event("change"));
    });
  }

  // --- controls --------------------------------------------------------------------

  function showQuartier() {
    if (quartierBounds) {
      map.fitBounds(quartierBounds, { animate: false });
    }
  }

  var reset = document.getElementById("reset-view");
  if (reset) {
    reset.addEventListener("click", showQuartier);
  }
  var locate = document.getElementById("locate-me");
  if (locate) {
    var here = null;
    locate.addEventListener("click", function () {
      map.locate({ setView: true, maxZoom: 17 });
    });
    map.on("locationfound", function (event) {
      if (here) {
        map.removeLayer(here);
      }
      here = L.circleMarker(event.latlng, { radius: 8, color: "#0b3d91", fillOpacity: 0.8 })
        .bindTooltip(words.located)
        .addTo(map);
      say(words.located);
    });
    map.on("locationerror", function () {
      say(words.locate_failed);
    });
  }


  // --- dropping a pin for a new idea -----------------------------------------------

  // Metres on the ground near Dalheim: good enough for a tolerance of some metres; the
  // server checks again exactly (in EPSG:25832) before anything is stored.
  function toMetres(lon, lat) {
    return [lon * 111320 * Math.cos(50.565 * Math.PI / 180), lat * 110574];
  }

  function rings(geometry) {
    if (geometry.type === "Polygon") {
      return [geometry.coordinates];
    }
    return geometry.coordinates;
  }

  function insideRing(point, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > point[1]) !== (b[1] > point[1]) &&
          point[0] < (b[0] - a[0]) * (point[1] - a[1]) / (b[1] - a[1]) + a[0]) {
        inside = !inside;
      }
    }
    return inside;
  }

  function distanceToRing(point, ring) {
    var p = toMetres(point[0], point[1]);
    var best = Infinity;
    for (var i = 1; i < ring.length; i++) {
      var a = toMetres(ring[i - 1][0], ring[i - 1][1]);
      var b = toMetres(ring[i][0], ring[i][1]);
      var dx = b[0] - a[0], dy = b[1] - a[1];
      var t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1)));
      best = Math.min(best, Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy));
    }
    return best;
  }

  function insideQuartier(latlng) {
    if (!quartierShape) {
      return true; // the server decides when the outline could not be loaded
    }
    var point = [latlng.lng, latlng.lat];
    return rings(quartierShape).some(function (polygon) {
      var inOuter = insideRing(point, polygon[0]);
      var inHole = polygon.slice(1).some(function (hole) { return insideRing(point, hole); });
      if (inOuter && !inHole) {
        return true;
      }
      return polygon.some(function (ring) { return distanceToRing(point, ring) <= config.tolerance_m; });
    });
  }

  var ideaForm = document.getElementById("idea-form");
  if (ideaForm && config.mode === "overview") {
    var startButton = document.getElementById("idea-start");
    var pinStatus = document.getElementById("pin-status");
    var lonInput = document.getElementById("pin-lon");
    var latInput = document.getElementById("pin-lat");
    var nearby = document.getElementById("nearby");
    var pin = null;
    var placing = false;
    var nearbyTimer = null;
    var pinIcon = divIcon(element("span", "pin-mark"), 30, "qk-marker qk-pin", [15, 30]);

    var showNearby = function (latlng) {
      var url = config.api.nearby + "?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6);
      getJSON(url).then(function (collection) {
        var list = nearby.querySelector("ul");
        list.textContent = "";
        collection.features.forEach(function (feature) {
          var item = element("li");
          item.appendChild(detailLink("ideas", feature.id, feature.properties.title));
          item.appendChild(document.createTextNode(" (" + feature.properties.supports + " " + words.supports + ")"));
          list.appendChild(item);
        });
        nearby.hidden = collection.features.length === 0;
      }).catch(function () { nearby.hidden = true; });
    };

    var pinMoved = function () {
      var latlng = pin.getLatLng();
      lonInput.value = latlng.lng.toFixed(6);
      latInput.value = latlng.lat.toFixed(6);
      pinStatus.textContent = insideQuartier(latlng) ? words.pin_inside : words.pin_outside;
      window.clearTimeout(nearbyTimer);
      nearbyTimer = window.setTimeout(function () { showNearby(latlng); }, 250);
    };

    var movePinWithKeys = function (event) {
      var steps = { ArrowUp: [0.00005, 0], ArrowDown: [-0.00005, 0], ArrowLeft: [0, -0.00008], ArrowRight: [0, 0.00008] };
      var step = steps[event.key];
      if (!step) {
        return;
      }
      // The map would pan on the same keys; the pin moves instead (about 5 m a step).
      event.preventDefault();
      event.stopPropagation();
      var latlng = pin.getLatLng();
      pin.setLatLng([latlng.lat + step[0], latlng.lng + step[1]]);
      pinMoved();
    };

    var placePin = function (latlng) {
      if (!pin) {
        pin = L.marker(latlng, {
          draggable: true, keyboard: true, icon: pinIcon, title: words.pin, alt: words.pin, zIndexOffset: 2000,
        }).addTo(map);
        pin.on("dragend", pinMoved);
        pin.getElement().addEventListener("keydown", movePinWithKeys);
      } else {
        pin.setLatLng(latlng);
      }
      pinMoved();
    };

    startButton.addEventListener("click", function () {
      ideaForm.hidden = false;
      placing = true;
      startButton.setAttribute("aria-expanded", "true");
      document.getElementById("idea-hint").focus();
    });
    map.on("click", function (event) {
      if (placing) {
        placePin(event.latlng);
      }
    });
    document.getElementById("pin-center").addEventListener("click", function () {
      placePin(map.getCenter());
      pin.getElement().focus();
    });
    document.getElementById("pin-spot").addEventListener("change", function (event) {
      var option = event.target.selectedOptions[0];
      if (option && option.dataset.lon) {
        var latlng = L.latLng(Number(option.dataset.lat), Number(option.dataset.lon));
        placePin(latlng);
        map.setView(latlng, Math.max(map.getZoom(), 17), { animate: false });
      }
    });
    ideaForm.addEventListener("submit", function (event) {
      if (!pin) {
        event.preventDefault();
        pinStatus.textContent = words.pin_missing;
      } else if (!insideQuartier(pin.getLatLng())) {
        event.preventDefault();
        pinStatus.textContent = words.pin_outside;
      }
    });
  }

  // --- start -----------------------------------------------------------------------

  if (config.mode === "detail") {
    Promise.all([drawQuartier(), getJSON(config.feature)]).then(function (results) {
      var feature = results[1];
      var add = { measures: addMeasure, locations: addLocation, ideas: addIdea }[config.layer];
      var group = layers[config.layer];
      add(feature, group);
      if (feature.geometry.type === "Point") {
        // fitBounds cannot zoom to a bounds of zero size. Without animation, as Leaflet
        // drops a new view while folium's first one is still animating.
        map.setView(latLngOf(feature.geometry), 17, { animate: false });
      } else {
        map.fitBounds(L.geoJSON(feature).getBounds(), {
          maxZoom: 17, padding: [30, 30], animate: false,
        });
      }
    }).catch(failed);
  } else if (config.mode === "planning") {
    drawQuartier().then(showQuartier).catch(failed);
    getJSON(config.api.ideas).then(function (collection) {
      var markers = [];
      var collector = { addLayer: function (m) { markers.push(m); } };
      collection.features.forEach(function (f) { addIdea(f, collector); });
      layers.ideas.addLayers(markers);
    }).catch(failed);
  } else {
    drawQuartier().then(showQuartier).catch(failed);
    getJSON(config.api.locations).then(function (collection) {
      collection.features.forEach(function (f) { addLocation(f, layers.locations); });
    }).catch(failed);
    drawOverview().catch(failed);
  }
})();
