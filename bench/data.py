"""Synthetic data for the benchmarks: approved ideas spread over the Quartier, in bulk.

``store.ideas.add`` writes three rows in a transaction per idea, which is right for a
resident's submission but slow for a million. These helpers insert rows into
``schema.ideas`` directly: multi-row inserts on both backends, COPY on PostgreSQL for the
large sets. The rows look like approved ideas (no contact data, no history) and the
layer's ``changed_at`` is bumped afterwards, as the store does.

Texts are drawn word by word from a few hundred German words, not from a handful of whole
sentences, so that they compress about as badly as real ones would; their length is
what a resident typically writes (a title of three to eight words, a description of one
to four sentences).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import shapely
import sqlalchemy as sa
from shapely.geometry import Point
from shapely.prepared import prep

from measures.domain.model import Idea
from measures.domain.seed import read_seed
from measures.domain.vocabulary import CATEGORIES
from measures.storage import schema
from measures.storage.store import Store
from measures.storage.transaction import transaction

WORDS = (
    "Bank Bänke Baum Bäume Spielplatz Weg Wege Licht Beleuchtung Straße Gehweg Radweg "
    "Fahrradständer Mülleimer Hecke Wiese Blumen Beet Beete Hochbeet Garten Gemeinschaftsgarten "
    "Treffpunkt Café Nachbarschaft Kinder Jugendliche Senioren Familien Eltern Schule Kita "
    "Bushaltestelle Haltestelle Dach Schatten Sonne Wasser Trinkbrunnen Brunnen Toilette "
    "Parkplatz Autos Tempo Zebrastreifen Ampel Kreuzung Ecke Platz Hof Innenhof Fassade "
    "Graffiti Kunst Wand Mauer Zaun Tor Eingang Treppe Rampe Aufzug barrierefrei Rollstuhl "
    "Kinderwagen sicher sauber ruhig laut dunkel hell grün schön neu alt kaputt gefährlich "
    "mehr weniger besser schneller langsamer abends morgens nachts sonntags Sommer Winter "
    "Regen Schnee Laub Hunde Hundewiese Kotbeutel Spender Tischtennis Basketball Bolzplatz "
    "Skateranlage Schaukel Rutsche Sandkasten Klettergerüst Sitzgelegenheit Überdachung "
    "Pavillon Grillplatz Fest Flohmarkt Markt Bäcker Laden Einkauf Apotheke Arzt Beratung "
    "Sprachkurs Hausaufgaben Hilfe Nachhilfe Bücherschrank Tauschregal Werkstatt Repair "
    "Fahrrad Lastenrad Carsharing Ladestation Busverbindung Fahrplan Takt Linie Berliner Ring "
    "Hohe Straße Mühlstück Schwalbengraben Altenberger Dalheim Wetzlar Quartier Stadtteil "
    "Beirat Stadt Verwaltung Hausmeister Vermieter Wohnungen Balkon Keller Müll Tonnen "
    "Sperrmüll Recycling Container Glas Papier Pfand Schild Hinweis Karte Plan Info Tafel "
    "Kasten Aushang App Internet WLAN Strom Solar Begrünung Insekten Vögel Nistkasten "
    "Obstbaum Äpfel Kirschen Kräuter Gemüse Kompost Regentonne Gießen Pflege Patenschaft "
    "wir ich man bitte dringend endlich wieder gerne gemeinsam zusammen vielleicht oft immer "
    "sehr viel wenig etwas ganz gut könnte sollte würde wäre gibt fehlt braucht wünschen "
    "vorschlagen helfen bauen pflanzen aufstellen reparieren erneuern verbessern öffnen "
    "schließen reinigen streichen beleuchten sichern prüfen planen treffen spielen sitzen "
    "warten laufen fahren parken einkaufen lernen feiern reden kennenlernen mitmachen "
    "der die das ein eine einen dem den des und oder aber weil dass wenn damit für mit ohne "
    "an auf in im am vom zum zur bei nach vor hinter neben zwischen über unter gegenüber"
).split()

# Seconds between the earliest and the latest synthetic idea: two years of submissions.
SPAN_S = 2 * 365 * 24 * 3600
START = datetime(2025, 1, 1, tzinfo=UTC)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    return text[0].upper() + text[1:]


def quartier_points(count: int, seed: int = 8) -> list[tuple[float, float]]:
    """``count`` points spread evenly at random inside the Quartier's boundary."""
    boundary = read_seed().quartier.geometry
    inside = prep(boundary)
    minx, miny, maxx, maxy = boundary.bounds
    rng = random.Random(seed)  # noqa: S311 - reproducible data, no secret
    points: list[tuple[float, float]] = []
    while len(points) < count:
        # Draw in batches and keep those inside: the boundary fills most of its box.
        xs = [rng.uniform(minx, maxx) for _ in range(count)]
        ys = [rng.uniform(miny, maxy) for _ in range(count)]
        for x, y in zip(xs, ys, strict=True):
            if inside.contains(Point(x, y)):
                points.append((x, y))
                if len(points) == count:
                    break
    return points


def idea_rows(count: int, seed: int = 8) -> Iterator[dict]:
    """Rows of ``schema.ideas`` for ``count`` approved ideas (deterministic for ``seed``)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, no secret
    categories = list(CATEGORIES)
    points = quartier_points(count, seed)
    seen: set[str] = set()
    for lon, lat in points:
        # Twelve random hex digits like a real idea's id (secrets.token_hex(6)): ids in
        # sequence would compress better than real ones and flatter the page weight.
        idea_id = f"{rng.getrandbits(48):012x}"
        while idea_id in seen:
            idea_id = f"{rng.getrandbits(48):012x}"
        seen.add(idea_id)
        created = START + timedelta(
            seconds=rng.randrange(SPAN_S), microseconds=rng.randrange(10**6)
        )
        description = ". ".join(_sentence(rng, 5, 14) for _ in range(rng.randint(1, 4))) + "."
        yield {
            "id": idea_id,
            # The seed's only Quartier (geodata/dalheim/).
            "quartier": "dalheim",
            "title": _sentence(rng, 3, 8),
            "description": description,
            "category": rng.choice(categories),
            "moderation_state": "approved",
            "moderation_reason": "",
            "supports": rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8, 13)),
            "geom_wkb": shapely.to_wkb(Point(lon, lat)),
            "geom_type": "Point",
            "minx": lon,
            "miny": lat,
            "maxx": lon,
            "maxy": lat,
            "created_at": created,
            "updated_at": created + timedelta(days=rng.randint(0, 14)),
            "status_token_hash": None,
            "original_title": None,
            "original_description": None,
            "duplicate_of": None,
            "measure_id": None,
            "decided_at": created + timedelta(days=rng.randint(0, 14)),
        }


def touch_ideas(store: Store) -> None:
    """Bump the ideas layer's ``changed_at`` as every use case that changes it does."""
    with transaction(store.engine) as tx:
        tx.changing("ideas")


def one_change_each(store: Store, count: int, seed: int = 9) -> Iterator[str]:
    """Changes of single ideas as planners make them, approve, edit, delete in turn,
    ``count`` of each at most; yields the name of each after it is made.

    The ideas to approve come in pending first (which does not change the layer).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible data, no secret
    ((lon, lat),) = quartier_points(1, seed)
    for n in range(count):
        store.ideas.add(
            Idea(
                id=f"bench{n:06d}",
                quartier="dalheim",
                title=_sentence(rng, 3, 8),
                description=_sentence(rng, 8, 20),
                category=rng.choice(list(CATEGORIES)),
                geometry=Point(lon, lat),
                created_at=datetime.now(UTC),
                moderation_state="pending",
            )
        )
    t = schema.ideas
    with store.engine.connect() as connection:
        approved = (
            connection.execute(
                sa.select(t.c.id).where(t.c.moderation_state == "approved").limit(2 * count)
            )
            .scalars()
            .all()
        )
    for n in range(count):
        store.ideas.approve(f"bench{n:06d}", "bench")
        yield "approved"
        store.ideas.edit(approved[2 * n], "bench", _sentence(rng, 3, 8), _sentence(rng, 8, 20))
        yield "changed"
        store.ideas.delete(approved[2 * n + 1], "bench")
        yield "deleted"


def insert_ideas(store: Store, count: int, seed: int = 8, batch: int = 5000) -> None:
    """Insert ``count`` approved ideas with multi-row INSERTs (both backends)."""
    rows = idea_rows(count, seed)
    with store.engine.begin() as connection:
        while True:
            chunk = [row for _, row in zip(range(batch), rows, strict=False)]
            if not chunk:
                break
            connection.execute(schema.ideas.insert(), chunk)
    touch_ideas(store)


COPY_COLUMNS = (
    "id",
    "quartier",
    "title",
    "description",
    "category",
    "moderation_state",
    "moderation_reason",
    "supports",
    "geom_wkb",
    "geom_type",
    "minx",
    "miny",
    "maxx",
    "maxy",
    "created_at",
    "updated_at",
    "decided_at",
)


def copy_ideas(store: Store, count: int, seed: int = 8) -> None:
    """Insert ``count`` approved ideas with PostgreSQL's COPY (PostgreSQL only).

    The GiST index is dropped during the load and built once afterwards, which is much
    faster than keeping it up to date row by row.
    """
    if store.engine.dialect.name != "postgresql":
        raise ValueError("COPY needs PostgreSQL")
    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS ix_ideas_geom")
            statement = f"COPY ideas ({', '.join(COPY_COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in idea_rows(count, seed):
                    copy.write_row([row[c] for c in COPY_COLUMNS])
            cursor.execute("CREATE INDEX ix_ideas_geom ON ideas USING GIST (geom)")
            cursor.execute("ANALYZE ideas")
        raw.commit()
    finally:
        raw.close()
    touch_ideas(store)


def count_ideas(store: Store) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(schema.ideas)).scalar()
