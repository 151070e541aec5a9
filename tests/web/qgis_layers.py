"""Run by Debian's Python with QGIS (python3-qgis), not by the test environment: loads each
layer given on the command line as QGIS does and prints what QGIS made of it as JSON.

Arguments: provider and URI pairs, e.g. ``OAPIF "url='http://…/ogc' typename='ideas'"``
or ``ogr /path/measures.gpkg``. Output: one object per layer with ``valid``,
``geometry`` (QGIS's name of the geometry type), ``count`` and ``fields`` (name → type).
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsVectorLayer, QgsWkbTypes  # noqa: E402


def describe(provider: str, uri: str) -> dict:
    layer = QgsVectorLayer(uri, "layer", provider)
    if not layer.isValid():
        return {"valid": False}
    return {
        "valid": True,
        "geometry": QgsWkbTypes.displayString(layer.wkbType()),
        "count": layer.featureCount(),
        "fields": {f.name(): f.typeName() for f in layer.fields()},
    }


def main(arguments: list[str]) -> None:
    application = QgsApplication([], False)
    application.initQgis()
    pairs = zip(arguments[::2], arguments[1::2], strict=True)
    print(json.dumps([describe(provider, uri) for provider, uri in pairs]))
    application.exitQgis()


if __name__ == "__main__":
    main(sys.argv[1:])
