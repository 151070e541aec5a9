"""The one exception of the OGC API, with a German description that is safe to show."""

from __future__ import annotations

INVALID_PARAMETER = "InvalidParameterValue"
NOT_FOUND = "NotFound"


class OGCError(Exception):
    """A request the service cannot answer; becomes ``{"code", "description", "status"}``."""

    def __init__(self, status: int, code: str, description: str):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def invalid(description: str) -> OGCError:
    return OGCError(400, INVALID_PARAMETER, description)


def not_found(description: str) -> OGCError:
    return OGCError(404, NOT_FOUND, description)
