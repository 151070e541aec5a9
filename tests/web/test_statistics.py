"""The planners' statistics page: its tables equal counts made here over the ideas the
test stored, each CSV equals its table, bad filters get a German 400, and only planners
with the role "moderate" in the Quartier see any of it."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import statistics as pystats
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from measures.domain.vocabulary import CATEGORIES, MODERATION_STATES
from tests.factories import PASSWORD, add_example_quartier, create_planner, idea

PAGE = "/planung/statistik/"


class _Tables(HTMLParser):
    """The statistics tables of a page: name → rows of cell texts (head row first)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _number(text: str) -> float | None:
    """A figure as the German page or the CSV writes it: 1.234 / 1234 / 3,5 / –."""
    if text in ("–", ""):
        return None
    return float(text.replace(".", "").replace(",", "."))


def _login(client, name="lea"):
    html = client.get("/planung/anmelden").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = client.post(
        "/planung/anmelden", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302


# (id, Handlungsfeld, state, created, days to decision, supports, lon, lat)
IDEAS = [
    ("a", "wohnen", "approved", datetime(2026, 1, 5, 10, tzinfo=UTC), 2, 5, 8.4740, 50.5655),
    ("b", "wohnen", "approved", datetime(2026, 1, 20, tzinfo=UTC), 4, 9, 8.4741, 50.5656),
    ("c", "spiel_freizeit", "rejected", datetime(2026, 2, 3, tzinfo=UTC), 10, 0, 8.4700, 50.5640),
    ("d", "spiel_freizeit", "pending", datetime(2026, 4, 1, tzinfo=UTC), None, 0, 8.4745, 50.566),
    ("e", "fuss_radverkehr", "approved", datetime(2026, 4, 9, tzinfo=UTC), 1, 1, 8.4720, 50.5650),
    ("f", "wohnen", "deleted", datetime(2026, 4, 30, tzinfo=UTC), 3, 0, 8.4730, 50.5660),
]


@pytest.fixture
def stored(store):
    records = []
    for key, category, state, created, days, supports, lon, lat in IDEAS:
        record = idea(
            key,
            category=category,
            state=state,
            created_at=created,
            supports=supports,
            lon=lon,
            lat=lat,
        )
        if days is not None:
            record = dataclasses.replace(record, decided_at=created + timedelta(days=days))
        store.ideas.add(record)
        records.append(record)
    return records


def _column(table, label_first=True):
    return {row[0]: _number(row[-1]) for row in table[1:]}


@pytest.mark.both_databases
def test_the_page_shows_the_counts_of_the_stored_ideas(client, planner, stored):
    _login(client)
    answer = client.get(PAGE)
    assert answer.status_code == 200
    tables = _tables(answer.get_data(as_text=True))

    by_category = Counter(i.category for i in stored)
    assert _column(tables["handlungsfelder"]) == {
        label: by_category.get(key, 0) for key, label in CATEGORIES.items()
    }
    by_state = Counter(i.moderation_state for i in stored)
    assert _column(tables["status"]) == {
        label: by_state.get(key, 0) for key, label in MODERATION_STATES.items()
    }
    # Every month from the first to the last, the empty March too.
    assert _column(tables["monate"]) == {"2026-01": 2, "2026-02": 1, "2026-03": 0, "2026-04": 3}
    days = [
        (i.decided_at - i.created_at).days
        for i in stored
        if i.moderation_state in ("approved", "rejected")
    ]
    median_row, count_row = tables["entscheidung"][1:]
    assert _number(median_row[1]) == pytest.approx(pystats.median(days))
    assert _number(count_row[1]) == len(days)
    approved = sorted(
        (i for i in stored if i.moderation_state == "approved" and i.supports),
        key=lambda i: -i.supports,
    )
    assert [(row[1], _number(row[3])) for row in tables["unterstuetzungen"][1:]] == [
        (i.title, i.supports) for i in approved
    ]
    assert sum(_number(row[2]) for row in tables["raster"][1:]) == len(stored)


@pytest.mark.both_databases
def test_each_csv_holds_exactly_its_tables_numbers(client, planner, stored):
    _login(client)
    query = "?von=2026-01-01&bis=2026-04-08&handlungsfeld=wohnen&handlungsfeld=spiel_freizeit"
    tables = _tables(client.get(PAGE + query).get_data(as_text=True))
    assert set(tables) == {
        "handlungsfelder",
        "monate",
        "status",
        "entscheidung",
        "unterstuetzungen",
        "massnahmen",
        "raster",
    }
    # The filters took effect: two fields, the ideas up to 8 April.
    assert _column(tables["handlungsfelder"]) == {"Wohnen": 2, "Spiel und Freizeit": 2}
    for name, table in tables.items():
        answer = client.get(f"{PAGE}{name}.csv{query}")
        assert answer.status_code == 200, name
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in answer.headers["Content-Disposition"]
        body = answer.get_data()
        assert body.startswith(b"\xef\xbb\xbf")  # the BOM German Excel needs for UTF-8
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == table[0], name
        assert len(rows) == len(table), name
        for csv_row, html_row in zip(rows[1:], table[1:], strict=True):
            for csv_cell, html_cell in zip(csv_row, html_row, strict=True):
                if _is_number(html_cell):
                    assert _number(csv_cell) == pytest.approx(_number(html_cell)), name
                else:
                    assert csv_cell == html_cell, name


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"–|-?[\d.]+(,\d+)?", text))


def test_an_empty_quartier_says_so(client, planner):
    _login(client)
    answer = client.get(PAGE)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "noch keine Ideen" in html
    tables = _tables(html)
    assert all(value == 0 for value in _column(tables["handlungsfelder"]).values())


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?von=2026-13-01", "von", "Bitte ein Datum wie 2026-11-30 angeben"),
        ("?bis=gestern", "bis", "Bitte ein Datum wie 2026-11-30 angeben"),
        ("?von=2026-05-01&bis=2026-04-01", "bis", "Das Ende des Zeitraums liegt vor"),
        ("?handlungsfeld=unbekannt", "handlungsfeld", "Bitte nur Handlungsfelder"),
    ],
)
def test_bad_filters_get_a_german_message_on_the_field(
    client, planner, stored, query, field, message
):
    _login(client)
    for path in (PAGE, f"{PAGE}status.csv"):
        answer = client.get(path + query)
        assert answer.status_code == 400
        html = answer.get_data(as_text=True)
        assert message in html
        assert f'id="{field}-error"' in html
        assert "Traceback" not in html and "SELECT" not in html


def test_anonymous_visitors_and_other_roles_get_nothing(client, runner, seed, store, stored):
    for path in (PAGE, f"{PAGE}status.csv"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert "/planung/anmelden" in answer.headers["Location"]
    # Two Quartiere: a new account has no role; "edit" alone is not "moderate".
    add_example_quartier(store, seed)
    create_planner(runner, "ben")
    result = runner.invoke(
        args=["planner", "grant", "ben", "--quartier", "dalheim", "--role", "edit"]
    )
    assert result.exit_code == 0, result.output
    _login(client, "ben")
    for path in (PAGE, f"{PAGE}status.csv", f"{PAGE}raster.csv"):
        assert client.get(path).status_code == 404
    assert client.get(f"{PAGE}unbekannt.csv").status_code == 404


def test_an_unknown_table_is_not_found(client, planner):
    _login(client)
    assert client.get(f"{PAGE}unbekannt.csv").status_code == 404


def test_the_planners_start_page_links_the_statistics(client, planner):
    _login(client)
    html = client.get("/planung/").get_data(as_text=True)
    assert 'href="/q/dalheim/planung/statistik/"' in html
