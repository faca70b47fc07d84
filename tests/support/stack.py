"""One prepared production stack per test run, for the process-level tests.

A PostgreSQL server of its own (the fault tests restart it), on which one database is
prepared from empty exactly as ``make run`` prepares it (``flask db upgrade``, ``seed
load``, ``search rebuild``); every test then gets a site: a copy of that database
(``CREATE DATABASE ... TEMPLATE``) and a copy of the instance folder (its secret, keys
and search index, whose cursor matches the copied change log).

These tests start processes and take seconds each: they run once, in the PostgreSQL pass
of ``make test`` (``TEST_DATABASE=postgresql``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from directory.institutions.models import TAXONOMY_PROBLEMS
from tests.support.postgres import PostgresServer
from tests.support.servers import AppServer, prepare_database, server_env

PREPARED = "prepared"

only_in_postgres_pass = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE") != "postgresql",
    reason="starts servers and processes: runs once, in the PostgreSQL pass of make test",
)


@dataclass
class Site:
    env: dict[str, str]
    database_url: str
    instance: Path

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.database_url, pool_pre_ping=True)


@dataclass
class Stack:
    postgres: PostgresServer
    folder: Path
    prepare_seconds: float
    counter: itertools.count[int]

    @property
    def template_instance(self) -> Path:
        return self.folder / "instance"

    def admin(self) -> sa.Engine:
        return sa.create_engine(
            self.postgres.admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True
        )

    def new_site(self, folder: Path) -> Site:
        name = f"site_{next(self.counter)}"
        engine = self.admin()
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {PREPARED}")
        engine.dispose()
        instance = folder / f"instance-{name}"
        shutil.copytree(self.template_instance, instance)
        url = self.postgres.url(name)
        return Site(server_env(instance, url), url, instance)

    def stop_database(self) -> None:
        """Stops PostgreSQL, keeping its data (``pg_ctl stop -m fast``)."""
        self.postgres._run("pg_ctl", "-D", str(self.postgres.data_dir), "-m", "fast", "-w", "stop")

    def start_database(self) -> None:
        data = str(self.postgres.data_dir)
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.postgres.port} -k {data} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.postgres._run("pg_ctl", "-D", data, "-o", options, "-l", f"{data}/log", "-w", "start")


_stack: Stack | None = None


def shared_stack() -> Stack:
    """The run's stack, prepared on first use and stopped when the run ends."""
    global _stack
    if _stack is None:
        postgres = PostgresServer.start()
        folder = Path(tempfile.mkdtemp(prefix="directory-stack-"))

        def cleanup() -> None:
            postgres.stop()
            shutil.rmtree(folder, ignore_errors=True)

        atexit.register(cleanup)
        admin = sa.create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {PREPARED}")
        admin.dispose()
        started = time.monotonic()
        prepare_database(server_env(folder / "instance", postgres.url(PREPARED)))
        _stack = Stack(postgres, folder, time.monotonic() - started, itertools.count())
    return _stack


DEMO_PASSWORD = "sandi-demo-rujukan"


@dataclass
class Actors:
    """A demo counsellor and the partner receiving at one of the seed's services."""

    counsellor: dict[str, str]
    partner: dict[str, str]
    service_id: str
    problem_id: str


def referral_actors(site: Site, base_url: str) -> Actors:
    engine = site.engine()
    with engine.connect() as connection:
        service_id, problem_id = connection.execute(
            sa.text(
                "SELECT s.id, t.id FROM service s JOIN organization o ON o.id = s.organization_id"
                " JOIN user_account u ON u.organization_id = o.id, taxonomy_term t"
                " WHERE u.email = 'mitra.uptdppa@example.org' AND s.accepting_referrals"
                " AND s.status = 'active' AND t.taxonomy_id = :problems"
                " ORDER BY s.name, t.name LIMIT 1"
            ),
            {"problems": TAXONOMY_PROBLEMS},
        ).one()
    engine.dispose()

    def bearer(email: str) -> dict[str, str]:
        response = requests.post(
            f"{base_url}/api/v1/auth/token",
            json={"email": email, "password": DEMO_PASSWORD},
            timeout=30,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return Actors(
        bearer("konselor.kotaserang@example.org"),
        bearer("mitra.uptdppa@example.org"),
        str(service_id),
        str(problem_id),
    )


def referral_body(actors: Actors, reference: str) -> dict[str, object]:
    return {
        "service_id": actors.service_id,
        "problem_term_ids": [actors.problem_id],
        "urgency": "normal",
        "reason": "Uji gangguan: klien membutuhkan pendampingan.",
        "client": {
            "reference": reference,
            "initials": "U.G.",
            "age_group": "25-59",
            "sex": "female",
        },
        "consent": {
            "given": True,
            "method": "verbal",
            "recorded_at": datetime.now(UTC).isoformat(),
        },
    }


TRANSITIONS: dict[str, dict[str, object]] = {
    "accept": {"action": "accept"},
    "start": {"action": "start"},
    "close": {"action": "close", "outcome": {"result": "successful", "service_delivered": True}},
}


def key(referral_id: object) -> str:
    """One spelling of an id: SQLite stores UUIDs as bare hex, PostgreSQL as uuid."""
    return uuid.UUID(str(referral_id)).hex


def stored_referrals(site: Site) -> dict[str, tuple[str, list[tuple[str, str | None, str]]]]:
    """Every referral: its status and its events (action, from, to) in order."""
    engine = site.engine()
    with engine.connect() as connection:
        statuses = {
            key(row[0]): row[1]
            for row in connection.execute(sa.text("SELECT id, status FROM referral"))
        }
        events: dict[str, list[tuple[str, str | None, str]]] = {k: [] for k in statuses}
        for row in connection.execute(
            sa.text(
                "SELECT referral_id, action, from_status, to_status FROM referral_event ORDER BY id"
            )
        ):
            events.setdefault(key(row[0]), []).append((row[1], row[2], row[3]))
    engine.dispose()
    return {k: (statuses.get(k, "<missing>"), events[k]) for k in events}


def chain_problems(status: str, events: list[tuple[str, str | None, str]]) -> list[str]:
    """What is inconsistent in one referral's history: it starts with one send, each
    event leaves the status the previous one reached, the status is the last one's."""
    problems = []
    if not events or events[0][:1] != ("send",) or events[0][2] != "sent":
        problems.append(f"does not start with one send: {events}")
    for previous, event in itertools.pairwise(events):
        if event[1] != previous[2]:
            problems.append(f"{event[0]} from {event[1]} after reaching {previous[2]}")
    actions = [event[0] for event in events]
    if len(actions) != len(set(actions)):
        problems.append(f"an action twice: {actions}")
    if events and events[-1][2] != status:
        problems.append(f"status {status}, last event reached {events[-1][2]}")
    return problems


def search_ids(server: AppServer, text: str) -> list[str]:
    response = requests.get(f"{server.url}/api/v1/services", params={"search": text}, timeout=30)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["contents"]]


def hsds_organization(service_name: str) -> dict[str, object]:
    organization_id = str(uuid.uuid4())
    return {
        "id": organization_id,
        "name": "Yayasan Nelayan Teluk Banten",
        "description": "Pendampingan keluarga nelayan.",
        "services": [
            {
                "id": str(uuid.uuid4()),
                "organization_id": organization_id,
                "name": service_name,
                "status": "active",
                "description": "Konseling keluarga nelayan di pesisir teluk.",
            }
        ],
    }
