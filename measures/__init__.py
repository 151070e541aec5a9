"""The Quartierskarte without its web layer: measures, places, ideas and the Quartier.

Five packages; imports point one way, from the top of this list to the bottom, and
``pyproject.toml`` holds the import-linter contracts that ``make test`` checks:

- ``ogc`` — the OGC API – Features protocol (documents, parameters, CRS, paging);
- ``gis`` — GIS files: export formats, writers, reading uploads, the import;
- ``reading`` — answering reads: query parameters, GeoJSON views, the layer index;
- ``storage`` — the database: tables, migrations, the store, SQLite and PostGIS;
- ``domain`` — records, vocabularies, the layer definitions, validation and the rules
  of ideas; it imports none of the others.

``ogc`` and ``gis`` do not import each other. Nothing here imports Flask or ``app``.
"""
