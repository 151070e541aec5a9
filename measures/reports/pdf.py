"""PDF from a report's HTML, with WeasyPrint: tagged, as PDF/UA-1.

The page's ``lang`` becomes the document's language (``/Lang``) and its ``<title>`` the
PDF's title, shown by readers instead of the file name. Tags (``pdf_tags``) give the
structure (headings, lists, tables, figures with their alt text) to screen readers;
WeasyPrint's ``pdf/ua-1`` variant adds what PDF/UA asks for besides (its identification
in the metadata). Only the report's own HTML is rendered: no file or address outside
it is fetched (images come inline, as ``data:`` URIs).
"""

from __future__ import annotations

from PIL import ImageFile

# WeasyPrint, when imported, tells Pillow to load truncated images for every user in the
# process; the photo uploads must refuse them (measures/domain/images.py). The reports
# embed only SVG made here, so Pillow's setting is put back as it was.
_PILLOW_TRUNCATED = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _PILLOW_TRUNCATED

PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html``, a complete document with ``lang`` and ``<title>``."""
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf(
        pdf_tags=True, pdf_variant=PDF_VARIANT
    )
