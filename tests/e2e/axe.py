"""axe in the browser tests: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best
practices; what it finds, less what WCAG itself allows (see the exception below)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

AXE_ALL = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    }
}


def _is_marker_with_an_equal_control(page, target) -> bool:
    """WCAG 2.2 (2.5.8) lets a small or crowded target be when the same can be done with
    another control of the page that is large enough. Markers that crowd each other at
    the Quartier's view have it: their card in the list ("Auf der Karte zeigen", the
    link to the page), and for ideas the list of ideas."""
    return page.locator(target[0]).evaluate(
        """node => node.classList.contains('leaflet-marker-icon') && (
            node.classList.contains('qk-idea') || node.classList.contains('marker-cluster')
            || Object.entries(quartierskarteLayers.features).some(([key, marker]) =>
                marker.getElement() === node
                && document.querySelector(`.card[data-feature="${key}"] .show-on-map`)))"""
    )


def violations(page):
    # After a click that loads a page, not before its style sheets apply: unstyled links
    # are small targets (seen as a flaky "target-size" on the planners' pages).
    page.wait_for_load_state("load")
    results = Axe().run(page, options=AXE_ALL)
    found = []
    for violation in results.response["violations"]:
        nodes = [n["target"] for n in violation["nodes"]]
        if violation["id"] == "target-size":
            nodes = [t for t in nodes if not _is_marker_with_an_equal_control(page, t)]
        if nodes:
            found.append((violation["id"], nodes[:3]))
    return found
