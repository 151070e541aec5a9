"""The migrations and the tables derived from the layers' declarations agree.

A field declared in ``measures/domain/model.py`` becomes a column of ``schema.py``; its
migration must create that column. Alembic compares the migrated database with the
metadata, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from measures.storage import schema

# Each runs on SQLite and on PostgreSQL/PostGIS.
pytestmark = pytest.mark.both_databases


def _ours(obj, name, type_, reflected, _compare_to) -> bool:
    # PostGIS adds its own tables and a generated geometry column with its GiST index
    # beside our WKB column (see ``spatial.py``); Alembic keeps its version table.
    if type_ == "table":
        return name in schema.metadata.tables
    if type_ == "column" and name == "geom":
        return False
    if type_ == "index" and reflected and name and name.endswith("_geom"):
        return False
    return True


# SQLAlchemy knows no PostGIS types; reflecting the generated ``geom`` column (left out of
# the comparison above) warns that it does not.
@pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'")
def test_migrated_database_matches_the_declared_tables(empty_store):
    with empty_store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _ours, "compare_type": True}
        )
        differences = compare_metadata(context, schema.metadata)
    assert differences == []
