"""Scripts and style sheets go out compressed, like the pages.

Flask sends a static file as a stream (``direct_passthrough``), and Flask-Compress leaves
streams alone: compressing one would leave its file open (``COMPRESS_STREAMS`` is off).
The map page loads some thirty scripts and style sheets; sent as they are, they were most
of its weight. Here a static text file is read whole, and its file closed, before
Flask-Compress sees the response, so it is compressed as a page is. Only whole answers
(200): a 304 has no body and a range request wants the bytes as they are.
"""

from __future__ import annotations

from flask import Flask, Response

TEXT_TYPES = frozenset({"text/css", "text/javascript", "application/javascript"})
# Larger files stay streamed; none of ours comes near (Leaflet is 140 KB).
MOST_BYTES = 2 * 1024 * 1024


def _read_text_file(response: Response) -> Response:
    if (
        response.direct_passthrough
        and response.status_code == 200
        and response.mimetype in TEXT_TYPES
        and (response.content_length or 0) <= MOST_BYTES
    ):
        body = response.response
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        response.direct_passthrough = False
        response.set_data(data)
    return response


def init_app(app: Flask) -> None:
    # Flask runs after-request functions last registered first: this one is registered
    # after Flask-Compress's, so it runs before the compression.
    app.after_request(_read_text_file)
