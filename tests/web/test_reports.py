"""The printed reports as PDF: the Sitzungsunterlage of a Beirat session and the
Sachstandsbericht, read back with pypdf.

Each PDF is made once for the module (on a seeded SQLite database of the module's own)
and the tests read it: a PDF costs WeasyPrint about half a second. The session is stored
through the Beirat's storage with its outcomes, as a planner would record them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from io import BytesIO

import pypdf
import pytest

from app import create_app
from app import reports as reports_module
from measures.domain.beirat import (
    ITEM_KINDS,
    OUTCOMES,
    AgendaItem,
    OutcomeInput,
    Session,
    SessionInput,
)
from measures.domain.errors import NotFound, QueryError
from measures.domain.seed import SEED_DIR
from measures.storage import Store, create_engine_for
from tests.factories import PASSWORD, add_idea, create_planner

# The KiFaZ as the seed places it, and ideas around it (metres north, about).
METRES_PER_DEGREE_LAT = 111_200


def _seed_point(measure_id: str) -> tuple[float, float]:
    collection = json.loads((SEED_DIR / "measures.geojson").read_text(encoding="utf-8"))
    (feature,) = [f for f in collection["features"] if f["properties"]["id"] == measure_id]
    lon, lat = feature["geometry"]["coordinates"]
    return lon, lat


def _north(lon_lat: tuple[float, float], metres: float) -> dict:
    lon, lat = lon_lat
    return {"lon": lon, "lat": lat + metres / METRES_PER_DEGREE_LAT}


def _item(item_id, kind, ref, title="", text="", outcome=None, votes=(None, None, None), note=""):
    return AgendaItem(item_id, item_id, kind, ref, title, text, outcome, *votes, note)


SESSION = Session(
    id=1,
    quartier="dalheim",
    title="Sitzung des Stadtteilbeirats Dalheim",
    # 18:30 in Wetzlar (CET, UTC+1).
    starts_at=dt.datetime(2026, 12, 9, 17, 30, tzinfo=dt.UTC),
    ends_at=dt.datetime(2026, 12, 9, 19, 45, tzinfo=dt.UTC),
    place="Kinder- und Familienzentrum",
    address="Berliner Ring 39, 35576 Wetzlar",
    public=True,
    items=(
        _item(1, "measure", "kifaz", outcome="empfohlen", votes=(9, 1, 2), note="Mit Auflage."),
        _item(2, "idea", "bank-am-ring", outcome="zur_kenntnis"),
        _item(3, "topic", None, "Verschiedenes", "Termine der Sitzungen im Frühjahr."),
    ),
)


def _store_session(store: Store) -> None:
    """SESSION, through the Beirat's storage: the session, its items, their outcomes."""
    given = SessionInput(
        SESSION.title,
        SESSION.starts_at,
        SESSION.ends_at,
        SESSION.place,
        SESSION.address,
        SESSION.public,
    )
    session_id = store.beirat.create(SESSION.quartier, given, "lea")
    assert session_id == SESSION.id
    for item in SESSION.items:
        item_id = store.beirat.add_item(
            SESSION.quartier, session_id, item.kind, item.ref, item.title, item.text
        )
        assert item_id == item.id
        if item.outcome:
            votes = (item.votes_yes, item.votes_no, item.votes_abstain)
            outcome = OutcomeInput(item.outcome, *votes, item.note)
            store.beirat.record_outcome(SESSION.quartier, session_id, item_id, outcome, "lea")


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def _german_euro(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " €"


@pytest.fixture(scope="module")
def report_app(sqlite_templates, tmp_path_factory):
    """The app on a seeded database of the module's own, with ideas around the KiFaZ,
    a planner (admin: the only Quartier) and the Beirat's session."""
    folder = tmp_path_factory.mktemp("reports")
    path = folder / "quartierskarte.sqlite3"
    shutil.copyfile(sqlite_templates["seeded"], path)
    url = f"sqlite:///{path}"
    engine = create_engine_for(url)
    store = Store(engine)
    kifaz = _seed_point("kifaz")
    add_idea(store, "bank-am-ring", title="Bank am Berliner Ring", supports=7, **_north(kifaz, 60))
    add_idea(store, "baum-am-ring", title="Baum vor dem KiFaZ", supports=3, **_north(kifaz, 120))
    add_idea(store, "weit-weg", title="Idee weit weg", supports=5, **_north(kifaz, 400))
    add_idea(store, "wartet", title="Idee wartet noch", state="pending", **_north(kifaz, 30))
    _store_session(store)
    engine.dispose()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url})
    app.instance_path = str(folder / "instance")
    create_planner(app.test_cli_runner())
    yield app
    app.extensions["quartierskarte.store"].engine.dispose()


@pytest.fixture(scope="module")
def planner_client(report_app):
    client = report_app.test_client()
    path = "/planung/anmelden"
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(path, data={"username": "lea", "password": PASSWORD, "csrf_token": token})
    return client


@pytest.fixture(scope="module")
def paper_de(planner_client) -> bytes:
    answer = planner_client.get("/planung/berichte/sitzungen/1.pdf?sprache=de")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.get_data()


@pytest.fixture(scope="module")
def paper_en(report_app) -> bytes:
    # As the merger's session page calls it: a Session in hand, no lookup.
    with report_app.test_request_context("/planung/"):
        return reports_module.session_paper_pdf(SESSION, "en")


@pytest.fixture(scope="module")
def status_de(planner_client) -> bytes:
    answer = planner_client.get("/planung/berichte/sachstand.pdf")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == "application/pdf"
    assert re.search(
        r'filename="sachstandsbericht-dalheim-\d{4}-\d\d-\d\d\.pdf"', str(answer.headers)
    )
    return answer.get_data()


@pytest.fixture(scope="module")
def status_en(planner_client) -> bytes:
    answer = planner_client.get("/planung/berichte/sachstand.pdf?sprache=en")
    assert answer.status_code == 200
    return answer.get_data()


def _root(pdf: bytes):
    return pypdf.PdfReader(BytesIO(pdf)).trailer["/Root"]


@pytest.mark.parametrize(
    ("which", "language", "title"),
    [
        (
            "paper_de",
            "de",
            "Sitzungsunterlage: Sitzung des Stadtteilbeirats Dalheim, 9. Dezember 2026",
        ),
        ("paper_en", "en", "Sitzung des Stadtteilbeirats Dalheim, December 9, 2026"),
        ("status_de", "de", "Sachstandsbericht: Fördergebiet Dalheim"),
        ("status_en", "en", "Fördergebiet Dalheim"),
    ],
)
def test_each_pdf_is_tagged_with_its_language_and_title(request, which, language, title):
    pdf = request.getfixturevalue(which)
    reader = pypdf.PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert len(reader.pages) > 0
    assert root["/Lang"] == language
    assert title in reader.metadata.title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    # Tagged: a structure tree, and marked content (PDF/UA-1, said in the metadata).
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()


def _figures(node, found):
    node = node.get_object()
    if isinstance(node, pypdf.generic.DictionaryObject):
        if node.get("/S") == "/Figure":
            found.append(node.get("/Alt"))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
            if kid is not None:
                _figures(kid, found)
    return found


def test_the_map_is_a_figure_with_a_text_naming_the_agenda_numbers(paper_de):
    (alt,) = _figures(_root(paper_de)["/StructTreeRoot"], [])
    # The topic (3) has no place: only the measure and the idea are on the map.
    assert "Tagesordnungspunkten 1, 2 an ihrem Ort" in alt


def test_the_session_paper_has_cover_agenda_items_nearby_ideas_and_results(paper_de):
    text = _text(paper_de)
    # Cover: date and time in Wetzlar's time (UTC+1 in December), place, address.
    assert "9. Dezember 2026" in text
    assert "18:30 – 20:45" in text
    assert "Kinder- und Familienzentrum" in text and "Berliner Ring 39, 35576 Wetzlar" in text
    # Items, numbered as on the agenda, with their records' texts.
    assert "TOP 1: Kinder- und Familienzentrum (KiFaZ)" in text
    assert "TOP 2: Bank am Berliner Ring" in text
    assert "TOP 3: Verschiedenes" in text
    assert "Termine der Sitzungen im Frühjahr." in text
    # The KiFaZ's costs and funding, as the seed has them.
    assert _german_euro(8_370_000) in text
    assert "67 % gefördert" in text and _german_euro(round(8_370_000 * 0.667)) in text
    # Ideas within 150 m of the KiFaZ with their supports; not the far one, not the one
    # still waiting for moderation.
    assert "Baum vor dem KiFaZ Wohnumfeld und Grün 3" in text
    assert "Bank am Berliner Ring Wohnumfeld und Grün 7" in text
    assert "Idee weit weg" not in text
    assert "Idee wartet noch" not in text
    # Results: outcomes, votes, notes.
    assert "Ergebnisse der Sitzung" in text
    assert "empfohlen 9 1 2 Mit Auflage." in text
    assert "zur Kenntnis genommen" in text


def test_the_english_paper_is_english_around_the_german_data(paper_en):
    text = _text(paper_en)
    assert "December 9, 2026" in text
    assert "€8,370,000" in text
    # The data stay German.
    assert "Kinder- und Familienzentrum (KiFaZ)" in text


def test_a_paper_before_the_session_has_no_results_section(report_app):
    undecided = Session(
        **{
            **SESSION.__dict__,
            "items": tuple(
                AgendaItem(**{**i.__dict__, "outcome": None}) for i in SESSION.items[2:]
            ),
        }
    )
    with report_app.test_request_context("/planung/"):
        text = _text(reports_module.session_paper_pdf(undecided, "de"))
    assert "TOP 3: Verschiedenes" in text
    assert "Ergebnisse der Sitzung" not in text
    # Only a topic: nothing to place on a map.
    assert "Karte der Tagesordnung" not in text


def _seed_measures() -> list[dict]:
    collection = json.loads((SEED_DIR / "measures.geojson").read_text(encoding="utf-8"))
    return [f["properties"] for f in collection["features"]]


def test_the_status_report_sums_costs_and_funding_per_status_and_overall(status_de):
    text = _text(status_de)
    measures = _seed_measures()
    costs = [m["cost_eur"] for m in measures if m.get("cost_eur") is not None]
    funded = [
        round(m["cost_eur"] * m["funding_share"])
        for m in measures
        if m.get("cost_eur") is not None and m.get("funding_share") is not None
    ]
    completed = [m for m in measures if m["status"] == "abgeschlossen"]
    assert f"Gesamt {len(measures)} {_german_euro(sum(costs))}" in text
    assert _german_euro(sum(funded)) in text
    completed_costs = sum(m["cost_eur"] for m in completed if m.get("cost_eur") is not None)
    assert f"abgeschlossen {len(completed)} {_german_euro(completed_costs)}" in text
    # Every measure by title, and the report's date.
    for measure in measures:
        assert " ".join(measure["title"].split()) in text
    assert "Stand " in text and "Stadtverordnetenversammlung" in text


def test_the_english_status_report_writes_euros_the_english_way(status_en):
    total = sum(m["cost_eur"] for m in _seed_measures() if m.get("cost_eur") is not None)
    assert f"€{total:,}" in _text(status_en)


def test_planners_start_page_links_the_status_report(planner_client):
    start = planner_client.get("/planung/").get_data(as_text=True)
    assert 'href="/q/dalheim/planung/berichte/sachstand.pdf"' in start


@pytest.mark.parametrize(
    "path",
    ["/planung/berichte/sachstand.pdf?sprache=fr", "/planung/berichte/sitzungen/1.pdf?sprache=tr"],
)
def test_a_language_without_reports_is_a_clear_german_error(planner_client, path):
    answer = planner_client.get(path)
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert "Berichte gibt es auf Deutsch (sprache=de) und auf Englisch (sprache=en)." in (
        answer.get_data(as_text=True)
    )


def test_an_unknown_session_is_a_clear_german_error(planner_client):
    answer = planner_client.get("/planung/berichte/sitzungen/99.pdf")
    assert answer.status_code == 404
    assert "Diese Sitzung des Stadtteilbeirats gibt es nicht." in answer.get_data(as_text=True)


def test_bad_input_to_the_functions_is_refused_before_anything_is_drawn(report_app):
    elsewhere = Session(**{**SESSION.__dict__, "quartier": "nirgends"})
    with report_app.test_request_context("/planung/"):
        with pytest.raises(QueryError) as wrong_language:
            reports_module.session_paper_pdf(SESSION, "fr")
        with pytest.raises(NotFound) as unknown:
            reports_module.session_paper_pdf(elsewhere, "de")
        with pytest.raises(NotFound):
            reports_module.status_report_pdf("nirgends", "de")
    assert wrong_language.value.parameter == "sprache"
    assert "„nirgends“ gibt es nicht" in unknown.value.message


def test_reports_need_the_role_edit(client, runner, store):
    # With one Quartier every new account is its admin; the first takes lea's away.
    create_planner(runner, "chef")
    create_planner(runner)
    chef, lea = store.planners.by_name("chef"), store.planners.by_name("lea")
    store.planners.set_roles(lea.id, "dalheim", {"moderate"}, actor_id=chef.id)
    path = "/planung/anmelden"
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(path, data={"username": "lea", "password": PASSWORD, "csrf_token": token})
    assert client.get("/planung/berichte/sachstand.pdf").status_code == 404
    assert "sachstand.pdf" not in client.get("/planung/").get_data(as_text=True)


def test_every_outcome_and_kind_of_item_has_its_printed_label():
    assert tuple(reports_module.OUTCOME_LABELS) == OUTCOMES
    assert tuple(reports_module.ITEM_KIND_LABELS) == ITEM_KINDS
