"""Errors: one JSON shape for the API, a German page for people; never internals.

The JSON shape, pinned by ``tests/test_error_shape.py``::

    {"error": {"status": 400, "code": "invalid_parameter",
               "message": "…German, safe to show…", "parameter": "bbox"}}

``parameter`` is present only when one query parameter or field is at fault; ``fields``
(field → message) only when a submitted body has several problems.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from measures.reading.parameters import QueryError

MESSAGES = {
    400: "Die Anfrage ist fehlerhaft.",
    403: "Dafür fehlt die Berechtigung.",
    404: "Diese Seite gibt es nicht.",
    405: "Diese Anfragemethode ist hier nicht erlaubt.",
    413: "Die gesendeten Daten sind zu groß.",
    415: "Dieses Datenformat wird hier nicht angenommen.",
    429: "Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment.",
    500: "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später noch einmal.",
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


class ApiError(Exception):
    """An error of the API with a German message that is safe to show."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        parameter: str | None = None,
        fields: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter
        self.fields = fields


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def error_response(
    status: int,
    code: str,
    message: str,
    parameter: str | None = None,
    fields: dict[str, str] | None = None,
) -> Response:
    if _wants_json():
        body: dict = {"status": status, "code": code, "message": message}
        if parameter is not None:
            body["parameter"] = parameter
        if fields:
            body["fields"] = fields
        response = jsonify({"error": body})
    else:
        response = current_app.make_response(
            render_template("error.html", status=status, message=message)
        )
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def query_error(error: QueryError):
        status = 404 if error.code == "unknown_layer" else 400
        return error_response(status, error.code, error.message, error.parameter)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(
            error.status, error.code, error.message, error.parameter, error.fields
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return error_response(
            400,
            "csrf_failed",
            "Das Formular ist abgelaufen oder unvollständig. Bitte laden Sie die Seite neu und "
            "senden Sie es noch einmal.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        response = error_response(
            status, CODES.get(status, "http_error"), MESSAGES.get(status, MESSAGES[400])
        )
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # The detail goes to the log for the operators; the response says nothing internal.
        app.logger.exception("Unerwarteter Fehler bei %s %s", request.method, request.path)
        return error_response(500, CODES[500], MESSAGES[500])
