"""Choosing between the JSON and the HTML encoding: ``f`` first, then the Accept header.

Ties go to JSON, so GIS clients and ``curl`` (``*/*``) get data; browsers ask for
``text/html`` before ``*/*;q=0.8`` and get the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from measures.domain.errors import QueryError
from measures.domain.messages import Message
from measures.domain.vocabulary import N_

JSON = "json"
HTML = "html"
FORMATS = (JSON, HTML)

GEOJSON_TYPE = "application/geo+json"
JSON_TYPE = "application/json"
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_TYPE = "application/schema+json"
HTML_TYPE = "text/html"


def _base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _quality(accepted: Sequence[tuple[str, float]], media_type: str) -> float:
    """The quality the client gives ``media_type``: the most specific match counts."""
    wanted = _base(media_type)
    family = wanted.split("/", 1)[0] + "/*"
    best: tuple[int, float] = (-1, 0.0)
    for value, quality in accepted:
        value = _base(value)
        specificity = {wanted: 2, family: 1, "*/*": 0, "*": 0}.get(value)
        if specificity is not None and specificity > best[0]:
            best = (specificity, quality)
    return best[1]


def choose_format(
    f_values: Sequence[str],
    accepted: Iterable[tuple[str, float]],
    json_types: Sequence[str] = (GEOJSON_TYPE, JSON_TYPE),
) -> str:
    """``json`` or ``html`` for a request with these ``f`` values and Accept entries."""
    if len(f_values) > 1:
        raise QueryError("f", Message(N_("'%(name)s' darf nur einmal angegeben werden."), name="f"))
    if f_values:
        chosen = f_values[0].strip().lower()
        if chosen not in FORMATS:
            raise QueryError(
                "f",
                Message(
                    N_("Unbekanntes Format '%(format)s'. Möglich sind: json, html."),
                    format=f_values[0],
                ),
            )
        return chosen
    accepted = list(accepted)
    json_quality = max(_quality(accepted, t) for t in json_types)
    html_quality = _quality(accepted, HTML_TYPE)
    return HTML if html_quality > json_quality else JSON
