"""The domain of the Quartierskarte Dalheim: measures, places, ideas and the Quartier.

Nothing in this package imports Flask; the web layer in ``app/`` calls into it.
"""
