"""Filters for reading a layer, parsed from query parameters in a framework-free way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from measures.domain.bbox import parse_bbox
from measures.domain.errors import QueryError
from measures.domain.layers import LAYERS
from measures.domain.messages import Message
from measures.domain.quartiere import SLUG
from measures.domain.query import IDEA_SORTS, LayerQuery
from measures.domain.vocabulary import N_

# Which filters each layer understands; anything else is an error, so that a typo such as
# "stauts" is reported instead of silently returning everything.
LAYER_PARAMETERS: dict[str, frozenset[str]] = {
    name: layer.parameters for name, layer in LAYERS.items()
}


def _choices(
    parameter: str, values: Iterable[str], allowed: Mapping[str, str] | None
) -> frozenset[str]:
    chosen = {v.strip() for value in values for v in value.split(",") if v.strip()}
    if allowed is None:
        # An open filter (the Quartier): whether one exists is the caller's question.
        wrong = sorted(v for v in chosen if not SLUG.match(v))
        if wrong:
            raise QueryError(
                parameter,
                Message(
                    N_(
                        "'%(parameter)s' erwartet Kennungen aus Kleinbuchstaben, Ziffern und "
                        "Bindestrichen (z. B. dalheim), nicht: %(wrong)s."
                    ),
                    parameter=parameter,
                    wrong=", ".join(wrong),
                ),
            )
        return frozenset(chosen)
    unknown = sorted(chosen - allowed.keys())
    if unknown:
        raise QueryError(
            parameter,
            Message(
                N_("Unbekannter Wert für '%(parameter)s': %(unknown)s. Erlaubt sind: %(allowed)s."),
                parameter=parameter,
                unknown=", ".join(unknown),
                allowed=", ".join(allowed),
            ),
        )
    return frozenset(chosen)


def check_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise QueryError(
            "layer",
            Message(
                N_("Die Ebene '%(layer)s' gibt es nicht. Vorhanden sind: %(layers)s."),
                layer=layer,
                layers=", ".join(LAYERS),
            ),
            code="unknown_layer",
            status=404,
        )


def parse_layer_query(layer: str, args: Mapping[str, list[str]]) -> LayerQuery:
    """Parse ``args`` (parameter → all its values) for ``layer``; raise ``QueryError``."""
    check_layer(layer)
    allowed = LAYER_PARAMETERS[layer]
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise QueryError(
            unknown[0],
            Message(
                N_(
                    "Den Filter '%(name)s' gibt es für diese Ebene nicht. "
                    "Möglich sind: %(allowed)s."
                ),
                name=unknown[0],
                allowed=", ".join(sorted(allowed)),
            ),
        )
    bbox_values = args.get("bbox", [])
    if len(bbox_values) > 1:
        raise QueryError("bbox", Message(N_("'bbox' darf nur einmal angegeben werden.")))
    # The filters before the box: a wrong filter is the first error reported.
    wanted = {
        f.field: _choices(f.name, args.get(f.name, []), f.values)
        for f in LAYERS[layer].filters.values()
    }
    return LayerQuery.of(bbox=parse_bbox(bbox_values[0]) if bbox_values else None, **wanted)


def parse_idea_sort(values: list[str]) -> str:
    """The order of an idea list; ``newest`` unless ``supported`` is asked for."""
    if not values:
        return "newest"
    if len(values) > 1 or values[0] not in IDEA_SORTS:
        raise QueryError(
            "sort",
            Message(
                N_("'sort' muss einer dieser Werte sein: %(allowed)s."),
                allowed=", ".join(IDEA_SORTS),
            ),
        )
    return values[0]
