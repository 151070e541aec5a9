"""URLs of the service and the link objects that point to them.

Everything is built from one base URL (``https://host/ogc``), so the domain needs no web
framework to write absolute links.

Links typed ``application/geo+json`` to items and to single features carry no query
string: GDAL appends ``/{featureId}`` to the ``items`` link of a collection, and
content negotiation by Accept header picks GeoJSON for it anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from measures.domain.messages import Message, as_message
from measures.domain.vocabulary import N_
from measures.ogc.negotiation import HTML, HTML_TYPE, JSON

Params = Iterable[tuple[str, str]]

# A link's title in the other format: the document's title, then the format.
FORMAT_TITLES = {JSON: N_("%(title)s als JSON"), HTML: N_("%(title)s als HTML-Seite")}


@dataclass(frozen=True)
class Urls:
    base: str

    @property
    def landing(self) -> str:
        return self.base

    @property
    def conformance(self) -> str:
        return f"{self.base}/conformance"

    @property
    def api(self) -> str:
        return f"{self.base}/api"

    @property
    def collections(self) -> str:
        return f"{self.base}/collections"

    def collection(self, collection_id: str) -> str:
        return f"{self.base}/collections/{quote(collection_id, safe='')}"

    def items(self, collection_id: str) -> str:
        return f"{self.collection(collection_id)}/items"

    def item(self, collection_id: str, feature_id: str) -> str:
        return f"{self.items(collection_id)}/{quote(feature_id, safe='')}"

    def queryables(self, collection_id: str) -> str:
        return f"{self.collection(collection_id)}/queryables"

    def schema(self, collection_id: str) -> str:
        return f"{self.collection(collection_id)}/schema"

    def gml_schema(self, collection_id: str) -> str:
        return f"{self.collection(collection_id)}/schema.xsd"


def with_params(url: str, params: Params = ()) -> str:
    params = list(params)
    return f"{url}?{urlencode(params)}" if params else url


def link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def self_and_alternate(
    url: str, fmt: str, json_type: str, title: str, params: Params = ()
) -> list[dict]:
    """``self`` in the format of this response, ``alternate`` in the other one.

    The titles are messages (German; an HTML page translates them).
    """
    params = list(params)
    title = as_message(title)
    types = {JSON: json_type, HTML: HTML_TYPE}
    other = HTML if fmt == JSON else JSON
    return [
        link(
            with_params(url, [*params, ("f", fmt)]),
            "self",
            types[fmt],
            Message(N_("%(title)s (dieses Dokument)"), title=title),
        ),
        link(
            with_params(url, [*params, ("f", other)]),
            "alternate",
            types[other],
            Message(FORMAT_TITLES[other], title=title),
        ),
    ]
