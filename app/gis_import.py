"""Planners bring edited layers back from their GIS: upload, dry run, apply.

The uploaded file waits in a folder on disk (``IMPORT_FOLDER``, default
``instance/imports``) under a random token, so the preview and the apply step may run in
different workers. Nothing of the dry run is kept: the apply step reads the file again,
plans again and applies only when the plan's fingerprint equals the one the planner saw.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, gettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from app import quartiere
from app.auth import current_planner, planner_required
from app.db import get_store
from app.history import author
from app.i18n import translate
from app.quartiere import current_quartier
from app.security import csrf
from measures.domain.errors import Conflict
from measures.domain.layers import LAYERS
from measures.gis.files import GisFileError, ImportLimits, read_upload, upload_kind
from measures.gis.importing import ImportPlan, plan_import

bp = Blueprint("gis_import", __name__, url_prefix="/planung/import")

IMPORT_LAYERS = ("measures", "locations")
STALE_ONLY = (
    "Die Datei wurde exportiert, bevor diese Objekte in der Karte geändert wurden; "
    "übernommen wird nichts, damit die neueren Änderungen nicht verloren gehen. Bitte die "
    "Ebene neu exportieren und die Änderungen in der neuen Datei eintragen."
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
META = "meta.json"


def _folder() -> Path:
    configured = current_app.config.get("IMPORT_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def _remove_stale(folder: Path) -> None:
    """Uploads nobody applied or discarded go after ``IMPORT_MAX_AGE_S``."""
    if not folder.is_dir():
        return
    cutoff = time.time() - current_app.config["IMPORT_MAX_AGE_S"]
    for entry in folder.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


def _mb(size: int) -> str:
    return format_decimal(round(size / (1024 * 1024), 1))


def _upload_page(error: str | None = None, status: int = 200, layer: str = "measures"):
    return (
        render_template(
            "planning/import_upload.html",
            layers={k: LAYERS[k].title for k in IMPORT_LAYERS},
            chosen=layer,
            error=error,
            max_mb=_mb(current_app.config["IMPORT_MAX_BYTES"]),
            max_features=current_app.config["IMPORT_MAX_FEATURES"],
        ),
        status,
    )


@bp.get("/")
@planner_required
def upload_form():
    """Choose the layer and the file."""
    return _upload_page()


@bp.post("/")
@planner_required
@csrf.exempt
def upload():
    """Keep the file under a new token, after checking that it reads as a layer.

    Exempt from the automatic CSRF check, which would read the body under the app's 1 MB
    limit before this view can raise it; the check runs here, after the limit is set.
    """
    limit = current_app.config["IMPORT_MAX_BYTES"]
    too_large = gettext("Die Datei ist zu groß; höchstens %(mb)s MB sind möglich.", mb=_mb(limit))
    # Refused before reading when the size is announced; while reading otherwise.
    if request.content_length is not None and request.content_length > limit:
        return _upload_page(too_large, 413)
    request.max_content_length = limit
    try:
        csrf.protect()
        layer = request.form.get("layer", "")
        upload_file = request.files.get("file")
    except RequestEntityTooLarge:
        return _upload_page(too_large, 413)
    if layer not in IMPORT_LAYERS:
        return _upload_page(gettext("Bitte wählen Sie die Ebene: Maßnahmen oder Orte."), 400)
    if upload_file is None or not upload_file.filename:
        return _upload_page(gettext("Bitte wählen Sie eine Datei aus."), 400, layer)
    file_name = secure_filename(upload_file.filename) or "upload"
    try:
        kind = upload_kind(upload_file.filename)
    except GisFileError as error:
        return _upload_page(translate(error.message), 400, layer)
    folder = _folder()
    _remove_stale(folder)
    token = secrets.token_urlsafe(24)
    directory = folder / token
    directory.mkdir(parents=True)
    path = directory / f"upload.{'zip' if kind == 'shp' else kind}"
    upload_file.save(path)
    meta = {
        "layer": layer,
        "kind": kind,
        "file_name": file_name,
        "planner_id": current_planner().id,
    }
    (directory / META).write_text(json.dumps(meta), encoding="utf-8")
    try:
        _plan(directory, meta)
    except GisFileError as error:
        shutil.rmtree(directory, ignore_errors=True)
        return _upload_page(translate(error.message), 400, layer)
    return redirect(url_for("gis_import.preview", token=token), code=303)


def _pending(token: str) -> tuple[Path, dict]:
    """The folder and description of an upload of the logged-in planner, or 404."""
    if not _TOKEN.match(token):
        abort(404)
    directory = _folder() / token
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        abort(404)
    if meta.get("planner_id") != current_planner().id:
        abort(404)
    return directory, meta


def _limits() -> ImportLimits:
    config = current_app.config
    return ImportLimits(
        features=config["IMPORT_MAX_FEATURES"],
        vertices_per_feature=config["IMPORT_MAX_VERTICES_PER_FEATURE"],
        vertices=config["IMPORT_MAX_VERTICES"],
        unpacked_bytes=config["IMPORT_MAX_UNPACKED_BYTES"],
    )


def _plan(directory: Path, meta: dict) -> tuple[ImportPlan, dict]:
    """Read the stored file and compare it with the database: the dry run."""
    store = get_store()
    layer = meta["layer"]
    # Drafts and archived records too: the file may hold them, and must not pass them
    # by as new ones.
    stored = {e.record.id: e.record for e in store.editing.records(layer)}
    with tempfile.TemporaryDirectory(prefix="quartierskarte-import-") as work:
        uploaded = read_upload(
            directory / f"upload.{'zip' if meta['kind'] == 'shp' else meta['kind']}",
            meta["kind"],
            Path(work),
            _limits(),
        )
    plan = plan_import(
        uploaded,
        layer,
        meta["file_name"],
        stored,
        store.layers.quartier(current_quartier().slug),
        current_quartier().tolerance_m,
        # Their status and timeline stay the planners' (see as_from_file).
        kept_paths=store.decision_path.kept_by_planners() if layer == "measures" else frozenset(),
    )
    return plan, stored


def _changed_by(plan: ImportPlan) -> dict[str, str]:
    """Who made the newer change of each conflicting record, by its latest version."""
    versions = get_store().versions
    found = {}
    for conflict in plan.conflicts:
        record_id = conflict.change.record.id
        latest = versions.history(plan.layer, record_id, current_quartier().slug)[:1]
        if latest:
            found[record_id] = author(latest[0])
    return found


def _preview_page(token: str, plan: ImportPlan, stored: dict, notice=None, status=200):
    return (
        render_template(
            "planning/import_preview.html",
            token=token,
            plan=plan,
            fingerprint=plan.fingerprint(stored),
            layer_title=LAYERS[plan.layer].title,
            notice=notice,
            changed_by=_changed_by(plan),
        ),
        status,
    )


@bp.get("/<token>")
@planner_required
def preview(token: str):
    """The dry run: new, changed (which fields), conflicting, unchanged, invalid, missing."""
    directory, meta = _pending(token)
    plan, stored = _plan(directory, meta)
    return _preview_page(token, plan, stored)


@bp.post("/<token>/anwenden")
@planner_required
def apply(token: str):
    """Apply the plan the planner saw, in one transaction, or nothing."""
    directory, meta = _pending(token)
    plan, stored = _plan(directory, meta)
    if plan.invalid:
        notice = gettext("Übernommen wird nur eine Datei ohne fehlerhafte Objekte.")
        return _preview_page(token, plan, stored, notice, 400)
    if not plan.can_apply and plan.conflicts:
        # All the file would change was changed in the map after its export: refused.
        return _preview_page(token, plan, stored, gettext(STALE_ONLY), 409)
    if not plan.can_apply:
        return _preview_page(token, plan, stored, gettext("Die Datei ändert nichts."), 400)
    if request.form.get("fingerprint") != plan.fingerprint(stored):
        notice = gettext(
            "Seit der Vorschau haben sich die Daten geändert. Bitte prüfen Sie die neue "
            "Vorschau und übernehmen Sie dann noch einmal."
        )
        return _preview_page(token, plan, stored, notice, 409)
    # What the planner saw: a record changed meanwhile (another import committed while
    # this file was read) makes the whole import a 409 instead of reverting it unseen.
    expected = {r.id: stored[r.id].updated_at if r.id in stored else None for r in plan.records}
    try:
        report = get_store().layers.import_records(
            plan.layer, plan.records, expected, author=current_planner().username
        )
    except Conflict as error:
        plan, stored = _plan(directory, meta)
        return _preview_page(token, plan, stored, translate(error.message), 409)
    shutil.rmtree(directory, ignore_errors=True)
    flash(
        gettext(
            "Übernommen: %(created)s neu, %(updated)s geändert.",
            created=len(report.created[plan.layer]),
            updated=len(report.updated[plan.layer]),
        ),
        "success",
    )
    return redirect(url_for("gis_import.upload_form"), code=303)


@bp.post("/<token>/verwerfen")
@planner_required
def discard(token: str):
    """Forget the upload."""
    directory, _meta = _pending(token)
    shutil.rmtree(directory, ignore_errors=True)
    flash(gettext("Die hochgeladene Datei ist verworfen."), "info")
    return redirect(url_for("gis_import.upload_form"), code=303)


def init_app(app: Flask) -> None:
    quartiere.register(app, bp)
