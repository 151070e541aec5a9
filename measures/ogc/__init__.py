"""OGC API – Features (Parts 1–3) for the public layers, without Flask.

The web layer (``app/ogc.py``) hands over the query parameters and the Accept header;
everything else — checking parameters, reading pages from the store, reprojecting,
building the JSON documents and the OpenAPI description — happens here.

May import ``measures.domain``, ``storage`` and ``reading``; never ``gis``.
"""
