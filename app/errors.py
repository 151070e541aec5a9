"""Errors: one family (``measures.domain.errors``), answered as the blueprint's audience expects.

Every view raises a ``UserError`` (or lets werkzeug raise an HTTP error); the handlers here
only translate it, chosen by the blueprint that answers the request:

- the JSON API (blueprint ``api``) answers one shape, pinned by ``tests/web/test_error_shape.py``::

      {"error": {"status": 400, "code": "invalid_parameter",
                 "message": "…German, safe to show…", "parameter": "bbox"}}

  ``parameter`` is present only when one query parameter or field is at fault; ``fields``
  (field → message) only when a submitted body has several problems. ``message`` and
  ``fields`` are German unless the request asks for another language of the site with
  ``Accept-Language`` (then in it, where the catalogue has the message; the answer says
  which in ``Content-Language``). The site's language cookie does not change them: it is
  for pages. ``code`` and ``parameter`` never change;
- the OGC API (blueprint ``ogc``) answers OGC API exceptions
  ``{"code": "InvalidParameterValue", "description": …, "status": 400}``, because OGC
  clients (QGIS, GDAL) show ``description`` to their users; a browser gets the page;
- everything else answers a page, in English where the catalogue has the message;
- a command of the command line (``Command``, ``Commands``) ends with ``Fehler: …`` on
  stderr and exit status 1.

Never internals: an unexpected error goes to the log and is answered with a plain 500.
"""

from __future__ import annotations

import click
from flask import Flask, Response, current_app, render_template, request
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.i18n import asked_language, translate, translated
from app.responses import json_response
from measures.domain.errors import UserError
from measures.domain.vocabulary import N_
from measures.ogc.negotiation import HTML, choose_format

MESSAGES = {
    400: N_("Die Anfrage ist fehlerhaft."),
    403: N_("Dafür fehlt die Berechtigung."),
    404: N_("Diese Seite gibt es nicht."),
    405: N_("Diese Anfragemethode ist hier nicht erlaubt."),
    413: N_("Die gesendeten Daten sind zu groß."),
    415: N_("Dieses Datenformat nehmen wir hier nicht an."),
    429: N_("Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment."),
    500: N_("Bei uns ist ein Fehler passiert. Bitte versuchen Sie es später noch einmal."),
}
CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
}
# OGC API exception codes by status; the service itself refuses with 400 only a parameter.
OGC_CODES = {
    400: "InvalidParameterValue",
    404: "NotFound",
    405: "MethodNotAllowed",
    429: "TooManyRequests",
    500: "NoApplicableCode",
}
JSON_API = "api"
OGC_API = "ogc"
CSRF_MESSAGE = N_(
    "Das Formular ist abgelaufen oder unvollständig. Bitte laden Sie die Seite neu und "
    "senden Sie es noch einmal."
)


def answering_blueprint() -> str | None:
    """The name of the blueprint that answers the request.

    A URL that no route matches has none (Flask routes before it knows the blueprint), so
    then it is the blueprint under whose prefix the path lies: ``/api/gibt-es-nicht`` is
    answered as the JSON API answers.
    """
    if request.blueprint is not None:
        return request.blueprint
    path = request.path
    # A Quartier's routes lie under /q/<slug>/ with the blueprint's prefix after it.
    parts = path.split("/", 3)
    if len(parts) >= 3 and parts[1] == "q":
        path = "/" + (parts[3] if len(parts) > 3 else "")
    for name, blueprint in current_app.blueprints.items():
        prefix = blueprint.url_prefix
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return name
    return None


def _in_asked_language(error: UserError) -> tuple[str, dict[str, str] | None, str]:
    """The error's message and field messages in the language the request asks for."""
    language = asked_language()
    with force_locale(language):
        fields = translated(error.fields) if error.fields else None
        return translate(error.message), fields, language


def _api_answer(error: UserError) -> Response:
    message, fields, language = _in_asked_language(error)
    body: dict = {"status": error.status, "code": error.code, "message": message}
    if error.parameter is not None:
        body["parameter"] = error.parameter
    if fields:
        body["fields"] = fields
    response = json_response({"error": body}, error.status)
    response.content_language.add(language)
    response.vary.add("Accept-Language")
    return response


def _ogc_wants_page() -> bool:
    try:
        return choose_format(request.args.getlist("f"), request.accept_mimetypes) == HTML
    except UserError:  # a wrong ``f`` is the error being answered: in JSON, then
        return False


def _ogc_answer(error: UserError) -> Response:
    if _ogc_wants_page():
        return _page(error)
    # A 400 that names no parameter is a malformed request, not a wrong value.
    if error.status == 400 and not error.parameter:
        code = "InvalidRequest"
    else:
        code = OGC_CODES.get(error.status, "InvalidRequest")
    description, _fields, language = _in_asked_language(error)
    response = json_response(
        {"code": code, "description": description, "status": error.status}, error.status
    )
    response.content_language.add(language)
    response.vary.add("Accept-Language")
    return response


def _page(error: UserError) -> Response:
    # In the reader's language where the catalogue has the message (``translate``).
    message = translate(error.message)
    response = current_app.make_response(
        render_template("error.html", status=error.status, message=message)
    )
    response.status_code = error.status
    return response


def answer(error: UserError) -> Response:
    """``error`` as the audience of the answering blueprint reads it."""
    blueprint = answering_blueprint()
    if blueprint == JSON_API:
        return _api_answer(error)
    if blueprint == OGC_API:
        return _ogc_answer(error)
    return _page(error)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = answer(
        UserError(
            MESSAGES.get(status, MESSAGES[400]),
            status=status,
            code=CODES.get(status, "http_error"),
        )
    )
    if status == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _unexpected_error(_error: Exception) -> Response:
    # The detail goes to the log for the operators; the response says nothing internal.
    current_app.logger.exception("Unerwarteter Fehler bei %s %s", request.method, request.path)
    return answer(UserError(MESSAGES[500], status=500, code=CODES[500]))


def init_app(app: Flask) -> None:
    app.register_error_handler(UserError, answer)
    app.register_error_handler(
        CSRFError, lambda _error: answer(UserError(CSRF_MESSAGE, code="csrf_failed"))
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


class Command(click.Command):
    """A command of the command line that ends a ``UserError`` with its message."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.echo(f"Fehler: {error.message}", err=True)
            ctx.exit(1)


class Commands(AppGroup):
    """A group of commands (``flask --app app db …``), each a ``Command``."""

    command_class = Command
