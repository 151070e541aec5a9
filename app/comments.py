"""Comments on approved ideas and on measures: writing, replying, "melden", moderation.

Residents write without an account; a logged-in planner writing on the same page gives
the official answer ("Antwort des Quartiersmanagements"). The rules are
``measures.domain.comments``; this module only parses and responds. A comment with a
mistake shows the page again with the message and stores nothing.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from app import moderation, quartiere
from app.auth import current_planner, planner_required
from app.db import get_store
from app.i18n import translate, translated
from app.participation import HONEYPOT
from app.security import limit_views
from measures.domain.comments import (
    ACTIONS,
    ANSWER_HIDDEN,
    SHOWN,
    STATES,
    Comment,
    InvalidComment,
    threads,
    validate_comment,
    validate_reason,
)
from measures.domain.errors import Conflict

bp = Blueprint("comments", __name__)

# The public page of each kind of target, and the name of its id in that page's URL.
_PAGES = {"ideas": ("pages.idea", "idea_id"), "measures": ("pages.measure", "measure_id")}


def page_url(target: str, target_id: str, **kwargs) -> str:
    endpoint, name = _PAGES[target]
    return url_for(endpoint, **{name: target_id}, **kwargs)


def _slug() -> str:
    """The current Quartier: only comments on its ideas and measures are reached here."""
    return quartiere.current_quartier().slug


def discussion(target: str, target_id: str) -> dict:
    """What the comment section of an idea's or a measure's page shows."""
    form = g.get("comment_form", {})
    shown = get_store().comments.shown(target, target_id)
    return {
        "target": target,
        "target_id": target_id,
        "threads": threads(shown),
        "count": len(shown),
        "errors": form.get("errors", {}),
        "sent": form.get("values", {}),
        "action": url_for(f"comments.comment_{target[:-1]}", **{_PAGES[target][1]: target_id}),
        "official": current_planner() is not None,
        "post_moderation": current_app.config["COMMENTS_POST_MODERATION"],
    }


def comment_count(target: str, target_id: str) -> int:
    """Shown comments of an idea or measure, for cards: one query per page and kind."""
    counts = g.setdefault("comment_counts", {})
    if target not in counts:
        counts[target] = get_store().comments.counts(target)
    return counts[target].get(target_id, 0)


def _page_again(
    target: str, target_id: str, values: dict, errors: dict[str, str], status: int = 400
):
    """The idea's or measure's page with the form as sent and what is wrong with it."""
    g.comment_form = {"values": values, "errors": translated(errors)}
    endpoint, name = _PAGES[target]
    return current_app.view_functions[endpoint](**{name: target_id}), status


def _comment(target: str, target_id: str):
    store = get_store()
    # Under /q/<slug>/ only that Quartier's ideas and measures take comments.
    if store.layers.record(target, target_id, quartiere.scoped()) is None:
        abort(404)
    values = request.form.to_dict()
    if values.get(HONEYPOT):
        return _page_again(
            target,
            target_id,
            values,
            {"form": gettext("Wir konnten die Eingabe nicht annehmen.")},
        )
    planner = current_planner()
    parent_id = values.get("parent_id") or None
    parent = store.comments.get(parent_id, _slug()) if parent_id else None
    try:
        comment = validate_comment(
            values,
            target,
            target_id,
            parent,
            official=planner is not None,
            post_moderation=current_app.config["COMMENTS_POST_MODERATION"],
        )
    except InvalidComment as error:
        return _page_again(target, target_id, values, translated(error.errors))
    store.comments.add(comment, actor=planner.username if planner else "resident")
    flash(_thanks(comment), "success")
    return redirect(page_url(target, target_id, _anchor=f"kommentar-{comment.id}"))


def _thanks(comment: Comment) -> str:
    if comment.official:
        return gettext("Die Antwort des Quartiersmanagements ist veröffentlicht.")
    if comment.state == SHOWN:
        return gettext("Danke! Ihr Kommentar ist veröffentlicht.")
    return gettext(
        "Danke! Das Quartiersmanagement prüft Ihren Kommentar. Nach der Freigabe erscheint er hier."
    )


@bp.post("/ideen/<idea_id>/kommentare")
def comment_idea(idea_id: str):
    """A comment, reply or official answer on an approved idea."""
    return _comment("ideas", idea_id)


@bp.post("/massnahmen/<measure_id>/kommentare")
def comment_measure(measure_id: str):
    """A comment, reply or official answer on a measure."""
    return _comment("measures", measure_id)


@bp.post("/kommentare/<comment_id>/melden")
def report(comment_id: str):
    """ "Melden": a shown comment goes back to the planners' queue."""
    store = get_store()
    comment = store.comments.get(comment_id, _slug())
    if comment is None:
        abort(404)
    try:
        store.comments.report(comment_id)
    except LookupError:
        abort(404)
    except Conflict as error:
        return _page_again(
            comment.target, comment.target_id, {}, {"form": translate(error.message)}, 409
        )
    flash(
        gettext("Danke für den Hinweis. Das Quartiersmanagement sieht sich den Kommentar an."),
        "success",
    )
    return redirect(page_url(comment.target, comment.target_id, _anchor="kommentare"))


# -- the planners' queue -------------------------------------------------------------------


def _titles(found: list[Comment]) -> dict[tuple[str, str], str]:
    layers = get_store().layers
    titles = {}
    for c in found:
        key = (c.target, c.target_id)
        if key not in titles:
            record = layers.record(c.target, c.target_id)
            titles[key] = record.title if record is not None else ""
    return titles


def _queue_page(errors: dict[str, str] | None = None, status: int = 200):
    store = get_store()
    waiting, recent = store.comments.queue(_slug()), store.comments.recent(quartier=_slug())
    return (
        render_template(
            "planning/comments.html",
            waiting=waiting,
            recent=recent,
            titles=_titles(waiting + recent),
            events=store.comments.events(limit=100, quartier=_slug()),
            states=STATES,
            actions=ACTIONS,
            errors=errors or {},
            page_url=page_url,
        ),
        status,
    )


@bp.get("/planung/kommentare")
@planner_required
def queue():
    """Comments waiting for their check, reported ones, the latest shown, the log."""
    return _queue_page()


def _act(comment_id: str, action):
    """A planner's step on a comment of the current Quartier (another's: 404)."""
    if get_store().comments.get(comment_id, _slug()) is None:
        abort(404)
    return moderation.step(
        action,
        InvalidComment,
        # The queue shows what went wrong beside the comment.
        lambda errors, status: _queue_page({comment_id: " ".join(errors.values())}, status),
        url_for("comments.queue"),
    )


@bp.post("/planung/kommentare/<comment_id>/freigeben")
@planner_required
def approve(comment_id: str):
    def run(store, actor):
        store.comments.approve(comment_id, actor)
        return gettext("Der Kommentar ist freigegeben und sichtbar.")

    return _act(comment_id, run)


@bp.post("/planung/kommentare/<comment_id>/ablehnen")
@planner_required
def reject(comment_id: str):
    def run(store, actor):
        store.comments.reject(comment_id, actor, validate_reason(request.form.get("reason")))
        return gettext("Der Kommentar ist abgelehnt und nicht mehr sichtbar.")

    return _act(comment_id, run)


@bp.post("/planung/kommentare/<comment_id>/antworten")
@planner_required
def answer(comment_id: str):
    """The official answer to a comment, written in the queue; shown at once.

    A reply is answered in its thread (replies go one level deep)."""

    def run(store, actor):
        comment = store.comments.get(comment_id)
        first = store.comments.get(comment.parent_id) if comment.parent_id else comment
        if first is None or first.state != SHOWN:
            raise Conflict(ANSWER_HIDDEN)
        new = validate_comment(
            {"text": request.form.get("text"), "parent_id": first.id},
            comment.target,
            comment.target_id,
            first,
            official=True,
        )
        store.comments.add(new, actor=actor)
        return gettext("Die Antwort des Quartiersmanagements ist veröffentlicht.")

    return _act(comment_id, run)


def init_app(app, limiter) -> None:
    # Under /q/<slug>/ and, for the default Quartier, at the old URLs.
    quartiere.register(app, bp)
    app.jinja_env.globals["comment_count"] = comment_count
    limit_views(
        app,
        limiter.limit(lambda: app.config["RATELIMIT_COMMENTS"], methods=["POST"]),
        "comments.comment_idea",
        "comments.comment_measure",
        "comments.report",
    )
