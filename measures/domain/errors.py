"""The one family of errors a person gets to see.

Every error that carries a message for people derives from ``UserError``: the message is
German and safe to show (no SQL, no paths, no stack), ``status`` is the HTTP status,
``code`` a stable key for programs, ``parameter`` the query parameter or field at fault.
The web layer only translates an error into the shape its audience expects (the JSON
API's ``{"error": …}``, an OGC API exception, a German page); nothing here knows those
shapes (``app/errors.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from measures.domain.messages import Message


class UserError(Exception):
    """Something a person must correct, or cannot have; ``message`` is safe to show."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "bad_request",
        parameter: str | None = None,
        fields: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.parameter = parameter
        # Field → message, when a submitted body has several problems at once.
        self.fields = dict(fields) if fields else None


class InvalidFields(UserError):
    """Every problem of something submitted, by field; nothing of it is stored.

    ``summary`` is the sentence before the problems (a template marked for translation,
    with ``%(problems)s``); ``code`` the stable key for programs.
    """

    def __init__(self, errors: Mapping[str, str], summary: str, code: str):
        self.errors = dict(errors)
        super().__init__(
            Message(summary, problems=tuple(self.errors.values())),
            code=code,
            parameter=next(iter(self.errors), None),
            fields=self.errors,
        )


class QueryError(UserError):
    """A query parameter a person must correct."""

    def __init__(
        self, parameter: str, message: str, code: str = "invalid_parameter", status: int = 400
    ):
        super().__init__(message, status=status, code=code, parameter=parameter)


class NotFound(UserError):
    """What was asked for does not exist (or is not public)."""

    def __init__(self, message: str, parameter: str | None = None):
        super().__init__(message, status=404, code="not_found", parameter=parameter)


class Conflict(UserError):
    """What was asked for cannot be done in the current state: it was done already, or
    what it applies to is gone (a second click, two people at once)."""

    def __init__(self, message: str):
        super().__init__(message, status=409, code="conflict")
