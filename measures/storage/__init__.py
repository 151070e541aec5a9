"""Storage of the domain records in SQLite (embedded default) or PostgreSQL/PostGIS.

May import ``measures.domain`` only.
"""

from measures.storage.engine import create_engine_for
from measures.storage.migrate import upgrade
from measures.storage.store import Store

__all__ = ["Store", "create_engine_for", "upgrade"]
