"""Third-party browser libraries, served by the app itself from their XStatic packages.

URLs carry the package version (``/vendor/leaflet/1.9.3/leaflet.js``), so browsers may
cache them for a year: a new version is a new URL.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory, url_for
from xstatic.pkg import jquery, leaflet, leaflet_markercluster

PACKAGES = {pkg.NAME: pkg for pkg in (leaflet, leaflet_markercluster, jquery)}
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


def vendor_url(name: str, filename: str) -> str:
    """The versioned URL of ``filename`` in the XStatic package ``name``."""
    return url_for("vendor.asset", name=name, version=PACKAGES[name].VERSION, filename=filename)


@bp.get("/<name>/<version>/<path:filename>")
def asset(name: str, version: str, filename: str):
    """One file of a vendored library, at the version the app ships."""
    package = PACKAGES.get(name)
    if package is None or version != package.VERSION:
        abort(404)
    response = send_from_directory(package.BASE_DIR, filename, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
