"""``make load``: a scripted load against gunicorn on 127.0.0.1, on SQLite and PostgreSQL.

For each database the script makes a throwaway instance folder (and, for PostgreSQL, a
throwaway server), runs what the Makefile's ``database`` target runs, creates counsellor
and partner accounts up front, starts gunicorn with ``gunicorn.conf.py`` (the settings
of ``make serve``), and lets ``LOAD_USERS`` (50) threads loop for ``LOAD_SECONDS`` (60)
with no think time: mostly searches and map data, some referral actions (each user sends
referrals and the receiving partner moves them through accept, start, close). It prints
throughput, p50/p95/p99 latency per kind and the errors, then checks that every
acknowledged referral action is in the database exactly once and that each referral's
status is the one its last event reached.

The searches follow how counsellors search (see :func:`search_params`): a problem word,
mostly with the place of their own institution, drawn from a Zipf-like popularity
(a few problems in a few big places make most searches, a long tail the rest), and a
share of cold searches (20 %) that a cache has rarely or never seen: the device's own
location (a point scattered around a city) and later pages. ``search`` in the figures is
every search; ``search_cold`` is the cold ones alone.

The server runs without rate limits (``FLASK_RATELIMIT_ENABLED=false``, set by
``tests.support.servers.server_env``): its 50 users share 127.0.0.1, which the per-address
limits of search and the map would otherwise answer with 429 within seconds.

Environment: ``LOAD_DATABASES`` (``sqlite,postgresql``), ``LOAD_SECONDS``, ``LOAD_USERS``,
``LOAD_WORKERS`` (gunicorn workers; default: ``gunicorn.conf.py``'s). Exit status 1
when a target is missed.
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import random
import runpy
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import requests
import sqlalchemy as sa

from tests.support.postgres import PostgresServer
from tests.support.servers import AppServer, prepare_database, server_env

PASSWORD = "sandi-uji-beban-panjang"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = PROJECT_ROOT / "gunicorn.conf.py"
# Problems as counsellors type them, most asked first (Zipf rank).
SEARCH_WORDS = (
    "kekerasan",
    "konseling",
    "KDRT",
    "perceraian",
    "anak",
    "bantuan hukum",
    "rumah aman",
    "psikolog",
    "hak asuh",
    "pendampingan",
    "disabilitas",
    "lansia",
    "NAPZA",
    "pernikahan anak",
    "ODGJ",
    "TPPO",
)
# Places of the sending institutions, busiest first (Zipf rank).
PLACES = (
    "Kota Serang",
    "Kabupaten Serang",
    "Kota Bandung",
    "Kota Surabaya",
    "Kota Medan",
    "Kota Makassar",
    "Kota Semarang",
    "Kota Tangerang",
    "Kabupaten Bogor",
    "Kota Yogyakarta",
    "Kota Palembang",
    "Kota Denpasar",
    "Kota Kupang",
    "Kota Jayapura",
)
ZIPF_EXPONENT = 1.0
# Share of searches that are cold: a device location, or pages 2 to 5.
COLD_SHARE = 0.2
# Share of the popular searches given without a place (text only, the whole country).
NO_PLACE_SHARE = 0.25
# Weights of what a user does next.
MIX = {"search": 0.5, "map": 0.15, "referral": 0.35}
TARGET_SEARCH_P95_MS = 300.0
TARGET_REFERRAL_ACTIONS_PER_S = 50.0
REQUEST_TIMEOUT = 30.0
NEXT_ACTION = {"send": "accept", "accept": "start", "start": "close", "close": "send"}


@dataclass
class Pair:
    counsellor_token: str
    partner_token: str
    service_id: str
    problem_id: str


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1

    def acknowledge(self, referral_id: str, action: str) -> None:
        with self.lock:
            self.acknowledged[referral_id].append(action)


def create_accounts(instance: Path, database_url: str, pairs: int) -> list[dict[str, str]]:
    """Counsellors at LK3 organizations and partners at organizations whose services
    accept referrals; returns emails, services and problem terms per pair."""
    from directory import create_app
    from directory.auth.models import COUNSELLOR, PARTNER
    from directory.auth.operations import create_user
    from directory.extensions import db
    from directory.institutions.models import (
        TAXONOMY_PROBLEMS,
        Organization,
        Service,
        TaxonomyTerm,
    )

    app = create_app(
        {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": database_url, "DEMO_MODE": True}
    )
    made: list[dict[str, str]] = []
    with app.app_context():
        problems = list(
            db.session.scalars(
                sa.select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS)
            )
        )
        senders = list(
            db.session.scalars(
                sa.select(Organization.id)
                .where(Organization.name.like("LK3%"))
                .order_by(Organization.name)
            )
        )
        receivers: dict[str, str] = {}
        for service_id, organization_id in db.session.execute(
            sa.select(Service.id, Service.organization_id)
            .where(Service.accepting_referrals.is_(True), Service.status == "active")
            .where(Service.organization_id.not_in(senders))
            .order_by(Service.name)
        ):
            receivers.setdefault(organization_id, service_id)
        receiving = list(receivers.items())
        for number in range(pairs):
            sender = senders[number % len(senders)]
            organization_id, service_id = receiving[number % len(receiving)]
            counsellor = f"load.konselor{number}@example.org"
            partner = f"load.mitra{number}@example.org"
            create_user(
                email=counsellor,
                name=f"Konselor beban {number}",
                role=COUNSELLOR,
                password=PASSWORD,
                organization_id=sender,
            )
            create_user(
                email=partner,
                name=f"Mitra beban {number}",
                role=PARTNER,
                password=PASSWORD,
                organization_id=organization_id,
            )
            made.append(
                {
                    "counsellor": counsellor,
                    "partner": partner,
                    "service_id": service_id,
                    "problem_id": problems[number % len(problems)],
                }
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return made


def token(base: str, email: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/token",
        json={"email": email, "password": PASSWORD},
        timeout=REQUEST_TIMEOUT,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def referral_body(pair: Pair, number: int) -> dict[str, Any]:
    return {
        "service_id": pair.service_id,
        "problem_term_ids": [pair.problem_id],
        "urgency": random.choice(("emergency", "high", "normal")),
        "reason": "Uji beban: klien membutuhkan pendampingan lanjutan.",
        "client": {
            "reference": f"BEBAN-{number}",
            "initials": "U.B.",
            "age_group": "25-59",
            "sex": random.choice(("female", "male")),
        },
        "consent": {
            "given": True,
            "method": "verbal",
            "recorded_at": datetime.now(UTC).isoformat(),
        },
    }


def zipf_weights(count: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    return [1 / rank**exponent for rank in range(1, count + 1)]


WORD_WEIGHTS = zipf_weights(len(SEARCH_WORDS))
PLACE_WEIGHTS = zipf_weights(len(PLACES))


def place_points() -> dict[str, tuple[float, float]]:
    """The gazetteer's point of each place of :data:`PLACES` (seed/regions.csv)."""
    points = {}
    with open(PROJECT_ROOT / "seed" / "regions.csv", newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if row["name"] in PLACES:
                points[row["name"]] = (float(row["latitude"]), float(row["longitude"]))
    return points


POINTS = place_points()


def search_params(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One search: ``("search", params)`` for a popular one, ``("search_cold", params)``
    for a rare one: two in three a device location (a point within about 10 km of a city,
    never the same twice), else a later page (2 to 5) of a popular search."""
    word = rng.choices(SEARCH_WORDS, WORD_WEIGHTS)[0]
    place = rng.choices(PLACES, PLACE_WEIGHTS)[0]
    if rng.random() < COLD_SHARE:
        if rng.random() < 2 / 3:
            latitude, longitude = POINTS[place]
            return "search_cold", {
                "search": word,
                "latitude": f"{latitude + rng.uniform(-0.09, 0.09):.5f}",
                "longitude": f"{longitude + rng.uniform(-0.09, 0.09):.5f}",
                "radius_km": 50,
            }
        return "search_cold", {"search": word, "near": place, "page": rng.randint(2, 5)}
    if rng.random() < NO_PLACE_SHARE:
        return "search", {"search": word}
    return "search", {"search": word, "near": place, "radius_km": 50}


TRANSITION_BODIES: dict[str, dict[str, Any]] = {
    "accept": {"action": "accept"},
    "start": {"action": "start"},
    "close": {
        "action": "close",
        "outcome": {"result": "successful", "service_delivered": True},
    },
}


class Client:
    """One user's keep-alive connection: plain ``http.client``, so the load generator,
    which shares the machine with the server, spends little CPU per request."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        if params:
            path = f"{path}?{urlencode(params)}"
        payload = json.dumps(body).encode() if body is not None else None
        sent = {**headers, "Content-Type": "application/json"} if payload else headers
        try:
            self.connection.request(method, path, body=payload, headers=sent)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # a fresh connection for the next request
            raise

    def close(self) -> None:
        self.connection.close()


def user_loop(
    base: str, pair: Pair, results: Results, seconds: float, seed: int, started: threading.Event
) -> None:
    """One simulated user for ``seconds``: searches, map data and its referral's steps."""
    rng = random.Random(seed)
    client = Client(base)
    counsellor = {"Authorization": f"Bearer {pair.counsellor_token}"}
    partner = {"Authorization": f"Bearer {pair.partner_token}"}
    referral_id: str | None = None
    last = "close"
    sent = 0
    kinds, weights = zip(*MIX.items(), strict=True)
    started.wait()
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        if kind == "search":
            kind, params = search_params(rng)
            method, url, body, headers = "GET", "/api/v1/services", None, {}
        elif kind == "map":
            params = {}
            method, url, body, headers = "GET", "/peta/data.json", None, {}
        else:
            params = {}
            action = NEXT_ACTION[last]
            method = "POST"
            if action == "send":
                kind, url, headers = "referral_send", "/api/v1/referrals", counsellor
                sent += 1
                body = referral_body(pair, seed * 100_000 + sent)
            else:
                kind, headers = "referral_transition", partner
                url = f"/api/v1/referrals/{referral_id}/transitions"
                body = TRANSITION_BODIES[action]
        begun = time.perf_counter()
        try:
            status, content = client.request(method, url, params, body, headers)
        except (OSError, http.client.HTTPException) as error:
            results.error(f"{kind}: {type(error).__name__}")
            continue
        elapsed = time.perf_counter() - begun
        if status >= 400:
            results.error(f"{kind}: HTTP {status}")
            continue
        results.record(kind, elapsed)
        if kind == "search_cold":
            results.record("search", elapsed)
        if kind.startswith("referral"):
            if action == "send":
                referral_id = json.loads(content)["id"]
            assert referral_id is not None
            results.acknowledge(referral_id, action)
            last = action
    client.close()


def _key(referral_id: object) -> str:
    """Ids as one spelling: SQLite stores UUIDs as bare hex, PostgreSQL as uuid."""
    return uuid.UUID(str(referral_id)).hex


def check_database(database_url: str, results: Results) -> list[str]:
    """Every acknowledged action exactly once; each status is its last event's."""
    engine = sa.create_engine(database_url)
    problems: list[str] = []
    acknowledged = {_key(key): actions for key, actions in results.acknowledged.items()}
    with engine.connect() as connection:
        events: dict[str, list[str]] = defaultdict(list)
        for referral_id, action in connection.execute(
            sa.text("SELECT referral_id, action FROM referral_event ORDER BY id")
        ):
            events[_key(referral_id)].append(action)
        statuses = {
            _key(row[0]): row[1]
            for row in connection.execute(sa.text("SELECT id, status FROM referral"))
        }
        last_to = {
            _key(row[0]): row[1]
            for row in connection.execute(
                sa.text(
                    "SELECT e.referral_id, e.to_status FROM referral_event e WHERE e.id = "
                    "(SELECT max(id) FROM referral_event WHERE referral_id = e.referral_id)"
                )
            )
        }
    engine.dispose()
    for referral_id, actions in acknowledged.items():
        if Counter(events.get(referral_id, [])) != Counter(actions):
            problems.append(f"{referral_id}: acknowledged {actions}, stored {events[referral_id]}")
    for referral_id in set(events) - set(acknowledged):
        problems.append(f"{referral_id}: stored but never acknowledged {events[referral_id]}")
    for referral_id, status in statuses.items():
        if last_to.get(referral_id) != status:
            problems.append(
                f"{referral_id}: status {status}, last event {last_to.get(referral_id)}"
            )
    return problems


def run(database: str, seconds: float, users: int, workers: int) -> dict[str, Any]:
    """One database's run: prints its figures, returns them for the summary."""
    folder = Path(tempfile.mkdtemp(prefix=f"load-{database}-"))
    instance = folder / "instance"
    postgres = None
    server = None
    try:
        if database == "postgresql":
            postgres = PostgresServer.start()
            admin = sa.create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql("CREATE DATABASE load")
            admin.dispose()
            url = postgres.url("load")
        else:
            url = f"sqlite:///{instance / 'directory.sqlite'}"
        env = server_env(instance, url)
        print(f"\n== {database}: preparing (migrate, seed, index) ...", flush=True)
        prepare_database(env, demo=False)
        accounts = create_accounts(instance, url, users)
        server = AppServer(
            env, workers=workers, extra_args=("--config", str(GUNICORN_CONFIG))
        ).start()
        pairs = [
            Pair(
                token(server.url, account["counsellor"]),
                token(server.url, account["partner"]),
                account["service_id"],
                account["problem_id"],
            )
            for account in accounts
        ]
        # Warm every worker (index snapshot, map document) before the clock starts.
        for _ in range(workers * 3):
            requests.get(f"{server.url}/api/v1/services?search=konseling", timeout=60)
            requests.get(f"{server.url}/peta/data.json", timeout=60)
        load_before = os.getloadavg()
        client_before = time.process_time()
        workers_before = _cpu_seconds(server.worker_pids())
        results = Results()
        started = threading.Event()
        threads = [
            threading.Thread(
                target=user_loop, args=(server.url, pair, results, seconds, number + 1, started)
            )
            for number, pair in enumerate(pairs)
        ]
        for thread in threads:
            thread.start()
        began = time.monotonic()
        started.set()
        for thread in threads:
            thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
        elapsed = time.monotonic() - began
        load_after = os.getloadavg()
        client_cpu = time.process_time() - client_before
        workers_cpu = _cpu_seconds(server.worker_pids()) - workers_before
        server.stop()
        print(
            f"load average (1, 5, 15 min) before: {_loads(load_before)}, "
            f"after: {_loads(load_after)} ({os.cpu_count()} cores)"
        )
        # The client shares the machine: what it spends is not the server's to spend.
        cores = os.cpu_count() or 1
        print(
            f"CPU in {elapsed:.1f} s: gunicorn workers {workers_cpu:.1f} s "
            f"({workers_cpu / elapsed / cores:.0%} of the cores), load client {client_cpu:.1f} s "
            f"({client_cpu / elapsed / cores:.0%})"
        )
        figures = report(database, workers, users, elapsed, results, check_database(url, results))
        figures["load"] = f"{load_before[0]:.1f}-{load_after[0]:.1f}"
        return figures
    finally:
        if server is not None:
            server.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _loads(loads: tuple[float, float, float]) -> str:
    return " ".join(f"{load:.2f}" for load in loads)


def report(
    database: str,
    workers: int,
    users: int,
    elapsed: float,
    results: Results,
    problems: list[str],
) -> dict[str, Any]:
    """Prints the figures and the targets met; returns the figures."""
    # Cold searches are counted under "search" too.
    total = sum(len(values) for kind, values in results.latencies.items() if kind != "search_cold")
    errors = sum(results.errors.values())
    config = runpy.run_path(str(GUNICORN_CONFIG))
    print(
        f"== {database}: {users} users (no think time), {workers} gunicorn "
        f"{config['worker_class']} workers x {config['threads']} threads, {elapsed:.1f} s"
    )
    print(f"requests: {total} ok, {errors} errors, {total / elapsed:.1f} per second")
    print(f"{'kind':<22}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in ("search", "search_cold", "map", "referral_send", "referral_transition"):
        values = np.asarray(results.latencies.get(kind, [0.0])) * 1000
        count = len(results.latencies.get(kind, []))
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        print(f"{kind:<22}{count:>8}{count / elapsed:>9.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}")
    for what, count in results.errors.most_common():
        print(f"error: {what} x {count}")
    actions = len(results.latencies.get("referral_send", [])) + len(
        results.latencies.get("referral_transition", [])
    )
    acknowledged = sum(len(actions) for actions in results.acknowledged.values())
    rate = actions / elapsed
    search_p95 = float(np.percentile(np.asarray(results.latencies.get("search", [0.0])), 95))
    print(f"referral actions acknowledged: {acknowledged}, checked in the database: ", end="")
    print("all present exactly once" if not problems else f"{len(problems)} PROBLEMS")
    for problem in problems[:10]:
        print(f"  {problem}")
    checks = {
        "zero errors": errors == 0,
        f"search p95 < {TARGET_SEARCH_P95_MS:.0f} ms ({search_p95 * 1000:.0f} ms)": search_p95
        * 1000
        < TARGET_SEARCH_P95_MS,
        f"referral actions >= {TARGET_REFERRAL_ACTIONS_PER_S:.0f}/s ({rate:.1f}/s)": rate
        >= TARGET_REFERRAL_ACTIONS_PER_S,
        "database consistent": not problems,
    }
    for name, passed in checks.items():
        print(f"target {name}: {'met' if passed else 'MISSED'}")
    return {
        "database": database,
        "per_s": total / elapsed,
        "errors": errors,
        "search_p95": search_p95 * 1000,
        "actions_per_s": rate,
        "consistent": not problems,
        "passed": all(checks.values()),
    }


def summary(runs: list[dict[str, Any]]) -> None:
    """Both databases side by side."""
    print("\n== summary")
    print(
        f"{'database':<12}{'req/s':>8}{'errors':>8}{'search p95':>12}{'actions/s':>11}"
        f"{'consistent':>12}{'load avg':>10}  targets"
    )
    for run_ in runs:
        print(
            f"{run_['database']:<12}{run_['per_s']:>8.1f}{run_['errors']:>8}"
            f"{run_['search_p95']:>9.0f} ms{run_['actions_per_s']:>11.1f}"
            f"{'yes' if run_['consistent'] else 'NO':>12}{run_['load']:>10}  "
            f"{'met' if run_['passed'] else 'MISSED'}"
        )


def main() -> int:
    databases = os.environ.get("LOAD_DATABASES", "sqlite,postgresql").split(",")
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    users = int(os.environ.get("LOAD_USERS", "50"))
    workers = int(os.environ.get("LOAD_WORKERS") or runpy.run_path(str(GUNICORN_CONFIG))["workers"])
    runs = [run(database.strip(), seconds, users, workers) for database in databases]
    summary(runs)
    return 0 if all(run_["passed"] for run_ in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
