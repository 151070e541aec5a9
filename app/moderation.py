"""One moderation step of a planner, the same for ideas and comments.

A step runs the use case, then either goes on (a message and a redirect) or shows the
planner's page again with what went wrong: the domain's German messages (translated where
the catalogue has them) with 400, a step done already or overtaken by another planner with
409 and the record as it is now, a record that is gone (or of another Quartier) 404.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect

from app.auth import current_planner
from app.db import get_store
from app.i18n import translate, translated
from measures.domain.errors import Conflict, UserError


def step(
    action: Callable,
    invalid: type[UserError],
    page_again: Callable[[dict[str, str], int], object],
    done_url: str,
):
    """Run ``action(store, actor)``, which returns the message for the planner.

    ``invalid`` is the domain's error with ``errors`` by field; ``page_again(errors,
    status)`` answers when the step did not happen (a conflict's message is under
    "action")."""
    try:
        message = action(get_store(), current_planner().username)
    except invalid as error:
        return page_again(translated(error.errors), 400)
    except Conflict as error:
        return page_again({"action": translate(error.message)}, 409)
    except LookupError:
        abort(404)
    flash(message, "success")
    return redirect(done_url)
