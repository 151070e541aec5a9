"""Third-party browser libraries, served by the app itself from their XStatic packages
and, for those XStatic does not package, from npm packages at the exact versions of
``package-lock.json`` (installed into ``node_modules`` by the Makefile's ``npm ci``).

URLs carry the package version (``/vendor/leaflet/1.9.3/leaflet.js``), so browsers may
cache them for a year: a new version is a new URL.
"""

from __future__ import annotations

import json
import mimetypes
from functools import cached_property
from pathlib import Path

from flask import Blueprint, abort, current_app, request, url_for
from werkzeug.security import safe_join
from xstatic.pkg import jquery, leaflet, leaflet_markercluster

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


class NpmPackage:
    """An npm package's folder of browser files, shaped like an XStatic package."""

    def __init__(self, name: str, package: str, folder: str):
        self.NAME = name
        self.package = package
        self.BASE_DIR = str(NODE_MODULES / package / folder)

    @cached_property
    def VERSION(self) -> str:  # noqa: N802 (the XStatic packages' name)
        # The installed version; without ``npm ci`` none, and every URL answers 404.
        manifest = NODE_MODULES / self.package / "package.json"
        return json.loads(manifest.read_text())["version"] if manifest.is_file() else "-"


# Drawing and editing geometries in the planners' form (app/static/js/planning/).
leaflet_geoman = NpmPackage("leaflet_geoman", "@geoman-io/leaflet-geoman-free", "dist")

PACKAGES = {pkg.NAME: pkg for pkg in (leaflet, leaflet_markercluster, jquery, leaflet_geoman)}
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


def vendor_url(name: str, filename: str) -> str:
    """The versioned URL of ``filename`` in the XStatic package ``name``."""
    return url_for("vendor.asset", name=name, version=PACKAGES[name].VERSION, filename=filename)


@bp.get("/<name>/<version>/<path:filename>")
def asset(name: str, version: str, filename: str):
    """One file of a vendored library, at the version the app ships."""
    package = PACKAGES.get(name)
    path = safe_join(package.BASE_DIR, filename) if package else None
    if package is None or version != package.VERSION or path is None or not Path(path).is_file():
        abort(404)
    # Read whole (the files are small) rather than streamed, so that Flask-Compress
    # compresses them: Leaflet shrinks from about 147 KB to about 40 KB.
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = current_app.response_class(Path(path).read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.add_etag()
    return response.make_conditional(request)
