"""The error of an upload that cannot be read as a layer."""

from __future__ import annotations

from measures.domain.errors import UserError


class GisFileError(UserError):
    """The file cannot be read as a layer; ``message`` is German and safe to show."""

    def __init__(self, message: str):
        super().__init__(message, code="invalid_file")
