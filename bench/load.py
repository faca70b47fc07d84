"""``make load``: a scripted load against gunicorn on 127.0.0.1, on SQLite and PostgreSQL.

For each database the script makes a throwaway instance folder (and, for PostgreSQL, a
throwaway server), runs what the Makefile's ``database`` target runs, creates counsellor
and partner accounts up front, starts gunicorn, and lets ``LOAD_USERS`` (50) threads
loop for ``LOAD_SECONDS`` (60): mostly searches and map data, some referral actions
(each user sends referrals and the receiving partner moves them through accept, start,
close). It prints throughput, p50/p95/p99 latency per kind and the errors, then checks
that every acknowledged referral action is in the database exactly once and that each
referral's status is the one its last event reached.

Environment: ``LOAD_DATABASES`` (``sqlite,postgresql``), ``LOAD_SECONDS``, ``LOAD_USERS``,
``LOAD_WORKERS`` (gunicorn workers, default 4). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import os
import random
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

import numpy as np
import requests
import sqlalchemy as sa

from tests.support.postgres import PostgresServer
from tests.support.servers import AppServer, prepare_database, server_env

PASSWORD = "sandi-uji-beban-panjang"
SEARCH_WORDS = (
    "konseling",
    "kekerasan",
    "perceraian",
    "anak",
    "bantuan hukum",
    "rumah aman",
    "psikolog",
    "disabilitas",
    "pendampingan",
    "lansia",
)
PLACES = ("Kota Serang", "Kota Bandung", "Kota Surabaya", "Kota Makassar", "Kota Medan")
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


TRANSITION_BODIES: dict[str, dict[str, Any]] = {
    "accept": {"action": "accept"},
    "start": {"action": "start"},
    "close": {
        "action": "close",
        "outcome": {"result": "successful", "service_delivered": True},
    },
}


def user_loop(
    base: str, pair: Pair, results: Results, seconds: float, seed: int, started: threading.Event
) -> None:
    """One simulated user for ``seconds``: searches, map data and its referral's steps."""
    rng = random.Random(seed)
    session = requests.Session()
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
            params: dict[str, Any] = {"search": rng.choice(SEARCH_WORDS)}
            if rng.random() < 0.5:
                params["near"] = rng.choice(PLACES)
                params["radius_km"] = 50
            method, url, body, headers = "GET", f"{base}/api/v1/services", None, {}
        elif kind == "map":
            params = {}
            method, url, body, headers = "GET", f"{base}/peta/data.json", None, {}
        else:
            params = {}
            action = NEXT_ACTION[last]
            method = "POST"
            if action == "send":
                kind, url, headers = "referral_send", f"{base}/api/v1/referrals", counsellor
                sent += 1
                body = referral_body(pair, seed * 100_000 + sent)
            else:
                kind, headers = "referral_transition", partner
                url = f"{base}/api/v1/referrals/{referral_id}/transitions"
                body = TRANSITION_BODIES[action]
        begun = time.perf_counter()
        try:
            response = session.request(
                method, url, params=params, json=body, headers=headers, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as error:
            results.error(f"{kind}: {type(error).__name__}")
            continue
        elapsed = time.perf_counter() - begun
        if response.status_code >= 400:
            results.error(f"{kind}: HTTP {response.status_code}")
            continue
        results.record(kind, elapsed)
        if kind.startswith("referral"):
            if action == "send":
                referral_id = response.json()["id"]
            assert referral_id is not None
            results.acknowledge(referral_id, action)
            last = action
    session.close()


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


def run(database: str, seconds: float, users: int, workers: int) -> bool:
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
        server = AppServer(env, workers=workers).start()
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
        server.stop()
        return report(database, workers, users, elapsed, results, check_database(url, results))
    finally:
        if server is not None:
            server.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


def report(
    database: str,
    workers: int,
    users: int,
    elapsed: float,
    results: Results,
    problems: list[str],
) -> bool:
    total = sum(len(values) for values in results.latencies.values())
    errors = sum(results.errors.values())
    print(f"== {database}: {users} users, {workers} gunicorn workers, {elapsed:.1f} s")
    print(f"requests: {total} ok, {errors} errors, {total / elapsed:.1f} per second")
    print(f"{'kind':<22}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in ("search", "map", "referral_send", "referral_transition"):
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
    return all(checks.values())


def main() -> int:
    databases = os.environ.get("LOAD_DATABASES", "sqlite,postgresql").split(",")
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    users = int(os.environ.get("LOAD_USERS", "50"))
    workers = int(os.environ.get("LOAD_WORKERS", "4"))
    passed = [run(database.strip(), seconds, users, workers) for database in databases]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
