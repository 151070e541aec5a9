"""The domain: records, vocabularies, validation, geo operations and the rules of ideas.

Imports nothing of ``measures.storage``, ``reading``, ``gis`` or ``ogc`` — they build on it.
"""
