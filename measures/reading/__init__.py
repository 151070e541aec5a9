"""Answering reads: query parameters, the public GeoJSON views, the map's idea points and
the in-memory layer index.

May import ``measures.domain`` and ``measures.storage``; never ``gis`` or ``ogc``.
"""
