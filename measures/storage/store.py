"""The database of one installation, as one repository per kind of record.

``store.layers`` reads the public layers and writes the seed and GIS imports,
``store.ideas`` holds residents' ideas with their contact data and history,
``store.planners`` the planners' accounts and ``store.contact_exports`` the record of
exported contact data. Each use case that writes is one transaction
(``measures/storage/transaction.py``).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from measures.storage.contact_exports import ContactExportRepository
from measures.storage.ideas import IdeaRepository
from measures.storage.layers import LayerRepository
from measures.storage.planners import PlannerRepository
from measures.storage.spatial import spatial_for


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        spatial = spatial_for(engine.dialect.name)
        self.layers = LayerRepository(engine, spatial)
        self.ideas = IdeaRepository(engine, spatial)
        self.planners = PlannerRepository(engine)
        self.contact_exports = ContactExportRepository(engine)
