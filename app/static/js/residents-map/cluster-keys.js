/*
 * Clusters of ideas for everyone: each says what it holds ("3 Ideen – Spiel und
 * Freizeit") instead of a bare number, and opens with Enter or Space as with a click;
 * focus then goes to what came out of it, nearest to where the cluster was.
 */
import { config, layers, map, words } from "./page.js";

const clusterOf = new WeakMap();

// A cluster's icon remembers its cluster, so that a key on the icon can open it.
const ClusterIcon = L.DivIcon.extend({
  createIcon(oldIcon) {
    const node = L.DivIcon.prototype.createIcon.call(this, oldIcon);
    node.setAttribute("aria-label", this.options.label);
    clusterOf.set(node, this.options.cluster);
    return node;
  },
});

/** "12 Ideen – Wohnen, Spiel und Freizeit": `counts` maps Handlungsfelder to numbers. */
export function ideasLabel(count, counts) {
  const ranked = [...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const named = ranked.slice(0, 3).map(([category]) => config.categories[category]);
  return words.cluster
    .replace("{count}", count)
    .replace("{categories}", named.join(", ") + (ranked.length > 3 ? ", …" : ""));
}

/** How a cluster's icon looks: a number in a circle, larger for more ideas. */
export function clusterLook(count) {
  const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
  return {
    html: '<div><span aria-hidden="true">' + count + "</span></div>",
    className: "marker-cluster marker-cluster-" + size,
    iconSize: L.point(40, 40),
  };
}

// The ideas in a cluster: a marker is one idea, or a cell with `count` ideas (beyond
// 10,000 ideas, see idea-clusters.js).
function clusterCounts(cluster) {
  const counts = new Map();
  let count = 0;
  const add = (n, category) => {
    counts.set(category, (counts.get(category) || 0) + n);
    count += n;
  };
  cluster.getAllChildMarkers().forEach((marker) => {
    if (marker.options.counts) {
      marker.options.counts.forEach(add);
    } else {
      add(1, marker.options.category);
    }
  });
  return { count, counts };
}

function clusterIcon(cluster) {
  const { count, counts } = clusterCounts(cluster);
  return new ClusterIcon({ ...clusterLook(count), label: ideasLabel(count, counts), cluster });
}

function focusNearest(latlng) {
  const target = map.latLngToContainerPoint(latlng);
  const origin = map.getContainer().getBoundingClientRect();
  let best = null;
  let bestDistance = Infinity;
  map.getContainer().querySelectorAll(".qk-idea, .marker-cluster").forEach((node) => {
    const box = node.getBoundingClientRect();
    const distance = Math.hypot(
      box.left - origin.left + box.width / 2 - target.x,
      box.top - origin.top + box.height / 2 - target.y
    );
    if (distance < bestDistance) {
      best = node;
      bestDistance = distance;
    }
  });
  if (best) {
    best.focus();
  }
}

function open(cluster) {
  const where = cluster.getLatLng();
  const bounds = cluster.getBounds();
  const sameSpot = bounds.getNorthEast().equals(bounds.getSouthWest());
  if (map.getZoom() >= map.getMaxZoom() || sameSpot) {
    layers.ideas.once("spiderfied", () => focusNearest(where));
    cluster.spiderfy();
  } else {
    layers.ideas.once("animationend", () => focusNearest(where));
    cluster.zoomToBounds({ padding: [40, 40] });
  }
}

export function startClusterKeys() {
  layers.ideas.options.iconCreateFunction = clusterIcon;
  map.getContainer().addEventListener("keydown", (event) => {
    const cluster = clusterOf.get(event.target);
    if (cluster && (event.key === "Enter" || event.key === " ")) {
      // Also keeps Leaflet's own Enter (a click) from zooming a second time.
      event.preventDefault();
      event.stopPropagation();
      open(cluster);
    }
  });
}
