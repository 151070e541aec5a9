"""Checking the query parameters of each resource; every mistake is a German QueryError.

Parameters arrive as a mapping from name to all its values (as a web framework parses
them). A parameter the resource does not know is an error, as OGC API – Features Part 1
requires: a typo such as ``stauts`` must not silently return everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from measures.domain.errors import QueryError
from measures.domain.messages import Message
from measures.domain.query import GEOMETRY_TYPE, LayerQuery
from measures.domain.vocabulary import N_
from measures.ogc import crs as crs_module
from measures.ogc.collections import Collection
from measures.ogc.datetimes import Interval, parse_datetime
from measures.reading.parameters import parse_layer_query

Args = Mapping[str, Sequence[str]]

DEFAULT_LIMIT = 100
# A larger limit is cut to this (OGC API – Features Part 1, 7.15.3: the server may
# return fewer than asked for), not refused: the page then says how many it holds and
# links to the next.
MAX_LIMIT = 10_000
# What a request counts against the OGC rate limit (``RATELIMIT_OGC``), in features: a
# page the features it held, but at least ``MIN_COST`` (the work of any request, however
# few features it holds); anything else as a page of the default size. So the budget
# lets a client page through a layer at any page size — GDAL before 3.8 asks for 10 at a
# time — and a large limit on a small collection costs what it returned.
MIN_COST = 20
# Far beyond any real layer, but small enough for every database's integer type.
MAX_OFFSET = 1_000_000_000

NONE: frozenset[str] = frozenset()
PLAIN = frozenset({"f"})
ITEM = frozenset({"f", "crs"})
ITEMS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"})

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ItemsRequest:
    query: LayerQuery
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    crs: str = crs_module.CRS84
    time: Interval | None = None
    # The selecting parameters as given (no f, limit, offset), to repeat them in links.
    selection: tuple[tuple[str, str], ...] = ()


def allowed_items_parameters(collection: Collection) -> frozenset[str]:
    return ITEMS | set(collection.filter_names)


def check_known(args: Args, allowed: frozenset[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise QueryError(
            unknown[0],
            Message(
                N_("Den Parameter '%(name)s' gibt es hier nicht. Möglich sind: %(allowed)s."),
                name=unknown[0],
                allowed=", ".join(sorted(allowed)),
            ),
        )


def once(name: str) -> Message:
    """The message for a parameter given more than once."""
    return Message(N_("'%(name)s' darf nur einmal angegeben werden."), name=name)


def single(args: Args, name: str) -> str | None:
    values = args.get(name, [])
    if len(values) > 1:
        raise QueryError(name, once(name))
    return values[0] if values else None


def _integer(text: str, name: str, minimum: int, maximum: int) -> int:
    # More digits than the maximum has is out of range anyway; and Python refuses to read
    # an int of more than 4300 digits.
    if (
        not _DIGITS.fullmatch(text)
        or len(text) > len(str(maximum))
        or not minimum <= int(text) <= maximum
    ):
        raise QueryError(
            name,
            Message(
                N_(
                    "'%(name)s' muss eine ganze Zahl von %(minimum)s bis %(maximum)s sein, "
                    "nicht '%(text)s'."
                ),
                name=name,
                minimum=minimum,
                maximum=maximum,
                text=text,
            ),
        )
    return int(text)


def _limit(text: str | None) -> int:
    """The page size: ``limit`` (a whole number from 1), cut to ``MAX_LIMIT``."""
    if text is None:
        return DEFAULT_LIMIT
    digits = text.lstrip("0") if _DIGITS.fullmatch(text) else ""
    if not digits:
        raise QueryError(
            "limit",
            Message(
                N_(
                    "'limit' muss eine ganze Zahl ab 1 sein (höchstens %(maximum)s je Seite), "
                    "nicht '%(text)s'."
                ),
                maximum=MAX_LIMIT,
                text=text[:40],
            ),
        )
    # Cut by length first: int() of thousands of digits raises (and is needlessly slow).
    if len(digits) > len(str(MAX_LIMIT)):
        return MAX_LIMIT
    return min(int(digits), MAX_LIMIT)


def request_cost(is_page: bool, features: int | None) -> int:
    """What a request counts against the OGC rate limit: a page of items the ``features``
    it held (None: not yet known), at least ``MIN_COST``; any other request as a page of
    the default size."""
    return max(features or 0, MIN_COST) if is_page else DEFAULT_LIMIT


def parse_output_crs(args: Args) -> str:
    value = single(args, "crs")
    return crs_module.CRS84 if value is None else crs_module.parse_crs(value, "crs")


def parse_item_request(args: Args) -> str:
    """The output CRS of a single feature."""
    check_known(args, ITEM)
    return parse_output_crs(args)


def parse_items_request(collection: Collection, args: Args) -> ItemsRequest:
    check_known(args, allowed_items_parameters(collection))
    filters = {name: list(args[name]) for name in collection.filter_names if name in args}
    query = parse_layer_query(collection.layer, filters)
    if collection.geometry_group is not None:
        query = query.with_filter(GEOMETRY_TYPE, collection.geometry_types)

    bbox_crs_text = single(args, "bbox-crs")
    bbox_crs = (
        crs_module.CRS84
        if bbox_crs_text is None
        else crs_module.parse_crs(bbox_crs_text, "bbox-crs")
    )
    bbox_text = single(args, "bbox")
    if bbox_text is not None:
        query = replace(query, bbox=crs_module.parse_bbox(bbox_text, bbox_crs))

    limit_text = single(args, "limit")
    offset_text = single(args, "offset")
    datetime_text = single(args, "datetime")
    selection = tuple(
        (name, value)
        for name in (*collection.filter_names, "bbox", "bbox-crs", "datetime", "crs")
        for value in args.get(name, [])
    )
    return ItemsRequest(
        query=query,
        limit=_limit(limit_text),
        offset=0 if offset_text is None else _integer(offset_text, "offset", 0, MAX_OFFSET),
        crs=parse_output_crs(args),
        time=None if datetime_text is None else parse_datetime(datetime_text),
        selection=selection,
    )
