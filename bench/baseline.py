"""pygeoapi as the baseline for serving a layer, in its own virtual environment.

pygeoapi is installed into ``bench/.venv-baseline`` (git-ignored; ``make bench`` creates
it, or set ``BENCH_BASELINE_VENV``), never into the project's environment, and none of
its code is part of this repository. It serves the same ideas twice: from a GeoJSON file
(the bytes our API answers with) and from a PostgreSQL table with the same public
columns, with a GiST index, in the benchmark's database.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.common import BASELINE_VENV, Server, gunicorn
from measures.domain.vocabulary import CATEGORIES

PYGEOAPI_VERSION = "0.21.0"
TABLE = "pygeoapi_ideas"


def python() -> Path:
    return BASELINE_VENV / "bin" / "python"


def missing() -> str | None:
    """None when the baseline environment has pygeoapi, else what to do."""
    try:
        version = subprocess.run(  # noqa: S603
            [str(python()), "-c", "import pygeoapi; print(pygeoapi.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return (
            f"pygeoapi fehlt in {BASELINE_VENV} (make bench legt die Umgebung an: "
            f"pip install pygeoapi=={PYGEOAPI_VERSION} gunicorn psycopg2-binary)"
        )
    return None if version else "pygeoapi gibt keine Version an"


def version() -> str:
    return subprocess.run(  # noqa: S603
        [str(python()), "-c", "import pygeoapi; print(pygeoapi.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def create_table(engine: sa.Engine) -> None:
    """The approved ideas with exactly the public properties of our layer, and an index."""
    labels = ", ".join(f"('{key}', '{label}')" for key, label in CATEGORIES.items())
    statements = [
        f"DROP TABLE IF EXISTS {TABLE}",
        f"CREATE TABLE {TABLE} AS SELECT i.id, i.title, i.description, i.category, "  # noqa: S608
        "l.label AS category_label, i.created_at, i.supports, i.updated_at, i.geom "
        f"FROM ideas i JOIN (VALUES {labels}) AS l(key, label) ON l.key = i.category "
        "WHERE i.moderation_state = 'approved'",
        f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)",
        f"CREATE INDEX ix_{TABLE}_geom ON {TABLE} USING GIST (geom)",
        f"ANALYZE {TABLE}",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))


def _config(
    port: int, geojson_path: Path | None, database_url: str | None, bbox: list[float]
) -> dict:
    resources = {}
    extents = {"spatial": {"bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    common = {
        "type": "collection",
        "title": "Ideen",
        "description": "Freigegebene Ideen",
        "keywords": ["Ideen"],
        "links": [],
        "extents": extents,
    }
    if geojson_path is not None:
        resources["ideas_file"] = {
            **common,
            "providers": [
                {"type": "feature", "name": "GeoJSON", "data": str(geojson_path), "id_field": "id"}
            ],
        }
    if database_url is not None:
        url = make_url(database_url)
        resources["ideas_db"] = {
            **common,
            "providers": [
                {
                    "type": "feature",
                    "name": "PostgreSQL",
                    "data": {
                        "host": url.host or "127.0.0.1",
                        "port": url.port or 5432,
                        "dbname": url.database,
                        "user": url.username or "postgres",
                        "password": url.password or "",
                        "search_path": ["public"],
                    },
                    "id_field": "id",
                    "table": TABLE,
                    "geom_field": "geom",
                }
            ],
        }
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["de-DE"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10000, "on_exceed": "throttle"},
            "map": {"url": "https://tiles.invalid/{z}/{x}/{y}.png", "attribution": "-"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Baseline",
                "description": "pygeoapi als Vergleich",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": "https://example.org",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "https://example.org"},
            "contact": {
                "name": "bench",
                "position": "bench",
                "address": "-",
                "city": "Wetzlar",
                "stateorprovince": "Hessen",
                "postalcode": "35576",
                "country": "Deutschland",
                "email": "bench@example.org",
                "url": "https://example.org",
                "role": "pointOfContact",
            },
        },
        "resources": resources,
    }


def server(
    directory: Path,
    port: int,
    geojson_path: Path | None,
    database_url: str | None,
    bbox: list[float],
) -> Server:
    """pygeoapi under gunicorn with the same settings as ours (two sync workers)."""
    # JSON is valid YAML, so no YAML library is needed on our side.
    config = directory / "pygeoapi-config.yml"
    config.write_text(json.dumps(_config(port, geojson_path, database_url, bbox)))
    openapi = directory / "pygeoapi-openapi.yml"
    subprocess.run(  # noqa: S603
        [
            str(BASELINE_VENV / "bin" / "pygeoapi"),
            "openapi",
            "generate",
            str(config),
            "--output-file",
            str(openapi),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PYGEOAPI_CONFIG": str(config)},
    )
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    return gunicorn(
        "pygeoapi",
        python(),
        "pygeoapi.flask_app:APP",
        env,
        ready="/collections",
        port=port,
        # Not our gunicorn.conf.py: its logger class lives in our app, not in this venv.
        config="/dev/null",
    )
