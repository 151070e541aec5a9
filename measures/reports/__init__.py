"""Printed reports for the Stadtteilbeirat and the Stadtparlament: their contents drawn
from the store, their maps (``maps.py``) and the PDF made of their HTML (``pdf.py``).

Imports only ``measures.domain``: it is handed the store it reads. The HTML itself is the
web layer's (``templates/reports/``, ``app/reports.py``): texts are translated there.
"""
