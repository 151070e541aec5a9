"""A layer's index follows a change by the records it changed, and equals one built anew.

After a change a worker does not read the whole layer again: it reads the records the
layer's log names since the version its index holds (``LayerRepository.delta``) and
replaces their features (``LayerIndex.updated``). For random sequences of the use cases
that change ideas and measures, the index so updated must equal an index built from the
database, feature for feature, and answer the same bytes; and under gunicorn with two
workers every worker must show a change in its very next response.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from measures.domain.query import LayerQuery
from measures.domain.vocabulary import CATEGORIES
from measures.reading import layer_index
from measures.reading.index_slots import ATTRIBUTE
from measures.reading.layer_index import LayerIndex, read_index, update_index
from measures.storage.transaction import transaction
from tests import factories
from tests.web.gunicorn_server import GunicornServer, read_log, request

pytestmark = pytest.mark.both_databases

QUERIES = [
    LayerQuery(),
    LayerQuery(filters=(("category", frozenset({"wohnen", "verkehr"})),)),
    *(
        LayerQuery(bbox=(x, y, x + 0.006, y + 0.004))
        for x in (8.462, 8.466, 8.470, 8.474, 8.478)
        for y in (50.558, 50.562, 50.566, 50.570)
    ),
]


def _snapshot(index: LayerIndex, layer: str) -> dict:
    """What an index answers with, and what it holds per live feature in the layer's
    order (an updated index keeps features that went, marked, and new ones at the end
    of its entries: ``ordered`` lists its features)."""
    rows = index.ordered
    live = index.by_minx[index.live[index.by_minx]]
    attributes = {
        name: [{n: v for v, n in numbers.items()}[c] for c in codes[rows].tolist()]
        for name, (codes, numbers) in index.attributes.items()
    }
    snapshot = {
        "features": index.features[rows].tolist(),
        "ids": index.ids[rows].tolist(),
        "keys": index.keys[rows].tolist(),
        "bounds": [a[rows].tolist() for a in (index.minx, index.miny, index.maxx, index.maxy)],
        # The order by minx (kept up to date, not sorted again, after a change): every
        # live feature once, by minx.
        "by_minx": sorted(index.ids[live].tolist()),
        "sorted_minx": index.minx[live].tolist(),
        "sorted_minx_held": index.sorted_minx[index.live[index.by_minx]].tolist(),
        "attributes": attributes,
        "digest": index.digest,
        "answers": [index.select(q) for q in QUERIES],
        "etags": [index.etag(layer, q) for q in QUERIES],
    }
    if layer == "ideas":
        snapshot["points"] = [index.points_json(q) for q in QUERIES]
    return snapshot


def _internals(index: LayerIndex) -> dict:
    """Every entry an index holds, as it holds them: after ``compacted`` the same as
    built anew."""
    values = {
        name: index.slots.view(name, index.size).tolist()
        for name in index.slots.arrays
        if not name.startswith(ATTRIBUTE)
    }
    # Attributes by value: a compacted index may number values no feature has any more.
    for name, (codes, numbers) in index.attributes.items():
        values[name] = [{n: v for v, n in numbers.items()}[c] for c in codes.tolist()]
    return {
        "size": index.size,
        "live": index.live.tolist(),
        "ordered": index.ordered.tolist(),
        **values,
        "by_minx": index.minx[index.by_minx].tolist(),
        "sorted_minx": index.sorted_minx.tolist(),
        "nbytes": index.nbytes,
        "digest": index.digest,
    }


def _random_idea(rng: random.Random, n: int, state: str):
    return factories.idea(
        f"r{rng.randrange(16**6):06x}{n}",
        state=state,
        title=f"Idee {n}",
        category=rng.choice(list(CATEGORIES)),
        lon=round(rng.uniform(8.462, 8.486), 6),
        lat=round(rng.uniform(50.558, 50.574), 6),
        # Few distinct times, so that the order often falls back on the id.
        created_at=datetime(2026, 6, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 5)),
        supports=rng.randint(0, 3),
    )


def _one_change(store, rng: random.Random, n: int) -> str:
    """One use case changing ideas (and, converting, measures), chosen at random."""
    ideas = store.ideas.find(["pending", "approved"])
    # Converted ideas stay pending, but are done with.
    pending = sorted(i.id for i in ideas if i.moderation_state == "pending" and not i.measure_id)
    approved = sorted(i.id for i in ideas if i.moderation_state == "approved")
    choices = ["add approved", "add pending", "add pending"]
    if pending:
        choices += ["approve", "approve", "reject", "convert"]
    if approved:
        choices += ["edit", "support", "delete", "withdraw"]
    action = rng.choice(choices)
    if action == "add approved":
        store.ideas.add(_random_idea(rng, n, "approved"))
    elif action == "add pending":
        store.ideas.add(_random_idea(rng, n, "pending"))
    elif action == "approve":
        store.ideas.approve(rng.choice(pending), "lea")
    elif action == "reject":
        store.ideas.reject(rng.choice(pending), "lea", "Nicht im Quartier.")
    elif action == "convert":
        store.ideas.convert_to_measure(rng.choice(pending), "lea", "https://example.org/i")
    elif action == "edit":
        store.ideas.edit(rng.choice(approved), "lea", f"Neuer Titel {n}", "Neuer Text.")
    elif action == "support":
        store.ideas.support(rng.choice(approved))
    elif action == "delete":
        store.ideas.delete(rng.choice(approved), "lea")
    else:
        store.ideas.withdraw(rng.choice(approved))
    return action


@pytest.mark.parametrize(("sequence", "room"), [(1, None), (2, None), (3, 2)])
def test_an_index_updated_by_random_changes_equals_one_built_anew(
    store, sequence, room, monkeypatch
):
    if room is not None:
        # Little room: the slots are copied (compacted) every few changes.
        monkeypatch.setattr(layer_index, "room_for", lambda size: room)
    rng = random.Random(sequence)
    for n in range(30):
        store.ideas.add(_random_idea(rng, n, rng.choice(["approved", "approved", "pending"])))
    held = {layer: read_index(store, layer) for layer in ("ideas", "measures")}
    for step in range(40):
        # One change, or several before the worker asks again.
        actions = [_one_change(store, rng, 100 + step * 10 + k) for k in range(rng.randint(1, 3))]
        for layer in ("ideas", "measures"):
            updated = update_index(store, layer, held[layer])
            assert updated is not None, (layer, actions)
            fresh = read_index(store, layer)
            assert updated.version == fresh.version
            assert _snapshot(updated, layer) == _snapshot(fresh, layer), (layer, actions)
            # Its live features copied into new slots: what a build holds, entry by entry.
            compacted = updated.compacted(0)
            assert _internals(compacted) == _internals(fresh.compacted(0)), (layer, actions)
            assert _snapshot(compacted, layer) == _snapshot(fresh, layer), (layer, actions)
            held[layer] = updated


def test_features_that_went_stay_held_but_are_never_answered(store):
    # Enough that two of them gone are few (see ``MOST_GONE``).
    for n in range(12):
        factories.add_idea(store, f"a{n}", lon=8.470 + n * 0.001, lat=50.565)
    held = read_index(store, "ideas")
    store.ideas.delete("a2", "lea")
    store.ideas.edit("a3", "lea", "Neu", "Neuer Text.")
    updated = update_index(store, "ideas", held)
    # Both old entries are still there, marked; the edited idea has a second one.
    assert updated.slots is held.slots
    assert updated.ids.tolist().count("a2") == 1 and updated.ids.tolist().count("a3") == 2
    queries = [*QUERIES, LayerQuery(bbox=(8.4715, 50.56, 8.4735, 50.57))]
    for query in queries:
        answered = [json.loads(f) for f in updated.select(query)]
        assert "a2" not in [f["id"] for f in answered]
        assert [f["properties"]["title"] for f in answered if f["id"] == "a3"] in ([], ["Neu"])
    box = [json.loads(f)["id"] for f in updated.select(queries[-1])]
    assert box == ["a3"]
    assert len(json.loads(updated.points_json(LayerQuery()))["lon"]) == 11
    # The version it came from still answers as it did.
    before = [json.loads(f) for f in held.select(LayerQuery())]
    assert sorted(f["id"] for f in before) == sorted(f"a{n}" for n in range(12))
    assert "Neu" not in [f["properties"]["title"] for f in before]


def test_two_versions_updated_from_the_same_one_are_both_right(store):
    """Two threads of a worker may update the same index after one change: only one
    writes after its entries, the other copies them (and both are right)."""
    for n in range(4):
        factories.add_idea(store, f"a{n}", lon=8.470 + n * 0.001)
    held = read_index(store, "ideas")
    factories.add_idea(store, "b1", lon=8.4755)
    first = update_index(store, "ideas", held)
    second = update_index(store, "ideas", held)
    assert first.slots is held.slots and second.slots is not held.slots
    fresh = read_index(store, "ideas")
    for index in (first, second):
        assert _snapshot(index, "ideas") == _snapshot(fresh, "ideas")
    # And each goes on from there.
    store.ideas.delete("a1", "lea")
    fresh = read_index(store, "ideas")
    for index in (first, second):
        assert _snapshot(update_index(store, "ideas", index), "ideas") == _snapshot(fresh, "ideas")


def test_a_change_of_any_record_makes_the_index_be_built_again(store):
    factories.add_idea(store, "a1")
    held = read_index(store, "ideas")
    # A writer that does not say which records it changed: the log cannot tell.
    with transaction(store.engine) as tx:
        tx.changing("ideas")
    assert update_index(store, "ideas", held) is None
    # Nothing changed since: the index is still right, at the layer's version.
    fresh = read_index(store, "ideas")
    assert update_index(store, "ideas", fresh).version == fresh.version


def test_after_a_change_the_worker_reads_the_changed_records_only(app, store, client, monkeypatch):
    for n in range(5):
        factories.add_idea(store, f"a{n}", lon=8.47 + n * 0.001)
    factories.add_idea(store, "p1", state="pending")
    urls = ["/api/layers/ideas", "/ogc/collections/ideas/items", "/api/layers/ideas/points"]
    for url in urls:
        assert client.get(url).status_code == 200

    def no_whole_layer(*args, **kwargs):
        raise AssertionError("the whole layer was read again after a change of one idea")

    app_store = app.extensions["quartierskarte.store"]
    monkeypatch.setattr(app_store.layers, "records", no_whole_layer)
    monkeypatch.setattr(app_store.layers, "page", no_whole_layer)
    store.ideas.approve("p1", "lea")
    ids = [f["id"] for f in client.get(urls[0]).get_json()["features"]]
    assert "p1" in ids and len(ids) == 6
    assert "p1" in [f["id"] for f in client.get(urls[1]).get_json()["features"]]
    assert len(client.get(urls[2]).get_json()["lon"]) == 6


def _ids_by_worker(server: GunicornServer, url: str, rounds: int) -> list[tuple[str, object]]:
    """(worker pid, answer) of requests one after the other: ``rounds`` of them, and more
    in batches of ``rounds`` until both workers have answered (the kernel hands each
    connection to whichever worker accepts first: on a busy machine one may take a dozen
    in a row), at most 25 batches."""
    path = url.split("?")[0]

    def logged() -> list[str]:
        return [pid for pid, _status, p in read_log(server.access_log) if p == path]

    before = len(logged())
    answers = []
    for _batch in range(25):
        for _ in range(rounds):
            status, text = request(server.base + url)
            assert status == 200
            answers.append(json.loads(text))
        # A worker writes its access log line just after the answer has gone out.
        deadline = time.monotonic() + 10
        while len(logged()) < before + len(answers) and time.monotonic() < deadline:
            time.sleep(0.05)
        if len(set(logged()[before:])) >= 2:
            break
    return list(zip(logged()[before:], answers, strict=True))


def _content(url: str, answer: dict) -> object:
    if url.endswith("/points"):
        return sorted(zip(answer["lon"], answer["lat"], strict=True))
    return sorted((f["id"], f["properties"]["title"]) for f in answer["features"])


def test_every_gunicorn_worker_shows_a_change_in_its_next_response(database_url, tmp_path, store):
    factories.add_idea(store, "a1", lon=8.470)
    factories.add_idea(store, "a2", lon=8.471)
    factories.add_idea(store, "p1", lon=8.472, state="pending")
    store.engine.dispose()
    server = GunicornServer(database_url, tmp_path, FLASK_RATELIMIT_API="100000 per minute")
    urls = [
        "/api/layers/ideas",
        "/ogc/collections/ideas/items?limit=100",
        "/api/layers/ideas/points",
    ]
    changes = [
        ("approve", lambda: store.ideas.approve("p1", "lea"), {"a1", "a2", "p1"}),
        ("edit", lambda: store.ideas.edit("a1", "lea", "Neu", "Neuer Text."), {"a1", "a2", "p1"}),
        ("delete", lambda: store.ideas.delete("a2", "lea"), {"a1", "p1"}),
    ]
    try:
        server.wait_until_every_worker_answers()
        # Both workers hold each answer and the index before the first change.
        for url in urls:
            served = _ids_by_worker(server, url, 12)
            assert len({pid for pid, _ in served}) == 2
        for name, change, expected_ids in changes:
            change()
            for url in urls:
                served = _ids_by_worker(server, url, 12)
                # Every answer after the change, from either worker, shows it.
                assert len({pid for pid, _ in served}) == 2, (name, url)
                contents = {json.dumps(_content(url, answer)) for _pid, answer in served}
                assert len(contents) == 1, (name, url)
                answer = served[0][1]
                if url.endswith("/points"):
                    assert len(answer["lon"]) == len(expected_ids), (name, url)
                else:
                    features = {f["id"]: f["properties"] for f in answer["features"]}
                    assert set(features) == expected_ids, (name, url)
                    if name != "approve":
                        assert features["a1"]["title"] == "Neu", (name, url)
    finally:
        errors = server.stop()
    assert "Traceback" not in errors
