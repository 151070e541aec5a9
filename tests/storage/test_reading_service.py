"""The reading service without Flask: answers, their ETags, and changed_at read first."""

from __future__ import annotations

import pytest
from werkzeug.http import generate_etag

from measures.domain.query import LayerQuery
from measures.reading.cache import LayerCache
from measures.reading.service import ReadingService
from tests import factories

# Each runs on SQLite and on PostgreSQL/PostGIS.
pytestmark = pytest.mark.both_databases


class Recording:
    """A repository (or the store), with the order in which a service asks it."""

    def __init__(self, target, calls: list[str]):
        self.target = target
        self.calls = calls

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.target, name)


class RecordingStore(Recording):
    """The store whose layer repository records what the service reads."""

    def __init__(self, store):
        super().__init__(store, [])
        self.layers = Recording(store.layers, self.calls)


def test_changed_at_is_read_once_and_before_the_rows_or_the_index(store):
    store.ideas.add(factories.idea("a1"))
    answers = {
        "layer": lambda s: s.layer("ideas", LayerQuery()),
        "points": lambda s: s.idea_points(LayerQuery.of(category={"wohnen"})),
        "feature": lambda s: s.feature("ideas", "a1"),
    }
    for size in (0, 1024 * 1024):  # from the database, and through a new layer index
        for name, answer in answers.items():
            recording = RecordingStore(store)
            answer(ReadingService(recording, LayerCache(size)))
            # The layer's version: its number of changes and changed_at, in one read.
            assert recording.calls[0] == "version", (size, name, recording.calls)
            assert recording.calls.count("version") == 1, (size, name)
            assert len(recording.calls) > 1, (size, name)  # it read the rows, or the index


def test_answers_carry_the_layers_change_and_etags_like_werkzeugs(store):
    store.ideas.add(factories.idea("a1"))
    service = ReadingService(store, LayerCache(0))
    changed_at = store.layers.changed_at("ideas")
    for answer in (
        service.layer("ideas", LayerQuery()),
        service.idea_points(LayerQuery()),
        service.feature("ideas", "a1"),
    ):
        assert answer.last_modified == changed_at
        # Without the cache every ETag is the hash of the body, as werkzeug writes it.
        assert answer.etag == generate_etag(answer.body)
    assert service.feature("ideas", "gibt-es-nicht") is None


def test_a_cached_answer_is_the_same_answer(store):
    store.ideas.add(factories.idea("a1"))
    service = ReadingService(store, LayerCache(1024 * 1024))
    first = service.layer("ideas", LayerQuery())
    again = service.layer("ideas", LayerQuery())
    assert again.parts == first.parts and again.etag == first.etag
    assert again.media_type == "application/geo+json"
