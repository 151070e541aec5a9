"""Languages of the interface: German first, then English, Turkish, Arabic (right to
left), Russian and Ukrainian, chosen by the resident.

The choice is kept in a cookie (no account needed) and read on every request. The
browser's languages (``Accept-Language``) only suggest: until someone chooses, a page
is German and offers, in their language, to switch (``language_suggestion``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, redirect, request, url_for
from flask_babel import (
    Babel,
    force_locale,
    format_currency,
    format_decimal,
    get_locale,
    gettext,
)
from markupsafe import Markup

from app import ROOT
from app.security import redirect_path
from measures.domain.messages import Count, Message

# Dalheim's residents speak many languages; these are the interface's, each named in
# itself. Texts of the data (measures' descriptions, sources) stay German and say so.
LANGUAGES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "ru": "Русский",
    "uk": "Українська",
}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE = "de"
COOKIE = "sprache"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def language_suggestion() -> dict[str, str] | None:
    """The offer to switch to the browser's language, written in it; None once chosen.

    Only on a first visit (no choice in the cookie) and only for a language we have
    other than German.
    """
    if request.cookies.get(COOKIE) in LANGUAGES:
        return None
    best = asked_language()
    if best == DEFAULT_LANGUAGE:
        return None
    # Each catalogue says these in its own language and names itself ("… in English").
    with force_locale(best):
        return {
            "code": best,
            "text": gettext("Diese Website gibt es auch in Ihrer Sprache."),
            "switch": gettext("In Ihrer Sprache lesen"),
        }


def asked_language() -> str:
    """The language the request asks for with ``Accept-Language``, of ours; German when
    it asks for none of them. The APIs' messages are in it (a program that says nothing
    gets German; the site's cookie is for pages), and a page offers it on a first visit."""
    # The first by quality whose language we have: "en-GB, de;q=0.5" is English
    # (werkzeug's best_match would take the exact "de" before the regional "en-GB").
    for value, _quality in request.accept_languages:
        code = value.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def _vary_on_language(response: Response) -> Response:
    """Pages differ by the browser's languages (the offer above): caches must know."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response


def text_direction(code: str | None = None) -> str:
    """``rtl`` for a language written right to left, else ``ltr`` (the ``dir`` attribute)."""
    return "rtl" if (code or select_locale()) in RIGHT_TO_LEFT else "ltr"


def data_lang(always: bool = False) -> Markup:
    """` lang="de"` on the data's own texts (measures, places, sources) in a page of
    another language: they are German, and screen readers should read them so.

    In a page written right to left they also say ``dir="ltr"``: without it a German
    sentence takes the page's direction and its full stop lands at the wrong end.
    ``always`` for what is German in every page, also a German one (Leichte Sprache).
    """
    if select_locale() == DEFAULT_LANGUAGE and not always:
        return Markup("")
    if text_direction() == "rtl":
        return Markup(' lang="de" dir="ltr"')
    return Markup(' lang="de"')


def label(text: str) -> str:
    """Translate a label of the domain's vocabularies (marked there with ``N_``)."""
    return gettext(text)


def translate(text: str) -> str:
    """A message of the domain in the request's language.

    A ``Message`` is looked up by its German template, and its parameters that are
    messages themselves (a field's name) with it; a plain text marked with ``N_`` is
    looked up as it is. Without a catalogue entry the German text stays.
    """
    if isinstance(text, Message):
        params = {name: _translated_param(value) for name, value in text.params.items()}
        return gettext(text.template, **params)
    return gettext(text)


def _translated_param(value: Any) -> Any:
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, tuple):  # sentences, one after the other
        return " ".join(translate(sentence) for sentence in value)
    if isinstance(value, Count):
        return format_decimal(value)
    return value


def translated(messages: Mapping[str, str]) -> dict[str, str]:
    """Field → message, each in the request's language (the errors of a form)."""
    return {field: translate(message) for field, message in messages.items()}


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
    # The locale in force (a report forces its own), not only the page's choice.
    pattern = "#,##0\u00a0¤" if get_locale().language == "de" else "¤#,##0"
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
    app.jinja_env.globals.update(
        label=label,
        translate=translate,
        LANGUAGES=LANGUAGES,
        current_language=select_locale,
        language_suggestion=language_suggestion,
        text_direction=text_direction,
        data_lang=data_lang,
    )
    app.after_request(_vary_on_language)
    app.jinja_env.filters["euro"] = euro
    app.jinja_env.filters["labels"] = labels
    app.register_blueprint(bp)
