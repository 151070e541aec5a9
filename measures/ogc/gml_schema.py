"""What the features of a collection hold, as an XML (GML application) schema, for GDAL.

GDAL's OGC API driver (3.6, Debian's, and 3.12) types a layer from the first page of
features; an empty collection (the ideas of a new Quartier) then has no geometry type and
no fields, and neither has a file copied from it. GDAL reads a schema first when the
collection links one with rel ``describedBy`` (spelt so) and type ``application/xml``:
then the layer has its geometry type and typed fields even with no feature.

GDAL takes the fields from this schema instead of the features, and an XML schema has no
type for JSON: the ``sources`` and ``timeline`` arrays would lose GDAL's JSON subtype. So
only collections whose columns hold no JSON offer it (``offers_gml_schema``).

The feature's ``id`` is no element here: GDAL adds the field ``id`` from the features'
``id`` member, and would add it twice.
"""

from __future__ import annotations

from xml.etree import ElementTree

from measures.domain.layers import GEOMETRY_GROUPS, LAYERS, Column
from measures.ogc.collections import Collection
from measures.ogc.links import Urls

DESCRIBED_BY_REL = "describedBy"
XML_TYPE = "application/xml"

XS = "http://www.w3.org/2001/XMLSchema"
GML = "http://www.opengis.net/gml/3.2"
GML_SCHEMA = "http://schemas.opengis.net/gml/3.2.1/gml.xsd"
JSON_KINDS = frozenset({"sources", "timeline"})
# Whole numbers that may exceed this are GDAL's Integer64 (xs:long).
INT_MAX = 2**31 - 1

_GEOMETRY_TYPES = {
    **{
        frozenset({kind}): f"gml:{kind}PropertyType"
        for kinds in GEOMETRY_GROUPS.values()
        for kind in kinds
    },
}
_KIND_TYPES = {
    "text": "xs:string",
    "label": "xs:string",
    "choice": "xs:string",
    "fraction": "xs:double",
    "bool": "xs:boolean",
    "datetime": "xs:dateTime",
}


def offers_gml_schema(collection: Collection) -> bool:
    return not any(c.kind in JSON_KINDS for c in _columns(collection))


def _columns(collection: Collection) -> tuple[Column, ...]:
    return LAYERS[collection.layer].columns("public")


def _value_type(column: Column) -> str:
    if column.kind == "int":
        # As GDAL types whole numbers read from GeoJSON: 32 bits unless a value needs more.
        maximum = column.field.maximum if column.field is not None else None
        return "xs:long" if maximum is not None and maximum > INT_MAX else "xs:int"
    return _KIND_TYPES[column.kind]


def gml_schema(urls: Urls, collection: Collection) -> bytes:
    """The collection's features as one GML feature type: geometry, then the properties."""
    ElementTree.register_namespace("xs", XS)
    ElementTree.register_namespace("gml", GML)
    namespace = urls.collection(collection.id)
    root = ElementTree.Element(
        f"{{{XS}}}schema",
        {
            "targetNamespace": namespace,
            "elementFormDefault": "qualified",
            "version": "1.0",
            # The feature type's own prefix: GDAL and other readers resolve "q:" by it.
            "xmlns:q": namespace,
        },
    )
    ElementTree.SubElement(
        root, f"{{{XS}}}import", {"namespace": GML, "schemaLocation": GML_SCHEMA}
    )
    type_name = f"{collection.id}Type"
    ElementTree.SubElement(
        root,
        f"{{{XS}}}element",
        {
            "name": collection.id,
            "type": f"q:{type_name}",
            "substitutionGroup": "gml:AbstractFeature",
        },
    )
    complex_type = ElementTree.SubElement(root, f"{{{XS}}}complexType", {"name": type_name})
    content = ElementTree.SubElement(complex_type, f"{{{XS}}}complexContent")
    extension = ElementTree.SubElement(
        content, f"{{{XS}}}extension", {"base": "gml:AbstractFeatureType"}
    )
    sequence = ElementTree.SubElement(extension, f"{{{XS}}}sequence")
    geometry = _GEOMETRY_TYPES.get(collection.geometry_types, "gml:GeometryPropertyType")
    ElementTree.SubElement(
        sequence, f"{{{XS}}}element", {"name": "geometry", "type": geometry, "minOccurs": "0"}
    )
    for column in _columns(collection):
        if column.kind == "id":
            continue
        ElementTree.SubElement(
            sequence,
            f"{{{XS}}}element",
            {"name": column.name, "type": _value_type(column), "minOccurs": "0"},
        )
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
