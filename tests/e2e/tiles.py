"""Map tiles from a local fixture, so browser tests run offline and stay on this machine."""

from __future__ import annotations

import struct
import zlib

TILE_HOST = "tiles.test"
TILE_URL = f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


TILE = _png(256, 256, (236, 238, 232))


def serve_tiles(app, page) -> list[str]:
    """Point the app at the fixture tile server and answer its requests; returns the log."""
    app.config["TILE_URL"] = TILE_URL
    served: list[str] = []

    def fulfil(route):
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route(f"https://{TILE_HOST}/**", fulfil)
    return served
