"""Referrals at the size of a busy province: how long the boxes, the referral's page and an
action take, and what a sign-in costs.

A file SQLite database (WAL, as served) with ``REFERRALS`` referrals, most of them to one
receiving organization; medians and 95th percentiles of ``RUNS`` rounds, through the test
client (the whole request: session, query, template). Run with
``python -m bench.referrals_bench`` (``make bench`` runs it).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select

from directory import create_app
from directory.auth.models import PARTNER, User
from directory.auth.operations import issue_api_token
from directory.auth.passwords import hash_password, verify_password
from directory.database import new_id, utcnow
from directory.extensions import db
from directory.institutions.models import Organization, Service
from directory.referrals import states
from directory.referrals.models import Referral, ReferralEvent, new_reference_number

REFERRALS = 10_000
RUNS = 30
STATUSES = (states.SENT, states.RECEIVED, states.ACCEPTED, states.IN_PROGRESS, states.CLOSED)
URGENCIES = ("emergency", "high", "normal")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def report(what: str, samples: list[float], extra: str = "") -> None:
    print(f"{what:<32} {percentiles(samples)}{extra}")


def timed(action: Callable[[], object], runs: int = RUNS) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def populate(app: Flask) -> dict[str, str]:
    with app.app_context():
        db.create_all()
        organizations = [Organization(name=f"Lembaga {n}") for n in range(40)]
        db.session.add_all(organizations)
        db.session.flush()
        services = [
            Service(name=f"Layanan {n}", organization=org) for n, org in enumerate(organizations)
        ]
        db.session.add_all(services)
        password = hash_password("kata sandi uji yang panjang")
        counsellor = User(
            email="k@example.org",
            name="K",
            role="counsellor",
            organization=organizations[1],
            password_hash=password,
        )
        partner = User(
            email="p@example.org",
            name="P",
            role=PARTNER,
            organization=organizations[0],
            password_hash=password,
        )
        db.session.add_all([counsellor, partner])
        db.session.flush()
        randomly = random.Random(7)
        now = utcnow()
        rows, events = [], []
        for n in range(REFERRALS):
            # Three in four go to organization 0, the busy one.
            service = services[0] if randomly.random() < 0.75 else randomly.choice(services[1:])
            sent = now - timedelta(minutes=randomly.randrange(60 * 24 * 365))
            referral_id = new_id()
            rows.append(
                {
                    "id": referral_id,
                    "reference_number": f"{new_reference_number()}{n}",
                    "status": randomly.choice(STATUSES),
                    "version": 1,
                    "urgency": randomly.choice(URGENCIES),
                    "reason": "Alasan rujukan.",
                    "service_id": service.id,
                    "receiving_organization_id": service.organization_id,
                    "sending_organization_id": organizations[1].id,
                    "counsellor_id": counsellor.id,
                    "client_reference": f"K-{n}",
                    "client_initials": "A.B.",
                    "client_age_group": "25-59",
                    "client_sex": "female",
                    "consent_given": True,
                    "consent_method": "written",
                    "consent_recorded_at": sent,
                    "sent_at": sent,
                    "status_changed_at": sent,
                    "due_at": sent + timedelta(days=3),
                }
            )
            events.append(
                {
                    "referral_id": referral_id,
                    "action": "send",
                    "to_status": "sent",
                    "actor_id": counsellor.id,
                    "occurred_at": sent,
                }
            )
        db.session.execute(insert(Referral), rows)
        db.session.execute(insert(ReferralEvent), events)
        busy = next(row for row in rows if row["service_id"] == services[0].id)
        db.session.commit()
        return {"partner": partner.get_id(), "referral": busy["id"], "partner_id": partner.id}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": path,
                "DEMO_MODE": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path / 'bench.sqlite'}",
            }
        )
        started = time.perf_counter()
        ids = populate(app)
        built = time.perf_counter() - started
        print(f"referrals: {REFERRALS:,}, three in four to one organization ({built:.1f} s)")
        client = app.test_client()
        with client.session_transaction() as session:
            session.update({"_user_id": ids["partner"], "signed_in_at": int(time.time())})

        def get(url: str, headers: dict[str, str] | None = None) -> None:
            response = client.get(url, headers=headers or {})
            assert response.status_code == 200, (url, response.status_code)

        page = f"/rujukan/{ids['referral']}"
        api_inbox = "/api/v1/referrals?box=received&per_page=100"
        with app.app_context():
            raw, _token = issue_api_token(db.session.get(User, ids["partner_id"]))
            db.session.commit()
        bearer = {"Authorization": f"Bearer {raw}"}
        report("inbox, first page", timed(lambda: get("/rujukan/masuk")))
        report("inbox, overdue only", timed(lambda: get("/rujukan/masuk?terlambat=1")))
        report("API inbox, 100 a page", timed(lambda: get(api_inbox, bearer)))
        report("referral page (records visit)", timed(lambda: get(page)))

        # Twenty partners accept twenty different referrals at once.
        with app.app_context():
            busy_organization = db.session.get(User, ids["partner_id"]).organization_id
            waiting = db.session.scalars(
                select(Referral.id)
                .where(
                    Referral.status == states.RECEIVED,
                    Referral.receiving_organization_id == busy_organization,
                )
                .limit(20)
            ).all()
        barrier = threading.Barrier(len(waiting))
        durations: list[float] = []

        def accept(referral_id: str) -> None:
            own = app.test_client()
            barrier.wait()
            begun = time.perf_counter()
            response = own.post(
                f"/api/v1/referrals/{referral_id}/transitions",
                json={"action": "accept"},
                headers=bearer,
            )
            durations.append(time.perf_counter() - begun)
            assert response.status_code == 200, response.json

        threads = [threading.Thread(target=accept, args=(rid,)) for rid in waiting]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall
        report(f"{len(waiting)} simultaneous accepts", durations, f"   all in {wall * 1000:.0f} ms")

        stored = hash_password("kata sandi uji yang panjang")
        password = "kata sandi uji yang panjang"
        report("argon2id verify (sign-in)", timed(lambda: verify_password(stored, password), 10))


if __name__ == "__main__":
    main()
