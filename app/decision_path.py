"""A measure's decision path: planners keep its steps under
``/planung/massnahmen/<id>/entscheidungsweg`` (role "edit"); everyone downloads the PDFs of
the steps of a public measure.

The PDFs lie in the photo storage (a folder outside the web root, or an S3 bucket) under a
key the app makes up; the file is written before its row and removed after its row is gone,
as for photos. They are served by the app with ``application/pdf`` and a download name made
safe (``measures.domain.decision_path.safe_filename``).
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from app import quartiere
from app.auth import current_planner, has_role, planner_required
from app.db import get_store
from app.i18n import translate, translated
from app.photo_files import photo_files, remove_files
from app.residents_map import template_vocabulary
from measures.domain import decision_path as rules
from measures.domain.decision_path import InvalidStep, check_pdf, validate_step
from measures.domain.errors import Conflict
from measures.domain.vocabulary import BODIES, STATUSES
from measures.storage.photo_files import PhotoStorageError

bp = Blueprint("decision_path", __name__, url_prefix="/planung/massnahmen")
files_bp = Blueprint("decision_files", __name__)

PDF = "application/pdf"
# Room for the form's other fields around a PDF of the largest size.
_FORM_ROOM = 256 * 1024
UPLOADS = ("decision_path.add", "decision_path.add_file")


@bp.url_value_preprocessor
def _allow_pdf_bodies(endpoint, _values):
    """Only the upload views take bodies up to a PDF's size (before the CSRF check reads
    the form); everywhere else the app's MAX_CONTENT_LENGTH stays."""
    if endpoint in UPLOADS:
        request.max_content_length = rules.PDF_MAX_BYTES + _FORM_ROOM


def _measure_or_404(measure_id: str):
    # Drafts too: a planner enters the Beirat's step before the measure goes public.
    edited = get_store().editing.get("measures", measure_id, quartiere.current_quartier().slug)
    if edited is None:
        abort(404)
    return edited.record


def _page(
    measure_id: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
    values: dict | None = None,
    editing=None,
):
    measure = _measure_or_404(measure_id)
    return (
        render_template(
            "planning/decision_path.html",
            measure=measure,
            steps=get_store().decision_path.steps(measure_id),
            editing=editing,
            values=values or {},
            errors=errors or {},
            **template_vocabulary(),
            bodies=BODIES,
        ),
        status,
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    measure_id = (request.view_args or {}).get("measure_id", "")
    # The form is not read again: it is what was too large.
    return _page(measure_id, {"file": gettext(rules.PDF_TOO_LARGE)}, 413)


def _uploaded_pdf() -> tuple[bytes, str] | None:
    """The uploaded PDF and its safe name, None without one; InvalidStep when unusable."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(rules.PDF_MAX_BYTES + 1)
    check_pdf(data)
    return data, rules.safe_filename(upload.filename)


def _checked_step_and_pdf():
    """The step and the PDF of the form; InvalidStep with every problem of both."""
    errors: dict[str, str] = {}
    step = pdf = None
    try:
        step = validate_step(request.form)
    except InvalidStep as error:
        errors |= error.errors
    try:
        pdf = _uploaded_pdf()
    except InvalidStep as error:
        errors |= error.errors
    if errors:
        raise InvalidStep(errors)
    return step, pdf


def _store_pdf(data: bytes) -> str:
    key = f"{secrets.token_urlsafe(16)}/dokument.pdf"
    photo_files().put(key, data, PDF)
    return key


def _back(measure_id: str):
    return redirect(url_for("decision_path.steps", measure_id=measure_id) + "#schritte", code=303)


@bp.get("/<measure_id>/entscheidungsweg")
@planner_required
def steps(measure_id: str):
    """The steps of a measure's decision path, and a form for the next one."""
    return _page(measure_id)


@bp.post("/<measure_id>/entscheidungsweg")
@planner_required
def add(measure_id: str):
    """Add a step, with a PDF if one is chosen: both or nothing."""
    _measure_or_404(measure_id)
    key = None
    try:
        step, pdf = _checked_step_and_pdf()
        attachment = None
        if pdf is not None:
            key = _store_pdf(pdf[0])
            attachment = (key, pdf[1], len(pdf[0]))
        get_store().decision_path.add(
            measure_id, step, current_planner().username, attachment=attachment
        )
    except InvalidStep as error:
        return _page(measure_id, translated(error.errors), 400, request.form)
    except PhotoStorageError as error:
        return _page(measure_id, {"file": translate(error.message)}, 503, request.form)
    except BaseException:
        if key is not None:
            remove_files([key])
        raise
    flash(
        gettext(
            "Der Schritt ist gespeichert. Der Status der Maßnahme ist der des letzten Schritts."
        ),
        "success",
    )
    return _back(measure_id)


def _number(text: str) -> int:
    """A step's or file's number from the URL; any other text is no such thing (404)."""
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        abort(404)
    return int(text)


def _step_or_404(measure_id: str, step_id: str):
    step = get_store().decision_path.step(measure_id, _number(step_id))
    if step is None:
        abort(404)
    return step


@bp.get("/<measure_id>/entscheidungsweg/<step_id>")
@planner_required
def edit_form(measure_id: str, step_id: str):
    """One step to change, its files to add or remove."""
    step = _step_or_404(measure_id, step_id)
    return _page(measure_id, editing=step, values=step.__dict__)


@bp.post("/<measure_id>/entscheidungsweg/<step_id>")
@planner_required
def update(measure_id: str, step_id: str):
    step = _step_or_404(measure_id, step_id)
    try:
        get_store().decision_path.update(
            measure_id, step.id, validate_step(request.form), current_planner().username
        )
    except InvalidStep as error:
        return _page(measure_id, translated(error.errors), 400, request.form, editing=step)
    except Conflict as error:
        return _page(measure_id, {"action": translate(error.message)}, 409)
    flash(gettext("Der Schritt ist geändert."), "success")
    return _back(measure_id)


@bp.post("/<measure_id>/entscheidungsweg/<step_id>/loeschen")
@planner_required
def delete(measure_id: str, step_id: str):
    """Delete a step and its files, once the planner has confirmed it."""
    step = _step_or_404(measure_id, step_id)
    if request.form.get("bestaetigt") != "ja":
        message = gettext("Bitte bestätigen Sie, dass der Schritt gelöscht werden soll.")
        return _page(measure_id, {"action": message}, 400, editing=step, values=step.__dict__)
    try:
        keys = get_store().decision_path.delete(measure_id, step.id, current_planner().username)
    except Conflict as error:
        return _page(measure_id, {"action": translate(error.message)}, 409)
    remove_files(keys)
    flash(gettext("Der Schritt ist gelöscht."), "success")
    return _back(measure_id)


@bp.post("/<measure_id>/entscheidungsweg/<step_id>/dateien")
@planner_required
def add_file(measure_id: str, step_id: str):
    """Attach a PDF to a step."""
    step = _step_or_404(measure_id, step_id)
    key = None
    try:
        pdf = _uploaded_pdf()
        if pdf is None:
            raise InvalidStep({"file": gettext("Bitte wählen Sie eine PDF-Datei aus.")})
        key = _store_pdf(pdf[0])
        get_store().decision_path.add_file(
            measure_id, step.id, key, pdf[1], len(pdf[0]), current_planner().username
        )
    except InvalidStep as error:
        if key is not None:
            remove_files([key])
        return _page(measure_id, translated(error.errors), 400, editing=step, values=step.__dict__)
    except PhotoStorageError as error:
        return _page(
            measure_id, {"file": translate(error.message)}, 503, editing=step, values=step.__dict__
        )
    except BaseException:
        if key is not None:
            remove_files([key])
        raise
    flash(gettext("Die PDF-Datei ist angehängt."), "success")
    return _back(measure_id)


@bp.post("/<measure_id>/entscheidungsweg/<step_id>/dateien/<file_id>/loeschen")
@planner_required
def remove_file(measure_id: str, step_id: str, file_id: str):
    step = _step_or_404(measure_id, step_id)
    try:
        key = get_store().decision_path.remove_file(
            measure_id, step.id, _number(file_id), current_planner().username
        )
    except Conflict as error:
        return _page(measure_id, {"action": translate(error.message)}, 409)
    remove_files([key])
    flash(gettext("Die Datei ist entfernt."), "success")
    return _back(measure_id)


@files_bp.get("/massnahmen/<measure_id>/dokumente/<file_id>/<filename>")
def download(measure_id: str, file_id: str, filename: str):
    """A PDF of a step of a measure, as a download with a safe name: everyone's once the
    measure is public; while it is a draft (or archived), its planners' only."""
    public = public_measure(measure_id) is not None
    if not public and not (has_role("any") and _measure_of_quartier(measure_id)):
        abort(404)
    found = get_store().decision_path.file(measure_id, _number(file_id))
    if found is None or filename != found.filename:
        abort(404)
    try:
        stored = photo_files().get(found.key)
    except PhotoStorageError:
        abort(503)
    if stored is None:
        abort(404)
    response = make_response(stored.data)
    response.headers["Content-Type"] = PDF
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The name is ASCII letters, digits and "-_." only: nothing to quote or escape.
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


def _measure_of_quartier(measure_id: str) -> bool:
    """A measure of the current Quartier, public or not (drafts, archived ones)."""
    slug = quartiere.current_quartier().slug
    return get_store().editing.get("measures", measure_id, slug) is not None


def step_file_url(measure_id: str, file) -> str:
    return url_for(
        "decision_files.download", measure_id=measure_id, file_id=file.id, filename=file.filename
    )


def public_measure(measure_id: str | None):
    """The public measure an idea was taken up in (its page links it), or None."""
    if not measure_id:
        return None
    return get_store().layers.record("measures", measure_id, quartiere.scoped())


def init_app(app: Flask) -> None:
    quartiere.register(app, bp)
    quartiere.register(app, files_bp)
    app.jinja_env.globals["step_file_url"] = step_file_url
    app.jinja_env.globals["decision_steps"] = lambda measure_id: get_store().decision_path.steps(
        measure_id
    )
    app.jinja_env.globals["step_bodies"] = BODIES
    app.jinja_env.globals["public_measure"] = public_measure
    app.jinja_env.globals["measure_status_labels"] = STATUSES
    app.jinja_env.globals["public_ideas_taken_up"] = lambda measure_id: (
        get_store().ideas.taken_up_in(measure_id)
    )
