"""Photos of ideas and measures: upload, serving, release and removal.

Residents add photos to their idea from its private status page (before or after the
check); planners add and remove photos of ideas and measures and release the photos that
wait. Every upload is decoded and re-encoded without metadata (``measures.domain.images``)
before anything is stored; the files go to the photo storage first and the row after, and
on removal the row goes first and the files after the commit. A file left behind by a
failure is an orphan without a row: ``flask --app app photos purge-orphans`` removes it.
Files are served by the app in any case, so that only what may be seen is seen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from app import quartiere
from app.auth import current_planner, has_role, planner_required
from app.db import get_store
from app.errors import Commands
from app.i18n import translate, translated
from app.participation import status as status_page
from app.photo_files import photo_files, remove_files
from app.security import redirect_path
from measures.domain import times
from measures.domain.errors import Conflict
from measures.domain.ideas import hash_token
from measures.domain.images import CONTENT_TYPE, MAX_BYTES, TOO_LARGE, encode_photo
from measures.domain.photos import (
    STATES,
    VARIANTS,
    InvalidPhoto,
    Photo,
    new_photo_id,
    validate_alt_text,
)
from measures.domain.vocabulary import MODERATION_STATES, N_
from measures.storage.photo_files import PhotoStorageError

bp = Blueprint("photos", __name__)
photos_cli = Commands("photos", help="Fotos: Dateien ohne Eintrag in der Datenbank finden.")

# Room for the form's other fields around a photo of the largest size.
_FORM_ROOM = 256 * 1024
# A file younger than this may belong to an upload whose row is not written yet.
ORPHAN_MIN_AGE = timedelta(hours=1)
# The states of an idea to which its author can add photos.
OPEN_FOR_PHOTOS = ("pending", "approved")
CLOSED = N_("Zu dieser Idee können keine Fotos mehr hinzukommen.")


def _uploaded() -> tuple[bytes, str]:
    """The photo's bytes and alt text from the form; InvalidPhoto when unusable."""
    upload = request.files.get("photo")
    data = upload.stream.read(MAX_BYTES + 1) if upload else b""
    if len(data) > MAX_BYTES:
        raise InvalidPhoto(TOO_LARGE)
    alt_text = validate_alt_text(request.form)
    return data, alt_text


def add_photo(
    planner: str | None, *, idea_id: str | None = None, measure_id: str | None = None
) -> Photo:
    """Check, re-encode and store an uploaded photo, added by ``planner`` (a name) or by
    the idea's author (None); InvalidPhoto/Conflict/LookupError leave nothing stored
    (neither row nor file)."""
    data, alt_text = _uploaded()
    encoded = encode_photo(data, current_app.config["PHOTO_MAX_PIXELS"])
    photo = Photo(
        id=new_photo_id(),
        alt_text=alt_text,
        state="",
        created_at=times.now(),
        added_by=planner or "resident",
        width=encoded.width,
        height=encoded.height,
        idea_id=idea_id,
        measure_id=measure_id,
    )
    storage = photo_files()
    written: list[str] = []
    try:
        for variant, content in encoded.variants.items():
            storage.put(photo.key(variant), content, CONTENT_TYPE)
            written.append(photo.key(variant))
        return get_store().photos.add(photo, by_planner=planner is not None)
    except BaseException:
        # Storage down (PhotoStorageError: a German 503), too many photos, the idea gone:
        # the files written so far go again.
        remove_files(written)
        raise


def _serve(photo: Photo, variant: str, public: bool):
    if variant not in VARIANTS:
        abort(404)
    try:
        found = photo_files().get(photo.key(variant))
    except PhotoStorageError:
        abort(503)
    if found is None:
        abort(404)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    # A public photo may be kept an hour (a removed one is gone from caches by then);
    # one only its author or a planner sees, never.
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


UPLOADS = ("photos.resident_add", "photos.planner_add_to_idea", "photos.planner_add_to_measure")


@bp.url_value_preprocessor
def _allow_photo_bodies(endpoint, _values):
    """Only the upload views take bodies up to a photo's size; everywhere else the app's
    MAX_CONTENT_LENGTH stays. Set here because URL value preprocessors run before every
    before_request function, and the CSRF check there reads the form first."""
    if endpoint in UPLOADS:
        request.max_content_length = MAX_BYTES + _FORM_ROOM


def _slug() -> str:
    """The current Quartier: only photos of its ideas and measures are reached here."""
    return quartiere.current_quartier().slug


# -- public ----------------------------------------------------------------------------


@bp.get("/fotos/<photo_id>/<variant>.webp")
def public_file(photo_id: str, variant: str):
    """A photo's file: for everyone once it is public, else for planners only."""
    store = get_store()
    photo = store.photos.get(photo_id, _slug())
    if photo is None:
        abort(404)
    if store.photos.is_public(photo):
        return _serve(photo, variant, public=True)
    # One waiting for release is for the Quartier's planners who release photos; one of
    # a measure not published (yet or any more), for its planners, as the measure is.
    if has_role("any" if photo.measure_id else "moderate"):
        return _serve(photo, variant, public=False)
    abort(404)


def public_photos(kind: str, record_id: str) -> list[Photo]:
    """The photos a detail page shows (templates/photos/_gallery.html)."""
    photos = get_store().photos
    return (
        photos.public_of_idea(record_id)
        if kind == "idea"
        else photos.of_measure(record_id, ("released",))
    )


# -- the author of an idea, by its private link ----------------------------------------


def _idea_by_token(token: str):
    idea = get_store().ideas.by_token(hash_token(token))
    if idea is None:
        abort(404)
    return idea


@bp.post("/ideen/status/<token>/fotos")
def resident_add(token: str):
    """The author adds a photo to the idea."""
    idea = _idea_by_token(token)
    try:
        if idea.moderation_state not in OPEN_FOR_PHOTOS:
            raise Conflict(CLOSED)
        # Never as a planner, even when one is logged in in the same browser.
        photo = add_photo(None, idea_id=idea.id)
    except (InvalidPhoto, Conflict) as error:
        # The status page again, with the message at the photo form
        # (templates/participation/_photos.html reads it from g).
        errors = translated(getattr(error, "errors", None) or {"photo": error.message})
        g.photo_errors = {field: gettext(message) for field, message in errors.items()}
        g.photo_alt_text = request.form.get("alt_text", "")
        page, _ok = status_page(token)
        return page, error.status
    except LookupError:
        abort(404)
    if photo.state == "pending":
        flash(gettext("Danke! Das Foto erscheint, sobald das Quartiersmanagement es freigibt."))
    else:
        flash(gettext("Danke! Das Foto ist gespeichert."), "success")
    return redirect(url_for("participation.status", token=token) + "#fotos", code=303)


@bp.get("/ideen/status/<token>/fotos/<photo_id>/<variant>.webp")
def resident_file(token: str, photo_id: str, variant: str):
    """A photo of the idea for its author, in whatever state."""
    idea = _idea_by_token(token)
    photo = get_store().photos.get(photo_id)
    if photo is None or photo.idea_id != idea.id:
        abort(404)
    return _serve(photo, variant, public=False)


@bp.post("/ideen/status/<token>/fotos/<photo_id>/entfernen")
def resident_remove(token: str, photo_id: str):
    """The author removes a photo of the idea."""
    idea = _idea_by_token(token)
    photo = get_store().photos.get(photo_id)
    if photo is None or photo.idea_id != idea.id:
        abort(404)
    _remove(photo_id)
    flash(gettext("Das Foto ist entfernt."), "success")
    return redirect(url_for("participation.status", token=token) + "#fotos", code=303)


# -- planners -----------------------------------------------------------------------------


def _remove(photo_id: str) -> bool:
    removed = get_store().photos.remove(photo_id, _slug())
    if removed is None:
        return False
    remove_files(removed.keys)
    return True


def _back() -> str:
    """The planners' page to return to (``weiter``), checked before anything is done."""
    return redirect_path(request.form.get("weiter"), url_for("planning.queue"))


@bp.post("/planung/ideen/<idea_id>/fotos")
@planner_required
def planner_add_to_idea(idea_id: str):
    """A planner adds a photo to an idea."""
    return _planner_add(url_for("planning.idea", idea_id=idea_id), idea_id=idea_id)


@bp.post("/planung/massnahmen/<measure_id>/fotos")
@planner_required
def planner_add_to_measure(measure_id: str):
    """A planner adds a photo to a measure."""
    return _planner_add(
        url_for("photos.measure_photos", measure_id=measure_id), measure_id=measure_id
    )


def _planner_add(target: str, **owner):
    # An idea or measure of another Quartier is not there for this one's planners.
    store, slug = get_store(), _slug()
    idea_id, measure_id = owner.get("idea_id"), owner.get("measure_id")
    if (idea_id and store.ideas.get(idea_id, tuple(MODERATION_STATES), slug) is None) or (
        measure_id and store.layers.record("measures", measure_id, quartiere.scoped()) is None
    ):
        abort(404)
    try:
        add_photo(current_planner().username, **owner)
    except (InvalidPhoto, Conflict) as error:
        flash(translate(error.message), "error")
        return redirect(target + "#fotos", code=303)
    except LookupError:
        abort(404)
    flash(gettext("Das Foto ist gespeichert."), "success")
    return redirect(target + "#fotos", code=303)


@bp.get("/planung/massnahmen/<measure_id>/fotos")
@planner_required
def measure_photos(measure_id: str):
    """The photos of a measure, to add and remove."""
    measure = get_store().layers.record("measures", measure_id, quartiere.scoped())
    if measure is None:
        abort(404)
    return render_template(
        "photos/measure.html",
        measure=measure,
        photos=get_store().photos.of_measure(measure_id),
        states=STATES,
    )


@bp.post("/planung/fotos/<photo_id>/freigeben")
@planner_required
def release(photo_id: str):
    """A planner releases a waiting photo."""
    target = _back()
    if not get_store().photos.release(photo_id, _slug()):
        abort(404)
    flash(gettext("Das Foto ist freigegeben."), "success")
    return redirect(target, code=303)


@bp.post("/planung/fotos/<photo_id>/entfernen")
@planner_required
def remove(photo_id: str):
    """A planner removes a photo (row now, files right after)."""
    target = _back()
    if not _remove(photo_id):
        abort(404)
    flash(gettext("Das Foto ist entfernt."), "success")
    return redirect(target, code=303)


# -- command line -------------------------------------------------------------------------


@photos_cli.command("purge-orphans")
@click.option("--dry-run", is_flag=True, help="Nur auflisten, nichts löschen.")
def purge_orphans_command(dry_run: bool) -> None:
    """Löscht Fotodateien ohne Eintrag in der Datenbank (älter als eine Stunde)."""
    # The decision path's PDFs share the storage.
    known = get_store().photos.keys() | get_store().decision_path.keys()
    storage = photo_files()
    cutoff = datetime.now(UTC) - ORPHAN_MIN_AGE
    orphans = [key for key, at in storage.keys() if key not in known and at < cutoff]
    for key in orphans:
        click.echo(key)
        if not dry_run:
            storage.delete(key)
    verb = "gefunden" if dry_run else "gelöscht"
    click.echo(f"{len(orphans)} Fotodateien ohne Eintrag {verb}.")


def init_app(app: Flask) -> None:
    if app.config["PHOTO_STORAGE"] not in ("filesystem", "s3"):
        raise ValueError("PHOTO_STORAGE muss filesystem oder s3 sein.")
    if app.config["PHOTO_STORAGE"] == "s3" and not app.config["S3_BUCKET"]:
        raise ValueError("PHOTO_STORAGE=s3 braucht S3_BUCKET.")
    # Beside the status pages and the planners' area, under /q/<slug>/ and without it.
    quartiere.register(app, bp)
    app.jinja_env.globals["public_photos"] = public_photos
    app.jinja_env.globals["photo_states"] = STATES
    app.jinja_env.globals["photo_open_states"] = OPEN_FOR_PHOTOS
    app.jinja_env.globals["photos_of_idea"] = lambda idea_id: get_store().photos.of_idea(idea_id)
    app.jinja_env.globals["pending_photos"] = lambda: get_store().photos.pending(_slug())
