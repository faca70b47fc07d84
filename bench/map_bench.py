"""The map page against folium's plain page, in headless Chromium.

For the seed directory and for 10,000 generated locations: the bytes a first visit
transfers (page, scripts, styles, marker data; tiles switched off for both) and the time
from navigation to the first marker drawn, for ``/peta`` and for the page folium makes
with one ``folium.Marker`` (and its popup) per location, from the same data and with the
same local Leaflet. Medians (and the best) of ``RUNS`` visits over loopback, each in a
fresh browser context (cold cache), and one visit over an emulated weak mobile
connection, where bytes become seconds. Run with ``python -m bench.map_bench`` (``make
bench`` runs it).
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any

import folium
from flask import Flask
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import insert, select
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import make_server

from directory import create_app
from directory.commands import SEED_DIR, seed_cli
from directory.database import new_id
from directory.extensions import db
from directory.geo.models import Region
from directory.geo.regions import load_regions
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    Address,
    Attribute,
    CostOption,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from directory.map.data import build_map_data
from directory.map.folium_assets import localize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RUNS = 5
LARGE = 10_000
TARGET_BYTES = 1_500_000
TARGET_SECONDS = 2.0
FIRST_MARKER_TIMEOUT_MS = 180_000
# A weak mobile connection, as Chrome's DevTools "Slow 4G" preset: 1.6 Mbit/s down,
# 750 kbit/s up, 150 ms round trip (bytes per second below).
SLOW_NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}

# Records when the first marker (or cluster) is in the page, at the next frame.
FIRST_MARKER_PROBE = """
window.__firstMarker = null;
new MutationObserver(function (changes, observer) {
  if (document.querySelector('.leaflet-marker-icon')) {
    observer.disconnect();
    requestAnimationFrame(function () { window.__firstMarker = performance.now(); });
  }
}).observe(document, { childList: true, subtree: true });
"""

PROBLEMS = [
    "Kekerasan dalam rumah tangga",
    "Perceraian",
    "Penelantaran anak",
    "Anak berhadapan dengan hukum",
    "Kenakalan remaja",
    "Kemiskinan",
    "Anak jalanan",
    "Gangguan psikososial",
]
SERVICE_TYPES = [
    "Konseling",
    "Konsultasi",
    "Pemberian informasi",
    "Penjangkauan",
    "Perlindungan",
    "Pendampingan",
    "Rujukan",
]
INSTITUTIONS = ["LK3", "UPTD PPA", "Puspaga", "LBH", "RSUD", "Puskesmas", "Dinas Sosial"]


@dataclass
class Measure:
    label: str
    locations: int
    transferred: list[int]
    first_marker: list[float]
    cpu: list[float]
    # One visit over SLOW_NETWORK (a weak mobile connection).
    slow_first_marker: float

    @property
    def bytes(self) -> int:
        return int(statistics.median(self.transferred))

    @property
    def seconds(self) -> float:
        return statistics.median(self.first_marker)

    @property
    def best_seconds(self) -> float:
        """The fastest visit: the least disturbed by other work on a shared machine."""
        return min(self.first_marker)

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(self.cpu)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app(folder: Path) -> Flask:
    return create_app(
        {
            # A measurement, not a deployment: TESTING spares the production checks.
            "TESTING": True,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": folder / "instance",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'directory.sqlite'}",
            "DEMO_MODE": False,
            # Tiles off for both pages: a closed local port, so no tile bytes are counted.
            "MAP_TILES_URL": f"http://127.0.0.1:{_free_port()}/{{z}}/{{x}}/{{y}}.png",
        }
    )


def seed_database(folder: Path) -> Flask:
    """The seed directory, loaded as ``flask seed load --no-demo --demo-institutions`` loads
    it (outside demo mode the demonstration institutions are left out unless asked for)."""
    app = _app(folder)
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(seed_cli, ["load", "--no-demo", "--demo-institutions"])
    if result.exit_code != 0:
        raise RuntimeError(f"seed load failed: {result.output}")
    return app


def generated_database(folder: Path, count: int, rng: random.Random) -> Flask:
    """``count`` public locations spread over every regency/city, about two services
    each, and about 2% more that are confidential."""
    app = _app(folder)
    with app.app_context():
        db.create_all()
        load_regions(db.session, SEED_DIR / "regions.csv")
        session = db.session
        session.execute(
            insert(Taxonomy),
            [
                {"id": TAXONOMY_PROBLEMS, "name": "Masalah"},
                {"id": TAXONOMY_SERVICE_TYPES, "name": "Jenis layanan"},
            ],
        )
        problems = [{"id": new_id(), "name": n, "taxonomy_id": TAXONOMY_PROBLEMS} for n in PROBLEMS]
        types = [
            {"id": new_id(), "name": n, "taxonomy_id": TAXONOMY_SERVICE_TYPES}
            for n in SERVICE_TYPES
        ]
        session.execute(insert(TaxonomyTerm), problems + types)
        regencies = session.execute(
            select(Region.code, Region.name, Region.latitude, Region.longitude).where(
                Region.level.in_(("kabupaten", "kota"))
            )
        ).all()
        rows: dict[type, list[dict[str, Any]]] = {
            model: []
            for model in (
                Organization,
                Service,
                Location,
                ServiceAtLocation,
                Address,
                Phone,
                Schedule,
                Attribute,
                CostOption,
            )
        }
        made = 0
        n = 0
        while made < count:
            n += 1
            regency = rng.choice(regencies)
            name = f"{rng.choice(INSTITUTIONS)} {regency.name} {n}"
            organization = {"id": new_id(), "name": name}
            rows[Organization].append(organization)
            rows[Phone].append(
                {
                    "id": new_id(),
                    "organization_id": organization["id"],
                    "number": f"+62 {rng.randint(21, 984)} {rng.randint(1000, 9999)} {n:04d}",
                }
            )
            services = []
            for s in range(rng.choice((1, 2, 2, 3))):
                service = {
                    "id": new_id(),
                    "organization_id": organization["id"],
                    "name": f"{rng.choice(SERVICE_TYPES)} keluarga {n}-{s}",
                }
                services.append(service)
                rows[Service].append(service)
                for term in [rng.choice(problems), rng.choice(types)]:
                    rows[Attribute].append(
                        {
                            "id": new_id(),
                            "link_id": service["id"],
                            "link_entity": "service",
                            "taxonomy_term_id": term["id"],
                        }
                    )
                if rng.random() < 0.3:
                    rows[CostOption].append(
                        {"id": new_id(), "service_id": service["id"], "amount": 50000}
                    )
            for _ in range(min(rng.choice((1, 1, 2, 3)), count - made)):
                # About one in fifty is a safe house: off the map, on top of ``count``.
                confidential = rng.random() < 0.02
                made += 0 if confidential else 1
                location = {
                    "id": new_id(),
                    "organization_id": organization["id"],
                    "name": f"Kantor {n}-{made}",
                    "latitude": regency.latitude + rng.gauss(0, 0.05),
                    "longitude": regency.longitude + rng.gauss(0, 0.05),
                    "region_code": regency.code,
                    "confidential": confidential,
                }
                rows[Location].append(location)
                rows[Address].append(
                    {
                        "id": new_id(),
                        "location_id": location["id"],
                        "address_1": f"Jl. Contoh Raya No. {made}",
                        "city": regency.name,
                        "state_province": regency.code[:2],
                    }
                )
                hours = rng.random()
                if hours < 0.7:
                    rows[Schedule].append(
                        {
                            "id": new_id(),
                            "location_id": location["id"],
                            "byday": "MO,TU,WE,TH,FR",
                            "opens_at": clock(8),
                            "closes_at": clock(16),
                        }
                    )
                elif hours < 0.8:
                    rows[Schedule].append(
                        {
                            "id": new_id(),
                            "location_id": location["id"],
                            "byday": "MO,TU,WE,TH,FR,SA,SU",
                            "opens_at": clock(0),
                            "closes_at": clock(0),
                        }
                    )
                for service in services:
                    rows[ServiceAtLocation].append(
                        {
                            "id": new_id(),
                            "service_id": service["id"],
                            "location_id": location["id"],
                        }
                    )
        for model, model_rows in rows.items():
            for start in range(0, len(model_rows), 2000):
                session.execute(insert(model), model_rows[start : start + 2000])
        session.commit()
    return app


def plain_folium_page(document: dict[str, Any], static_url: str) -> str:
    """folium's way: one ``folium.Marker`` with an HTML popup per location."""
    organizations = document["organizations"]
    services = document["services"]
    folium_map = folium.Map(location=[-2.5, 118.0], zoom_start=5, tiles=None, max_zoom=19)
    folium.TileLayer(tiles="http://127.0.0.1:9/{z}/{x}/{y}.png", attr="-", max_zoom=19).add_to(
        folium_map
    )
    for row in document["locations"]:
        if row[0] is None:
            continue
        names = "".join(f"<li>{services[i][1]}</li>" for i in row[3][:5])
        popup = (
            f"<strong>{organizations[row[2]][1]}</strong><ul>{names}</ul>"
            f"<p>{row[6] or ''}</p><p><a href='tel:{row[7] or ''}'>{row[7] or ''}</a></p>"
        )
        folium.Marker([row[0], row[1]], popup=folium.Popup(popup, max_width=300)).add_to(folium_map)
    localize(folium_map, lambda path: f"{static_url}/{path}")
    return folium_map.get_root().render()


@contextmanager
def serve(app: Flask, extra: Path) -> Iterator[str]:
    """The app on a free local port, with ``extra``'s files under ``/bench/``."""
    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {"/bench": str(extra)})  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def visit(browser: Browser, url: str, slow: bool = False) -> tuple[int, float, float]:
    """Bytes received (bodies and headers, as Chromium counts them), seconds from
    navigation start to the first marker drawn, and the CPU seconds the page's main
    thread spent until then (less at the mercy of other work on a shared machine).
    ``slow``: over the emulated connection ``SLOW_NETWORK``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        received = [0]
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if slow:
            cdp.send("Network.emulateNetworkConditions", SLOW_NETWORK)
        cdp.send("Performance.enable")
        cdp.on(
            "Network.loadingFinished",
            lambda event: received.__setitem__(0, received[0] + int(event["encodedDataLength"])),
        )
        page.add_init_script(FIRST_MARKER_PROBE)
        page.goto(url, wait_until="commit")
        page.wait_for_function(
            "() => window.__firstMarker !== null", timeout=FIRST_MARKER_TIMEOUT_MS
        )
        first = page.evaluate("() => window.__firstMarker") / 1000
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        # The rest of the first visit: marker images, and nothing after the load event.
        page.wait_for_load_state("load")
        page.wait_for_timeout(1000)
        return received[0], first, float(metrics["ThreadTime"])
    finally:
        context.close()


def measure(browser: Browser, label: str, locations: int, url: str) -> Measure:
    result = Measure(label, locations, [], [], [], 0.0)
    for _ in range(RUNS):
        transferred, seconds, cpu = visit(browser, url)
        result.transferred.append(transferred)
        result.first_marker.append(seconds)
        result.cpu.append(cpu)
    result.slow_first_marker = visit(browser, url, slow=True)[1]
    return result


def bench_one(browser: Browser, app: Flask, name: str, folder: Path) -> list[Measure]:
    with app.app_context():
        started = time.perf_counter()
        document = build_map_data(db.session, date.today())
        build_seconds = time.perf_counter() - started
    mapped = sum(1 for row in document["locations"] if row[0] is not None)
    if mapped == 0:
        print(f"{name}: no public location with coordinates; nothing to measure")
        return []
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    started = time.perf_counter()
    with app.test_request_context():
        (folder / "plain.html").write_text(plain_folium_page(document, "/static"))
    plain_seconds = time.perf_counter() - started
    print(
        f"{name}: {mapped:,} locations on the map, {len(document['confidential'])} confidential;"
        f" document built in {build_seconds:.2f} s ({len(body) / 1e6:.2f} MB of JSON);"
        f" plain folium page rendered in {plain_seconds:.1f} s"
        f" ({(folder / 'plain.html').stat().st_size / 1e6:.2f} MB)"
    )
    with serve(app, folder) as base:
        visit(browser, f"{base}/peta")  # warms the server's document cache, like a live site
        ours = measure(browser, f"/peta, {name}", mapped, f"{base}/peta")
        plain = measure(browser, f"plain folium, {name}", mapped, f"{base}/bench/plain.html")
    return [ours, plain]


def report(results: list[Measure]) -> None:
    print()
    print(
        f"{'page':<24} {'locations':>9} {'transferred':>12} {'first marker (best)':>20}"
        f" {'main-thread CPU':>16} {'first marker, 1.6 Mbit/s':>25}"
    )
    for m in results:
        print(
            f"{m.label:<24} {m.locations:>9,} {m.bytes / 1e6:>9.3f} MB"
            f" {m.seconds:>9.2f} s ({m.best_seconds:.2f} s)"
            f" {m.cpu_seconds:>14.2f} s {m.slow_first_marker:>23.1f} s"
        )
    print()
    for ours, plain in zip(results[::2], results[1::2], strict=True):
        print(
            f"plain folium / ours at {ours.locations:,} locations: "
            f"{plain.bytes / ours.bytes:.1f}x the bytes, "
            f"{plain.seconds / ours.seconds:.2f}x the time to the first marker, "
            f"{plain.cpu_seconds / ours.cpu_seconds:.2f}x the main-thread CPU, "
            f"{plain.slow_first_marker / ours.slow_first_marker:.1f}x the time to the first "
            "marker at 1.6 Mbit/s"
        )
    large = [m for m in results[::2] if m.locations >= LARGE]
    for m in large:
        print(
            f"targets at {m.locations:,}: transferred {m.bytes / 1e6:.2f} MB "
            f"({'met' if m.bytes < TARGET_BYTES else 'MISSED'}: < {TARGET_BYTES / 1e6} MB), "
            f"first marker {m.seconds:.2f} s "
            f"({'met' if m.seconds < TARGET_SECONDS else 'MISSED'}: < {TARGET_SECONDS} s)"
        )


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    load = os.getloadavg()[0]
    if not Path(CHROMIUM).exists():
        print(f"map bench: {CHROMIUM} is missing (apt-get install -y chromium)")
        return 1
    print(
        f"map bench: headless Chromium, tiles off, medians of {RUNS} cold visits over"
        " loopback, and one over an emulated 1.6 Mbit/s, 150 ms connection"
    )
    folder = Path(tempfile.mkdtemp(prefix="map-bench-"))
    results: list[Measure] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                for name, build in (
                    ("seed", lambda f: seed_database(f)),
                    (f"{LARGE:,}", lambda f: generated_database(f, LARGE, random.Random(5))),
                ):
                    sub = folder / name.replace(",", "")
                    sub.mkdir()
                    app = build(sub)
                    results.extend(bench_one(browser, app, name, sub))
                    with app.app_context():
                        db.session.remove()
                        db.engine.dispose()
            finally:
                browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(results)
    print(
        f"load average when the bench started: {load:.1f} on {os.cpu_count()} cores "
        "(wall-clock figures grow with it; the CPU column much less)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
