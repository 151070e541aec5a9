"""Languages of the interface: German first, English second, chosen by the resident.

The choice is kept in a cookie (no account needed) and read on every request; nothing
is guessed from the browser, so a page looks the same for everyone until they switch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, redirect, request, url_for
from flask_babel import Babel, format_currency, gettext

from app import ROOT
from app.security import redirect_path

LANGUAGES = {"de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "de"
COOKIE = "sprache"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def label(text: str) -> str:
    """Translate a label of the domain's vocabularies (marked there with ``N_``)."""
    return gettext(text)


def labels(vocabulary: Mapping[str, Any], attribute: str | None = None) -> dict[str, str]:
    """A vocabulary with its labels translated, for the choice macros of the forms.

    ``attribute`` names the label where the values are records (``formats|labels("label")``).
    """
    return {
        key: label(value if attribute is None else getattr(value, attribute))
        for key, value in vocabulary.items()
    }


def euro(amount: int) -> str:
    """Whole euros the way each language writes them: 8.370.000 € / €8,370,000."""
    pattern = "#,##0\u00a0¤" if select_locale() == "de" else "¤#,##0"
    return format_currency(amount, "EUR", format=pattern, currency_digits=False)


@bp.get("/sprache/<code>")
def switch(code: str):
    """Remember the chosen language and go back to the page the resident came from."""
    response = redirect(redirect_path(request.args.get("weiter"), url_for("pages.index")))
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE, code, max_age=ONE_YEAR, httponly=True, samesite="Lax", secure=request.is_secure
        )
    return response


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "app" / "translations"),
    )
    app.jinja_env.globals.update(label=label, LANGUAGES=LANGUAGES, current_language=select_locale)
    app.jinja_env.filters["euro"] = euro
    app.jinja_env.filters["labels"] = labels
    app.register_blueprint(bp)
