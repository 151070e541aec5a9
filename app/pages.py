"""Server-rendered pages for residents (German)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.db import get_store
from measures.geojson import status_date
from measures.vocabulary import CATEGORIES, LOCATION_KINDS, STATUSES

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """Start page: the measures along their decision path and the places of the Quartier."""
    store = get_store()
    return render_template(
        "pages/index.html",
        quartier=store.quartier(),
        measures=store.measures(),
        locations=store.locations(),
        statuses=STATUSES,
        categories=CATEGORIES,
        kinds=LOCATION_KINDS,
        status_date=status_date,
    )
