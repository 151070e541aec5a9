"""The database of one installation, as one repository per kind of record.

``store.quartiere`` holds the Quartiere (boundary, texts, settings), ``store.layers``
reads the public layers and writes the seed and GIS imports, ``store.ideas`` holds
residents' ideas with their contact data and history, ``store.planners`` the planners'
accounts, ``store.contact_exports`` the record of exported contact data, ``store.mail`` the
e-mail subscriptions and outbox, ``store.barriers`` the barriers residents report,
``store.decision_path`` the steps of measures' decision paths and their PDFs,
``store.beirat`` the sessions of the Stadtteilbeirat
with their agenda and outcomes, ``store.photos`` the photos of ideas and measures (their files:
``measures/storage/photo_files.py``), ``store.comments`` the comments on ideas and
measures, ``store.editing`` the planners' changes to measures and places (drafts and
archived ones too), ``store.versions`` the versions of measures and places and
``store.statistics`` the planners' statistics of ideas. Each use
case that writes is one transaction (``measures/storage/transaction.py``).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from measures.storage.barriers import BarrierReportRepository
from measures.storage.beirat import BeiratRepository
from measures.storage.comments import CommentRepository
from measures.storage.contact_exports import ContactExportRepository
from measures.storage.decision_path import DecisionPathRepository
from measures.storage.editing import EditingRepository
from measures.storage.ideas import IdeaRepository
from measures.storage.layers import LayerRepository
from measures.storage.mail import MailRepository
from measures.storage.photos import PhotoRepository
from measures.storage.planners import PlannerRepository
from measures.storage.quartiere import QuartierRepository
from measures.storage.spatial import spatial_for
from measures.storage.statistics import StatisticsRepository
from measures.storage.versions import VersionRepository


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        spatial = spatial_for(engine.dialect.name)
        self.layers = LayerRepository(engine, spatial)
        self.quartiere = QuartierRepository(engine, self.layers.version)
        self.ideas = IdeaRepository(engine, spatial)
        self.planners = PlannerRepository(engine)
        self.contact_exports = ContactExportRepository(engine)
        self.mail = MailRepository(engine)
        self.barriers = BarrierReportRepository(engine)
        self.photos = PhotoRepository(engine)
        self.comments = CommentRepository(engine)
        self.editing = EditingRepository(engine)
        self.versions = VersionRepository(engine)
        self.decision_path = DecisionPathRepository(engine)
        self.statistics = StatisticsRepository(engine, spatial)
        self.beirat = BeiratRepository(engine)
