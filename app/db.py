"""The app's one connection to storage, and the database commands of the Flask CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.exc import ArgumentError, OperationalError

from app.errors import Commands
from measures.domain.errors import UserError
from measures.domain.seed import GEODATA_DIR, read_seeds
from measures.domain.validation import InvalidFeatures
from measures.storage import Store, create_engine_for, upgrade
from measures.storage.maintenance import backup_sqlite, copy_database, restore_sqlite

_KEY = "quartierskarte.store"

db_cli = Commands("db", help="Datenbank anlegen, migrieren und mit Geodaten füllen.")


def get_store() -> Store:
    """The store of the current app; views never open connections themselves."""
    return current_app.extensions[_KEY]


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = Store(create_engine_for(app.config["DATABASE_URL"]))


def _load_seed(directory: Path, tolerance: float) -> None:
    """Load the Quartier folders under ``directory`` (or the one folder it is)."""
    try:
        seeds = read_seeds(directory, tolerance)
    except InvalidFeatures as error:
        click.echo(f"Die Geodaten wurden nicht geladen ({len(error.problems)} Fehler):", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    for seed in seeds:
        report = get_store().layers.load_seed(seed, tolerance)
        prefix = f"{seed.quartier.id}: " if len(seeds) > 1 else ""
        for layer in report.created:
            click.echo(
                f"{prefix}{layer}: {len(report.created[layer])} neu, "
                f"{len(report.updated[layer])} geändert, "
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
    help="Ordner mit einem Unterordner je Quartier (quartier.geojson, measures.geojson, "
    "locations.geojson), oder der Ordner eines Quartiers.",
)
def load_seed_command(directory: Path) -> None:
    """Lädt die Geodaten (Quartier, Maßnahmen, Orte) neu; Ideen bleiben unberührt."""
    _load_seed(directory, current_app.config["QUARTIER_TOLERANCE_M"])


@db_cli.command("init")
def init_command() -> None:
    """Migriert die Datenbank und lädt die mitgelieferten Geodaten (wiederholbar)."""
    upgrade(get_store().engine)
    _load_seed(GEODATA_DIR, current_app.config["QUARTIER_TOLERANCE_M"])


@db_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Schreibt eine konsistente Sicherung der SQLite-Datenbank nach TARGET (auch im Betrieb)."""
    backup_sqlite(get_store().engine, target)
    click.echo(f"Sicherung geschrieben: {target}")


@db_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Ohne Rückfrage überschreiben.")
def restore_command(source: Path, yes: bool) -> None:
    """Ersetzt den Inhalt der SQLite-Datenbank durch die Sicherung SOURCE."""
    if not yes:
        click.confirm(
            "Alle Daten der Datenbank werden durch die Sicherung ersetzt. Fortfahren?", abort=True
        )
    restore_sqlite(get_store().engine, source)
    click.echo(f"Sicherung wiederhergestellt: {source}")


@db_cli.command("copy-to")
@click.argument("target_url")
def copy_to_command(target_url: str) -> None:
    """Kopiert alle Daten (samt Ideen und Moderationsverlauf) in die leere Datenbank TARGET_URL."""
    try:
        target = create_engine_for(target_url)
    except (ValueError, ArgumentError):
        raise UserError(
            "TARGET_URL ist keine gültige Datenbank-Adresse (postgresql://…)."
        ) from None
    try:
        counts = copy_database(get_store().engine, target)
    except OperationalError:
        raise UserError(
            "Die Zieldatenbank ist nicht erreichbar; Adresse und Zugang prüfen."
        ) from None
    finally:
        target.dispose()
    for table, count in counts.items():
        click.echo(f"{table}: {count} Zeilen kopiert")


privacy_cli = Commands("privacy", help="Datenschutz: personenbezogene Daten fristgerecht löschen.")


def mail_retention_cutoffs() -> dict[str, datetime]:
    """The retention rules of subscriptions as times, for ``MailRepository.purge`` and
    ``confirm``: unconfirmed since before ``MAIL_CONFIRM_DAYS``, decided or answered
    before ``CONTACT_RETENTION_DAYS``."""
    now = datetime.now(UTC)
    return {
        "unconfirmed_before": now - timedelta(days=current_app.config["MAIL_CONFIRM_DAYS"]),
        "decided_before": now - timedelta(days=current_app.config["CONTACT_RETENTION_DAYS"]),
    }


@privacy_cli.command("purge-contacts")
def purge_contacts_command() -> None:
    """Löscht Name und E-Mail entschiedener Ideen nach Ablauf der Frist (für cron)."""
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    cutoffs = mail_retention_cutoffs()
    cutoff = cutoffs["decided_before"]
    count = get_store().ideas.purge_contacts(cutoff)
    click.echo(f"Kontaktdaten von {count} Ideen gelöscht (entschieden vor mehr als {days} Tagen).")
    confirm_days = current_app.config["MAIL_CONFIRM_DAYS"]
    subscriptions = get_store().mail.purge(**cutoffs)
    click.echo(
        f"{subscriptions} E-Mail-Benachrichtigungen gelöscht (nicht bestätigt nach "
        f"{confirm_days} Tagen, oder zu Ideen, die vor mehr als {days} Tagen entschieden wurden)."
    )
    reports = get_store().barriers.purge_contacts(cutoff)
    click.echo(
        f"E-Mail-Adressen von {reports} Meldungen von Barrieren gelöscht "
        f"(beantwortet vor mehr als {days} Tagen)."
    )
    hidden = get_store().comments.purge_hidden(cutoff)
    click.echo(f"{hidden} abgelehnte Kommentare gelöscht (abgelehnt vor mehr als {days} Tagen).")
