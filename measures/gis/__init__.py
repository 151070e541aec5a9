"""GIS files: export formats and writers (GDAL through pyogrio, CSV), reading uploaded
files and importing them as measures or places.

May import ``measures.domain``, ``storage`` and ``reading``; never ``ogc``.
"""
