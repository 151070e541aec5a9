"""Printed reports as PDF under ``/planung/berichte`` (role "edit"): the Sachstandsbericht
for the Stadtparlament, and the Sitzungsunterlage of a Beirat session.

Role "edit": the reports vouch for the measures' status, costs and funding, which the
planners with that role keep (the decision path and the measures' forms are theirs too);
moderating residents' ideas gives no say over those figures.

The contents come from ``measures.reports``; here they are rendered as HTML in the
report's language (``templates/reports/``) and made a PDF by ``measures.reports.pdf``.
A report's language is German or English: ``?sprache=de|en``, else the language of the
pages when it is one of the two, else German.
"""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import dates
from flask import Blueprint, Flask, Response, render_template, request
from flask_babel import force_locale

from app import quartiere
from app.auth import has_role, planner_required
from app.db import get_store
from app.i18n import select_locale
from measures.domain.beirat import Session
from measures.domain.errors import NotFound, QueryError
from measures.domain.vocabulary import CATEGORIES, N_, STATUSES
from measures.reports.pdf import html_to_pdf
from measures.reports.session_paper import NEARBY_M, session_paper
from measures.reports.status_report import funded_eur, status_report

REPORT_LANGUAGES = ("de", "en")
LANGUAGE_PARAMETER = "sprache"
# Sessions, and the report's date, as Dalheim reads its clocks.
LOCAL = ZoneInfo("Europe/Berlin")
# The Beirat's words for its outcomes (``measures.domain.beirat.OUTCOMES``), as printed.
OUTCOME_LABELS = {
    "empfohlen": N_("empfohlen"),
    "nicht_empfohlen": N_("nicht empfohlen"),
    "vertagt": N_("vertagt"),
    "zur_kenntnis": N_("zur Kenntnis genommen"),
}
ITEM_KIND_LABELS = {
    "measure": N_("Maßnahme"),
    "idea": N_("Idee"),
    "topic": N_("Thema"),
}


def svg_data_uri(svg: str) -> str:
    """An SVG drawing inline in the report's HTML: nothing is fetched when it is printed."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def checked_language(language: str) -> str:
    """``language`` if reports are written in it; else a German QueryError."""
    if language not in REPORT_LANGUAGES:
        raise QueryError(
            LANGUAGE_PARAMETER,
            N_("Berichte gibt es auf Deutsch (sprache=de) und auf Englisch (sprache=en)."),
        )
    return language


def report_language() -> str:
    """The language the request asks a report in (see the module's docstring)."""
    asked = request.args.get(LANGUAGE_PARAMETER)
    if asked is not None:
        return checked_language(asked)
    pages = select_locale()
    return pages if pages in REPORT_LANGUAGES else REPORT_LANGUAGES[0]


def _helpers(language: str) -> dict:
    """What the report templates need besides the data: times in Dalheim's zone, in the
    report's language (Flask-Babel's filters would take the page's)."""

    def local_date(at) -> str:
        day = at.astimezone(LOCAL).date() if isinstance(at, datetime) else at
        return dates.format_date(day, "long", locale=language)

    def local_time(at: datetime) -> str:
        return dates.format_time(at, "short", tzinfo=LOCAL, locale=language)

    return {
        "language": language,
        # The data's own texts are German: said so in a report of another language.
        "data_lang": "" if language == "de" else "de",
        "local_date": local_date,
        "local_time": local_time,
        "statuses": STATUSES,
        "categories": CATEGORIES,
        "outcomes": OUTCOME_LABELS,
        "item_kinds": ITEM_KIND_LABELS,
        "funded": funded_eur,
        "svg_uri": svg_data_uri,
    }


def _render_pdf(template: str, language: str, **context) -> bytes:
    with force_locale(language):
        html = render_template(template, **_helpers(language), **context)
    return html_to_pdf(html)


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def session_paper_pdf(session: Session, language: str) -> bytes:
    """The Sitzungsunterlage of ``session`` as PDF, in ``language`` (de or en)."""
    language = checked_language(language)
    paper = session_paper(get_store(), session)
    return _render_pdf("reports/session_paper.html", language, paper=paper, nearby_m=NEARBY_M)


def session_paper_response(session: Session, language: str | None = None) -> Response:
    """The answer to a request for the Sitzungsunterlage of ``session``: the view of the
    Beirat's session pages calls this with the session it found."""
    pdf = session_paper_pdf(session, language or report_language())
    starts = session.starts_at.astimezone(LOCAL).date().isoformat()
    return _pdf_response(pdf, f"sitzungsunterlage-{session.quartier}-{starts}.pdf")


@planner_required
def session_paper_file(session_id: int):
    """The Sitzungsunterlage of one session of the current Quartier's Beirat."""
    language = report_language()
    session = get_store().beirat.session(quartiere.current_quartier().slug, session_id)
    if session is None:
        raise NotFound(N_("Diese Sitzung des Stadtteilbeirats gibt es nicht."))
    return session_paper_response(session, language)


def status_report_pdf(quartier: str, language: str, as_of=None) -> bytes:
    """The Sachstandsbericht of ``quartier`` as PDF, in ``language`` (de or en), dated
    ``as_of`` (default: today in Dalheim)."""
    language = checked_language(language)
    day = as_of or datetime.now(LOCAL).date()
    report = status_report(get_store(), quartier, day)
    return _render_pdf("reports/status_report.html", language, report=report)


@planner_required
def status_report_file():
    """The Sachstandsbericht of the current Quartier's measures, for the Stadtparlament."""
    language = report_language()
    quartier = quartiere.current_quartier().slug
    today = datetime.now(LOCAL).date()
    pdf = status_report_pdf(quartier, language, today)
    return _pdf_response(pdf, f"sachstandsbericht-{quartier}-{today.isoformat()}.pdf")


bp = Blueprint("reports", __name__, url_prefix="/planung/berichte")
bp.add_url_rule("/sachstand.pdf", view_func=status_report_file)
bp.add_url_rule("/sitzungen/<int:session_id>.pdf", view_func=session_paper_file)


def init_app(app: Flask) -> None:
    quartiere.register(app, bp)
    app.jinja_env.globals["may_read_reports"] = lambda: has_role("edit")
