"""The OpenAPI 3.0 document of the JSON API, built from the same vocabularies it checks.

schemathesis fuzzes the API against this document in the test suite, so every parameter,
body and answer is described, including the refusals (400, 404, 409, 413, 415, 429). Its
parts: ``parameters`` (filters, bbox, errors), ``schemas`` (features and bodies),
``operations`` (the paths).

Every path lies under a Quartier: the first server is ``/q/{quartier}`` with the
installation's Quartiere as the values of its variable. The addresses without that prefix
(the second server) still answer, for the default Quartier, so that links of the time
before several Quartiere keep working; they are kept for that only.
"""

from __future__ import annotations

from app.openapi.operations import paths
from app.openapi.schemas import components


def openapi_document(quartiere: list[str], default: str) -> dict:
    """The document for an installation with the Quartiere ``quartiere`` (their slugs);
    ``default`` is the one the addresses without ``/q/…`` serve and the first server's
    default."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Quartierskarte – Lese-API",
            "version": "1",
            "description": (
                "Maßnahmen, Orte und freigegebene Ideen eines Quartiers als GeoJSON "
                "(RFC 7946, EPSG:4326). Ideen enthalten nie personenbezogene Daten."
            ),
        },
        "servers": [
            {
                "url": "/q/{quartier}",
                "description": "Ein Quartier",
                "variables": {
                    "quartier": {
                        "default": default,
                        "enum": quartiere or [default],
                        "description": "Kennung des Quartiers",
                    }
                },
            },
            {
                "url": "/",
                "description": (
                    f"Veraltet: die Adressen ohne /q/…, für das Standard-Quartier ({default}); "
                    "nur damit alte Links weiter funktionieren."
                ),
            },
        ],
        "paths": paths(),
        "components": components(),
    }
