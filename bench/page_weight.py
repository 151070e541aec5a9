"""Bytes a browser transfers for a page of the app, without map tiles.

    python -m bench.page_weight [PATH ...]

Starts the app on a seeded SQLite file in a temporary folder, opens each path in headless
Chromium with tiles answered locally, and prints the bytes per request (as sent over the
wire, compressed) and the total.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app
from bench.common import launch_chromium

TILES = "https://tiles.invalid/{z}/{x}/{y}.png"


def measure(paths: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {"DATABASE_URL": f"sqlite:///{Path(directory) / 'bench.sqlite3'}", "TILE_URL": TILES}
        )
        assert app.test_cli_runner().invoke(args=["db", "init"]).exit_code == 0
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for path in paths:
                page = browser.new_page()
                page.route("https://tiles.invalid/**", lambda route: route.fulfill(status=204))
                sizes: list[tuple[str, int]] = []
                page.on(
                    "requestfinished",
                    lambda request, sizes=sizes: sizes.append(
                        (
                            request.url,
                            request.sizes()["responseBodySize"]
                            + request.sizes()["responseHeadersSize"],
                        )
                    ),
                )
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                own = [(u, n) for u, n in sizes if urlsplit(u).netloc == urlsplit(base).netloc]
                print(f"\n{path}")
                for url, size in own:
                    print(f"  {size:>8,d} B  {urlsplit(url).path}")
                print(f"  {sum(n for _, n in own):>8,d} B  total without tiles")
                page.close()
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    measure(sys.argv[1:] or ["/"])
