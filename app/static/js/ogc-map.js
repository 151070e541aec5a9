/*
 * Quartierskarte Dalheim, OGC API pages: draws the features of the page on a small map.
 *
 * The page gives everything through data-* attributes (tile server, attribution) and a
 * <script type="application/json"> block (GeoJSON in lon/lat with a label and a link per
 * feature), so the page needs no inline script. Labels go in through textContent, never
 * as HTML.
 */
(function () {
  "use strict";

  var element = document.querySelector("[data-ogc-map]");
  if (!element || !window.L) {
    return;
  }
  var source = document.getElementById(element.getAttribute("data-source"));
  var data = JSON.parse(source.textContent);
  // Set through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
  element.style.height = "22rem";
  element.style.maxWidth = "48rem";
  element.style.marginBottom = "1rem";

  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.getAttribute("data-tile-url"), {
    attribution: element.getAttribute("data-tile-attribution"),
    maxZoom: 19
  }).addTo(map);

  function tooltip(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node;
  }

  var style = { color: "#1d5c96", weight: 2, fillOpacity: 0.15 };
  var layer = L.geoJSON(data, {
    style: function () {
      return style;
    },
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 7, color: "#1d5c96", weight: 2, fillOpacity: 0.6 });
    },
    onEachFeature: function (feature, featureLayer) {
      var properties = feature.properties || {};
      if (properties.label) {
        featureLayer.bindTooltip(tooltip(properties.label));
      }
      if (properties.href) {
        featureLayer.on("click", function () {
          window.location.href = properties.href;
        });
      }
    }
  }).addTo(map);

  var bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
  } else {
    // Nothing to show: the centre of Dalheim, Wetzlar.
    map.setView([50.566, 8.474], 15);
  }
})();
