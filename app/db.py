"""The app's one connection to storage, and the database commands of the Flask CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, OperationalError

from measures.domain.seed import GEODATA_DIR, read_seed
from measures.domain.validation import InvalidFeatures
from measures.storage import Store, create_engine_for, upgrade
from measures.storage.maintenance import (
    MaintenanceError,
    backup_sqlite,
    copy_database,
    restore_sqlite,
)

_KEY = "quartierskarte.store"

db_cli = AppGroup("db", help="Datenbank anlegen, migrieren und mit Geodaten füllen.")


def get_store() -> Store:
    """The store of the current app; views never open connections themselves."""
    return current_app.extensions[_KEY]


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = Store(create_engine_for(app.config["DATABASE_URL"]))
    app.cli.add_command(db_cli)
    app.cli.add_command(privacy_cli)


def _load_seed(directory: Path, tolerance: float) -> None:
    try:
        seed = read_seed(directory, tolerance)
    except InvalidFeatures as error:
        click.echo(f"Die Geodaten wurden nicht geladen ({len(error.problems)} Fehler):", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    report = get_store().load_seed(seed)
    for layer in report.created:
        click.echo(
            f"{layer}: {len(report.created[layer])} neu, {len(report.updated[layer])} geändert, "
            f"{len(report.unchanged[layer])} unverändert"
        )


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Legt die Tabellen an oder migriert sie auf den neuesten Stand."""
    upgrade(get_store().engine)
    click.echo("Datenbank ist auf dem neuesten Stand.")


@db_cli.command("load-seed")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=GEODATA_DIR,
    show_default=True,
    help="Ordner mit quartier.geojson, measures.geojson und locations.geojson.",
)
def load_seed_command(directory: Path) -> None:
    """Lädt die Geodaten (Quartier, Maßnahmen, Orte) neu; Ideen bleiben unberührt."""
    _load_seed(directory, current_app.config["QUARTIER_TOLERANCE_M"])


@db_cli.command("init")
def init_command() -> None:
    """Migriert die Datenbank und lädt die mitgelieferten Geodaten (wiederholbar)."""
    upgrade(get_store().engine)
    _load_seed(GEODATA_DIR, current_app.config["QUARTIER_TOLERANCE_M"])


def _fail(error: Exception) -> None:
    click.echo(f"Fehler: {error}", err=True)
    raise SystemExit(1)


def _sqlite_file_step(step: Callable[[Engine, Path], None], path: Path, done: str) -> None:
    """Backup or restore: run ``step`` on the app's database and the file, then say ``done``."""
    try:
        step(get_store().engine, path)
    except MaintenanceError as error:
        _fail(error)
    click.echo(f"{done}: {path}")


@db_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Schreibt eine konsistente Sicherung der SQLite-Datenbank nach TARGET (auch im Betrieb)."""
    _sqlite_file_step(backup_sqlite, target, "Sicherung geschrieben")


@db_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Ohne Rückfrage überschreiben.")
def restore_command(source: Path, yes: bool) -> None:
    """Ersetzt den Inhalt der SQLite-Datenbank durch die Sicherung SOURCE."""
    if not yes:
        click.confirm(
            "Alle Daten der Datenbank werden durch die Sicherung ersetzt. Fortfahren?", abort=True
        )
    _sqlite_file_step(restore_sqlite, source, "Sicherung wiederhergestellt")


@db_cli.command("copy-to")
@click.argument("target_url")
def copy_to_command(target_url: str) -> None:
    """Kopiert alle Daten (samt Ideen und Moderationsverlauf) in die leere Datenbank TARGET_URL."""
    try:
        target = create_engine_for(target_url)
    except (ValueError, ArgumentError):
        _fail(ValueError("TARGET_URL ist keine gültige Datenbank-Adresse (postgresql://…)."))
    try:
        counts = copy_database(get_store().engine, target)
    except MaintenanceError as error:
        _fail(error)
    except OperationalError:
        _fail(ValueError("Die Zieldatenbank ist nicht erreichbar; Adresse und Zugang prüfen."))
    finally:
        target.dispose()
    for table, count in counts.items():
        click.echo(f"{table}: {count} Zeilen kopiert")


privacy_cli = AppGroup("privacy", help="Datenschutz: personenbezogene Daten fristgerecht löschen.")


@privacy_cli.command("purge-contacts")
def purge_contacts_command() -> None:
    """Löscht Name und E-Mail entschiedener Ideen nach Ablauf der Frist (für cron)."""
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    cutoff = datetime.now(UTC) - timedelta(days=days)
    count = get_store().purge_contacts(cutoff)
    click.echo(f"Kontaktdaten von {count} Ideen gelöscht (entschieden vor mehr als {days} Tagen).")
