"""The ceilings: bare Flask apps under the same gunicorn settings as ours.

``gunicorn 'bench.ceiling:layer_app()'`` answers every GET with the bytes of the file
``BENCH_CEILING_BODY`` (a layer as our app serialises it), read once at start: what
serving those bytes costs without any work per request.

``gunicorn 'bench.ceiling:intake_app()'`` takes a POSTed JSON body and writes it as one
row into the table ``bench_intake`` of ``BENCH_CEILING_DATABASE``: what one INSERT per
request costs on that database, without validation, geofence, rate limit or history.

``gunicorn 'bench.ceiling:folium_app()'`` serves the folium baseline of the map page: the
HTML file ``BENCH_FOLIUM_HTML`` at ``/`` and the libraries it links, from the same XStatic
packages our app serves them from, under ``/assets/<package>/<file>``; compressed by
Flask-Compress with the same settings as ours.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, abort, request
from flask_compress import Compress
from werkzeug.security import safe_join

from measures.storage import create_engine_for

INTAKE = sa.Table(
    "bench_intake",
    sa.MetaData(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)


def layer_app() -> Flask:
    body = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes()
    app = Flask(__name__)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def layer(path: str) -> Response:
        return Response(body, mimetype="application/geo+json")

    return app


def intake_app() -> Flask:
    # The table exists already (create_intake_table): two workers creating it would race.
    engine = create_engine_for(os.environ["BENCH_CEILING_DATABASE"])
    app = Flask(__name__)

    @app.get("/")
    def ready() -> str:
        return "ok"

    @app.post("/ideas")
    def intake():
        feature = json.loads(request.get_data())
        idea_id = uuid.uuid4().hex[:12]
        with engine.begin() as connection:
            connection.execute(INTAKE.insert().values(id=idea_id, body=json.dumps(feature)))
        return {"id": idea_id}, 201

    return app


def create_intake_table(database_url: str) -> None:
    engine = create_engine_for(database_url)
    INTAKE.metadata.create_all(engine)
    engine.dispose()


def folium_app() -> Flask:
    from xstatic.pkg import jquery, leaflet, leaflet_markercluster

    from app import DEFAULTS

    packages = {p.NAME: p for p in (leaflet, leaflet_markercluster, jquery)}
    html = Path(os.environ["BENCH_FOLIUM_HTML"]).read_bytes()
    app = Flask(__name__)
    app.config["COMPRESS_STREAMS"] = DEFAULTS["COMPRESS_STREAMS"]
    app.config["COMPRESS_MIMETYPES"] = DEFAULTS["COMPRESS_MIMETYPES"]
    Compress(app)

    @app.get("/")
    def page() -> Response:
        return Response(html, mimetype="text/html")

    @app.get("/assets/<name>/<path:filename>")
    def asset(name: str, filename: str) -> Response:
        package = packages.get(name)
        path = safe_join(package.BASE_DIR, filename) if package else None
        if path is None or not Path(path).is_file():
            abort(404)
        mimetype = "text/css" if filename.endswith(".css") else "application/javascript"
        return Response(Path(path).read_bytes(), mimetype=mimetype)

    return app
