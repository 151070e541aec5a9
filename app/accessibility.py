"""Accessibility as a public body owes it: the statement, Leichte Sprache and sign language.

``/barrierefreiheit`` is the Erklärung zur Barrierefreiheit in the parts of the EU model
statement (Durchführungsbeschluss (EU) 2018/1523) that BITV 2.0 and Hesse's HVBIT ask
for: how far the site conforms, what is not accessible yet and why, when and how that was
assessed, how to report a barrier, and the enforcement procedure. ``/leichte-sprache``
explains the site in Leichte Sprache (BITV 2.0 § 4, Anlage 2 Teil 2) and holds the
city's video in German Sign Language when there is one. Both are linked from every page.
The operator's parts (conformance, dates, contact, enforcement body, video) are settings.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, current_app, render_template
from flask_babel import format_date, gettext

from measures.domain.vocabulary import N_

bp = Blueprint("accessibility", __name__)

# The model statement's three answers to "how far does the site conform?"
CONFORMANCE = {
    "vollständig": N_("vollständig vereinbar"),
    "teilweise": N_("teilweise vereinbar"),
    "nicht": N_("nicht vereinbar"),
}


@bp.get("/barrierefreiheit")
def statement():
    """The Erklärung zur Barrierefreiheit."""
    config = current_app.config
    return render_template(
        "accessibility/statement.html",
        conformance=gettext(CONFORMANCE[config["ACCESSIBILITY_CONFORMANCE"]]),
        assessed_on=format_date(date.fromisoformat(config["ACCESSIBILITY_ASSESSED_ON"]), "long"),
        contact=config["ACCESSIBILITY_CONTACT"],
        enforcement_body=config["ENFORCEMENT_BODY"],
        enforcement_url=config["ENFORCEMENT_URL"],
        enforcement_address=config["ENFORCEMENT_ADDRESS"],
        has_video=bool(config["DGS_VIDEO_URL"]),
    )


@bp.get("/leichte-sprache")
def easy_language():
    """The site in Leichte Sprache, with the sign-language video where there is one."""
    config = current_app.config
    return render_template(
        "accessibility/easy_language.html",
        contact=config["ACCESSIBILITY_CONTACT"],
        video_url=config["DGS_VIDEO_URL"],
        video_size=config["DGS_VIDEO_SIZE"],
        video_duration=config["DGS_VIDEO_DURATION"],
    )


def check_settings(config) -> None:
    """Refuse to start with a statement that could not be shown (a wrong setting)."""
    if config["ACCESSIBILITY_CONFORMANCE"] not in CONFORMANCE:
        raise ValueError(
            f"ACCESSIBILITY_CONFORMANCE „{config['ACCESSIBILITY_CONFORMANCE']}“ ist keiner "
            f"der Werte {', '.join(CONFORMANCE)}."
        )
    try:
        date.fromisoformat(config["ACCESSIBILITY_ASSESSED_ON"])
    except (TypeError, ValueError):
        raise ValueError(
            f"ACCESSIBILITY_ASSESSED_ON „{config['ACCESSIBILITY_ASSESSED_ON']}“ ist kein "
            "Datum der Form 2026-12-05."
        ) from None


def init_app(app: Flask) -> None:
    check_settings(app.config)
    app.register_blueprint(bp)
