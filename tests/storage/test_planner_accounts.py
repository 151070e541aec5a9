"""The accounts' use cases in the repository (``measures/storage/planners.py``), on both
databases: a setup link and a code each work once, also when two requests come at once;
the last admin of a Quartier keeps the role; every change writes its log entry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from measures.domain.accounts import new_setup_link
from measures.domain.errors import Conflict
from measures.storage.planners import LAST_ADMIN

# Each runs on SQLite and on PostgreSQL/PostGIS.
pytestmark = pytest.mark.both_databases

LATER = timedelta(days=7)


def _invite(store, name="mia", roles=("moderate",)):
    link = new_setup_link()
    planner_id = store.planners.invite(
        name,
        f"{name}@example.org",
        "dalheim",
        roles,
        link.token_hash,
        datetime.now(UTC) + LATER,
        "lea",
    )
    return planner_id, link


def test_a_setup_link_works_once_even_twice_at_once(store):
    planner_id, link = _invite(store)
    assert store.planners.by_setup_link(link.token_hash, datetime.now(UTC)).id == planner_id
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(
            pool.map(
                lambda n: store.planners.use_setup_link(link.token_hash, f"hash-{n}"), range(4)
            )
        )
    winners = [d for d in done if d is not None]
    assert len(winners) == 1
    assert store.planners.get(planner_id).password_hash == winners[0].password_hash
    assert store.planners.by_setup_link(link.token_hash, datetime.now(UTC)) is None
    assert store.planners.use_setup_link(link.token_hash, "hash-again") is None
    actions = [e.action for e in store.planners.events()]
    assert actions.count("password_set") == 1 and actions.count("invited") == 1


def test_an_expired_or_locked_accounts_link_does_not_work(store):
    planner_id, link = _invite(store)
    assert store.planners.by_setup_link(link.token_hash, datetime.now(UTC) + LATER) is None
    store.planners.set_active(planner_id, False, "lea", "dalheim")
    assert store.planners.by_setup_link(link.token_hash, datetime.now(UTC)) is None
    assert store.planners.use_setup_link(link.token_hash, "hash") is None
    assert not store.planners.get(planner_id).has_password


def test_a_code_is_taken_once_even_twice_at_once(store):
    planner_id, _link = _invite(store)
    store.planners.enable_totp(planner_id, "A" * 32, 100)
    assert not store.planners.accept_code(planner_id, 100)  # the setup's code is spent
    with ThreadPoolExecutor(max_workers=4) as pool:
        taken = list(pool.map(lambda _: store.planners.accept_code(planner_id, 101), range(4)))
    assert taken.count(True) == 1
    assert not store.planners.accept_code(planner_id, 100)  # an older one neither
    assert store.planners.accept_code(planner_id, 102)
    store.planners.remove_totp(planner_id, "lea", "dalheim")
    assert not store.planners.accept_code(planner_id, 103)  # no second factor, no code
    assert [e.action for e in store.planners.events()][:2] == ["totp_reset", "totp_enabled"]


def test_the_last_admin_of_a_quartier_keeps_the_role(store):
    lea, _ = _invite(store, "lea", ("admin",))
    with pytest.raises(Conflict) as refused:
        store.planners.set_roles(lea, "dalheim", {"moderate"}, lea)
    assert refused.value.message == LAST_ADMIN
    assert store.planners.roles(lea, "dalheim") == {"admin"}
    tom, _ = _invite(store, "tom", ("admin",))
    store.planners.set_active(tom, False, "lea", "dalheim")
    with pytest.raises(Conflict):  # a locked admin does not count
        store.planners.set_roles(lea, "dalheim", {"moderate"}, lea)
    store.planners.set_active(tom, True, "lea", "dalheim")
    store.planners.set_roles(lea, "dalheim", {"moderate", "edit"}, lea)
    assert store.planners.roles(lea, "dalheim") == {"moderate", "edit"}
    # Another admin may take it from someone else.
    store.planners.set_roles(lea, "dalheim", set(), tom)
    assert store.planners.roles(lea, "dalheim") == frozenset()
    entries = [(e.actor, e.action, e.planner, e.detail) for e in store.planners.events()][:2]
    assert entries == [
        ("tom", "roles_changed", "lea", "–"),
        ("lea", "roles_changed", "lea", "moderate, edit"),
    ]


def test_a_taken_name_is_refused_and_nothing_is_made(store):
    _invite(store)
    with pytest.raises(Conflict):
        _invite(store, roles=("admin",))
    (mia,) = store.planners.all()
    assert store.planners.roles(mia.id, "dalheim") == {"moderate"}
    assert [e.action for e in store.planners.events()] == ["invited"]


def test_the_log_of_a_quartier_holds_its_entries_and_its_planners_own(store, seed):
    from tests.factories import add_example_quartier

    add_example_quartier(store, seed)
    mia, _ = _invite(store)
    link = new_setup_link()
    other = store.planners.invite(
        "tom",
        "tom@example.org",
        "beispiel",
        {"edit"},
        link.token_hash,
        datetime.now(UTC) + LATER,
        "ada",
    )
    store.planners.change_password(mia, "neu")
    store.planners.change_password(other, "neu")
    dalheim = [(e.action, e.planner) for e in store.planners.events("dalheim")]
    assert dalheim == [("password_changed", "mia"), ("invited", "mia")]
    beispiel = [(e.action, e.planner) for e in store.planners.events("beispiel")]
    assert beispiel == [("password_changed", "tom"), ("invited", "tom")]
    assert store.planners.totp_required_everywhere() is False
    store.planners.set_totp_required_everywhere(True, "ada")
    store.planners.set_totp_required_everywhere(True, "ada")
    assert store.planners.totp_required_everywhere() is True
