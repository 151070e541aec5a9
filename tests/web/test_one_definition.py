"""A new field is declared in one place and reaches every reader.

The test copies the code, adds one field to the measures' record in
``measures/domain/model.py`` and its migration — nothing else — and runs the copy in a
separate Python: the field must then be in the read API (and filter it), the OGC items and
queryables, both OpenAPI documents, every export format and the import's dry run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One field: a choice with a default, so existing measures and seed files stay valid,
# and a filter, so that it becomes a query parameter and an OGC queryable.
FIELD = """
    financing: str = f.choice(
        {"bund_land": N_("Bund und Land"), "stadt": N_("Stadt")},
        N_("Finanzierung (Schlüssel)"),
        N_("Finanzierung"),
        default="bund_land",
        filter="financing",
        filter_title=N_("Finanzierung"),
        filter_description=N_("Nur Maßnahmen mit dieser Finanzierung."),
        label_shapefile="financ_lbl",
    )
"""
ANCHOR = "    funding_programme: str = f.text("

MIGRATION = '''"""Test: a financing field for measures.

Revision ID: 9001
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measures") as batch:
        batch.add_column(
            sa.Column("financing", sa.String(40), nullable=False, server_default="bund_land")
        )
        batch.create_index("ix_measures_financing", ["financing"])
'''

# Runs in the copy: reports what each reader shows of the new field, as JSON.
PROBE = r"""
import io, json, sys, tempfile, zipfile
from pathlib import Path

import pyogrio
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from measures.domain.seed import read_seed
from measures.gis import attributes, formats, shapefile_names
from measures.gis.files import ImportLimits, read_upload
from measures.gis.importing import plan_import
from measures.storage import Store, create_engine_for, schema, upgrade

work = Path(tempfile.mkdtemp())
url = f"sqlite:///{work / 'db.sqlite3'}"
engine = create_engine_for(url)
upgrade(engine)
store = Store(engine)
store.layers.load_seed(read_seed())
app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url})
client = app.test_client()
report = {"code": str(Path(sys.modules["measures"].__file__).resolve().parent.parent)}

with engine.connect() as connection:
    ours = lambda o, name, kind, r, c: kind != "table" or name in schema.metadata.tables
    context = MigrationContext.configure(connection, opts={"include_object": ours})
    report["schema_differences"] = [str(d) for d in compare_metadata(context, schema.metadata)]

layer = client.get("/api/layers/measures").get_json()
report["api_values"] = sorted({f["properties"].get("financing") for f in layer["features"]})
report["api_labels"] = sorted({f["properties"].get("financing_label") for f in layer["features"]})
filtered = client.get("/api/layers/measures?financing=stadt").get_json()
report["api_filtered"] = len(filtered["features"])
report["api_refused"] = client.get("/api/layers/measures?financing=bank").status_code
items = client.get("/ogc/collections/measures/items?financing=bund_land&f=json").get_json()
report["ogc_items"] = [f["properties"].get("financing") for f in items["features"]]
queryables = client.get("/ogc/collections/measures/queryables?f=json").get_json()
report["ogc_queryable"] = [
    choice["const"] for choice in queryables["properties"].get("financing", {}).get("oneOf", [])
]
api_doc = client.get("/api/openapi.json").get_json()
report["openapi_parameters"] = [
    p["name"] for p in api_doc["paths"]["/api/layers/measures"]["get"]["parameters"]
]
report["openapi_property"] = (
    api_doc["components"]["schemas"]["MeasuresFeature"]["allOf"][1]["properties"]["properties"]
    ["properties"].get("financing", {}).get("enum")
)
ogc_doc = client.get("/ogc/api?f=json").get_json()
report["ogc_openapi_parameters"] = sorted(
    p["name"] if "name" in p else p.get("$ref", "")
    for p in ogc_doc["paths"]["/collections/measures/items"]["get"]["parameters"]
)

exports = {}
for key, fmt in formats.FORMATS.items():
    crs = "" if fmt.wgs84_only else "?crs=25832"
    answer = client.get(f"/export/measures.{key}{crs}")
    if answer.status_code != 200:
        exports[key] = f"HTTP {answer.status_code}"
        continue
    path = work / f"measures-{key}.{fmt.extension}"
    path.write_bytes(answer.data)
    if key == "shp":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(work / "shp")
        columns = set()
        for shp in (work / "shp").glob("*.shp"):
            columns |= {shapefile_names.long_name(c) for c in pyogrio.read_info(shp)["fields"]}
    elif key.startswith("csv"):
        columns = set(pyogrio.read_info(path, SEPARATOR="AUTO")["fields"])
    else:
        columns = set(pyogrio.read_info(path)["fields"])
    exports[key] = sorted(c for c in columns if c.startswith("financ"))
report["exports"] = exports

# The import: a GeoPackage in which one measure's financing changed.
frame = pyogrio.read_dataframe(work / "measures-gpkg.gpkg")
changed_id = frame["id"].iloc[0]
frame.loc[frame["id"] == changed_id, "financing"] = "stadt"
# pyogrio reads the JSON columns as lists; they go back as JSON text, as QGIS writes them.
for column in ("sources", "timeline"):
    frame[column] = frame[column].map(lambda v: json.dumps(v) if isinstance(v, list) else v)
upload = work / "edited.gpkg"
pyogrio.write_dataframe(frame, upload, layer="measures", driver="GPKG")
uploaded = read_upload(upload, "gpkg", work, ImportLimits(10_000, 10_000, 200_000, 2**27))
stored = {m.id: m for m in store.layers.records("measures")}
plan = plan_import(uploaded, "measures", "edited.gpkg", stored, store.layers.quartier(), 25)
report["import_changes"] = {
    c.record.id: [f.field for f in c.fields] for c in plan.updated
}
report["import_changed_id"] = changed_id
report["import_invalid"] = [i.reasons for i in plan.invalid]
print(json.dumps(report))
"""


def _copy_with_new_field(target: Path) -> None:
    for part in ("app", "measures", "templates", "geodata"):
        shutil.copytree(
            ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    model = target / "measures" / "domain" / "model.py"
    text = model.read_text(encoding="utf-8")
    assert text.count(ANCHOR) == 1
    model.write_text(text.replace(ANCHOR, FIELD.lstrip("\n") + ANCHOR), encoding="utf-8")
    versions = target / "measures" / "storage" / "migrations" / "versions"
    head = max(p.name.split("_")[0] for p in versions.glob("[0-9]*.py"))
    (versions / "9001_financing.py").write_text(MIGRATION.format(head=head), encoding="utf-8")


def test_a_field_declared_once_reaches_every_reader(tmp_path):
    _copy_with_new_field(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == str(tmp_path.resolve()), "the copy ran, not the checkout"

    assert report["schema_differences"] == []
    assert report["api_values"] == ["bund_land"]
    assert report["api_labels"] == ["Bund und Land"]
    assert report["api_filtered"] == 0
    assert report["api_refused"] == 400
    assert report["ogc_items"] and set(report["ogc_items"]) == {"bund_land"}
    assert report["ogc_queryable"] == ["bund_land", "stadt"]
    assert "financing" in report["openapi_parameters"]
    assert report["openapi_property"] == ["bund_land", "stadt"]
    assert any("financing" in p for p in report["ogc_openapi_parameters"])
    for fmt, columns in report["exports"].items():
        assert columns == ["financing", "financing_label"], fmt
    assert report["import_invalid"] == []
    assert report["import_changes"] == {report["import_changed_id"]: ["financing"]}
