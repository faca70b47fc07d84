"""Browser tests: Debian's Chromium driven by Playwright, against the app served by a real
HTTP server on 127.0.0.1 with a directory built by ``directory_seed``.

Tiles come from a tile server of our own on another local port (``tile_server``), so a
test can tell the configured tile host from anything else a page might reach for, and
can make it unreachable.

Without ``/usr/bin/chromium`` the tests are skipped, except when ``CI`` is set: then they
fail, since ``make test`` installs it (``scripts/system-packages.sh``).
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, Request
from werkzeug.serving import make_server

from directory import create_app
from directory.extensions import db
from directory.search import follower
from directory.search.service import state_of
from tests.browser.directory_seed import BrowserSeed, seed_browser_directory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"


def _grey_png() -> bytes:
    """A 1x1 light grey PNG: what our tile server answers to every tile request."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + checksum

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00\xdd\xdd\xdd")  # filter byte, then one pixel
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


TILE_PNG = _grey_png()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        message = (
            f"Chromium is not installed at {CHROMIUM}: run `make test` (as root it installs "
            "Debian's chromium package) or `apt-get install -y chromium`"
        )
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


class TileServer(ThreadingHTTPServer):
    """Answers every tile request with a grey tile, or, while :meth:`unreachable`, hangs
    up without a word (the browser sees an empty response, as from a dead host)."""

    reachable = True

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @contextmanager
    def unreachable(self) -> Iterator[None]:
        self.reachable = False
        try:
            yield
        finally:
            self.reachable = True


class _TileHandler(BaseHTTPRequestHandler):
    server: TileServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if not self.server.reachable:
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(TILE_PNG)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(TILE_PNG)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serving(server: Any) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def tile_server() -> Iterator[TileServer]:
    """A local tile server: the only host pages may reach beyond the app."""
    server = TileServer(("127.0.0.1", 0), _TileHandler)
    with serving(server):
        yield server


@dataclass
class LiveSite:
    app: Flask
    url: str
    tile_origin: str
    seed: BrowserSeed


@pytest.fixture(scope="session")
def live_site(
    database_factory: Callable[[Path], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
    tile_server: TileServer,
) -> Iterator[LiveSite]:
    # One app per test session: Flask-Talisman keeps its policy on one module-level object,
    # so a second app would give both its content security policy.
    folder = tmp_path_factory.mktemp("browser")
    with database_factory(folder) as database_url:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "browser-test-secret",
                "INSTANCE_PATH": folder / "instance",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "DEMO_MODE": False,
                "MAP_TILES_URL": f"{tile_server.origin}/{{z}}/{{x}}/{{y}}.png",
                "MAP_TILES_ATTRIBUTION": "Ubin uji",
                # Every page of every browser test comes from 127.0.0.1 to this one server;
                # the limits are tested in tests/test_rate_limits.py.
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            seed = seed_browser_directory()
            db.session.commit()
            # The index, as `make run` builds it: searches answer from it, not degraded.
            follower.rebuild(db.session, state_of(app).folder)
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        try:
            with serving(server):
                url = f"http://127.0.0.1:{server.server_port}"
                yield LiveSite(app, url, tile_server.origin, seed)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_site: LiveSite) -> str:
    return live_site.url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class PageWatch:
    """What a page did: console errors, uncaught exceptions, every request."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", self._failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def _failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")


@pytest.fixture
def watch(page: Page) -> PageWatch:
    watched = PageWatch()
    watched.attach(page)
    return watched


@pytest.fixture
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")
