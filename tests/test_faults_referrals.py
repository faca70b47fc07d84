"""Faults under referral traffic, on real processes: a gunicorn worker killed with SIGKILL
in the middle of referral actions, and PostgreSQL restarted under load."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
import requests

from tests.support.servers import AppServer
from tests.support.stack import (
    TRANSITIONS,
    Actors,
    chain_problems,
    key,
    only_in_postgres_pass,
    referral_actors,
    referral_body,
    shared_stack,
    stored_referrals,
)

pytestmark = [pytest.mark.slow, only_in_postgres_pass]

NEXT = {"send": "accept", "accept": "start", "start": "close"}


@dataclass
class Traffic:
    """What the clients saw: acknowledged actions per referral and every failure."""

    acknowledged: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    unavailable_sends: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def referral_client(
    base: str, actors: Actors, traffic: Traffic, stop: threading.Event, number: int
) -> None:
    """Sends referrals and moves each through accept, start, close; after a failed
    request it leaves that referral where it is and sends a new one."""
    session = requests.Session()
    referral_id, last, sent = None, "close", 0
    while not stop.is_set():
        action = NEXT.get(last, "send")
        if action == "send":
            sent += 1
            url = f"{base}/api/v1/referrals"
            body, headers = referral_body(actors, f"GANGGUAN-{number}-{sent}"), actors.counsellor
        else:
            url = f"{base}/api/v1/referrals/{referral_id}/transitions"
            body, headers = TRANSITIONS[action], actors.partner
        try:
            response = session.post(url, json=body, headers=headers, timeout=30)
        except requests.RequestException:
            last = "close"  # abandon it: the request may or may not have landed
            with traffic.lock:
                traffic.statuses[0] += 1
            continue
        with traffic.lock:
            traffic.statuses[response.status_code] += 1
            if response.status_code in (200, 201):
                if action == "send":
                    referral_id = response.json()["id"]
                traffic.acknowledged[key(referral_id)].append(action)
                last = action
                continue
            if response.status_code == 503 and response.headers.get("Retry-After"):
                traffic.unavailable_sends += action == "send"
                last = "close"
                time.sleep(0.1)
                continue
            traffic.failures.append(f"{action}: {response.status_code} {response.text[:200]}")
            last = "close"


def check_history(site, traffic: Traffic, before: set[str], in_flight_allowed: bool) -> None:
    stored = {k: v for k, v in stored_referrals(site).items() if k not in before}
    problems = []
    for referral_id, actions in traffic.acknowledged.items():
        if referral_id not in stored:
            problems.append(f"{referral_id}: acknowledged {actions}, not stored")
            continue
        stored_actions = [event[0] for event in stored[referral_id][1]]
        missing = Counter(actions) - Counter(stored_actions)
        extra = Counter(stored_actions) - Counter(actions)
        if missing:
            problems.append(f"{referral_id}: acknowledged but missing {dict(missing)}")
        if sum(extra.values()) > (1 if in_flight_allowed else 0):
            problems.append(f"{referral_id}: stored, never acknowledged {dict(extra)}")
    for referral_id, (status, events) in stored.items():
        problems += [f"{referral_id}: {problem}" for problem in chain_problems(status, events)]
    assert not problems, problems


def run_clients(server: AppServer, actors: Actors, traffic: Traffic, count: int):
    stop = threading.Event()
    threads = [
        threading.Thread(target=referral_client, args=(server.url, actors, traffic, stop, n))
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    return stop, threads


def test_a_worker_killed_mid_action_loses_nothing_acknowledged_and_leaves_nothing_partial(
    tmp_path,
):
    stack = shared_stack()
    site = stack.new_site(tmp_path)
    with AppServer(site.env, workers=2) as server:
        actors = referral_actors(site, server.url)
        before = set(stored_referrals(site))
        traffic = Traffic()
        stop, threads = run_clients(server, actors, traffic, 6)
        killed = 0
        try:
            time.sleep(1.0)
            for _ in range(4):
                workers = server.worker_pids()
                if workers:
                    os.kill(random.choice(workers), signal.SIGKILL)
                    killed += 1
                time.sleep(1.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert killed == 4
        # Killed requests show as dropped connections; nothing else may fail.
        assert traffic.statuses[0] >= 1, traffic.statuses
        assert not traffic.failures, traffic.failures
        assert sum(len(a) for a in traffic.acknowledged.values()) >= 5, traffic.statuses
        check_history(site, traffic, before, in_flight_allowed=True)
        # The master replaced the killed workers: the server still answers.
        assert len(server.worker_pids()) == 2
        assert requests.get(f"{server.url}/api/v1/referrals", headers=actors.partner).ok


def test_postgres_restarted_under_load_gives_503_then_recovers_without_duplicates(tmp_path):
    stack = shared_stack()
    site = stack.new_site(tmp_path)
    with AppServer(site.env, workers=2) as server:
        actors = referral_actors(site, server.url)
        before = set(stored_referrals(site))
        traffic = Traffic()
        searches: Counter[int] = Counter()
        stop, threads = run_clients(server, actors, traffic, 4)

        def search() -> None:
            while not stop.is_set():
                try:
                    response = requests.get(
                        f"{server.url}/api/v1/services", params={"search": "konseling"}, timeout=30
                    )
                    searches[response.status_code] += 1
                except requests.RequestException:
                    searches[0] += 1

        searcher = threading.Thread(target=search)
        searcher.start()
        try:
            time.sleep(1.5)
            stack.stop_database()
            time.sleep(3)
            down = traffic.statuses[503]
            stack.start_database()
            # Recovery without manual steps: acknowledged actions resume within seconds.
            resumed_from = sum(len(a) for a in traffic.acknowledged.values())
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if sum(len(a) for a in traffic.acknowledged.values()) > resumed_from + 10:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            for thread in [*threads, searcher]:
                thread.join(timeout=60)
        assert down >= 1, traffic.statuses
        assert sum(len(a) for a in traffic.acknowledged.values()) > resumed_from + 10
        assert not traffic.failures, traffic.failures
        assert traffic.statuses[0] == 0, traffic.statuses
        assert set(searches) <= {200, 503}, searches
        check_history(site, traffic, before, in_flight_allowed=True)
        # A send answered 503 after its commit would be stored without an acknowledgement.
        unacknowledged = {k for k in stored_referrals(site) if k not in before} - set(
            traffic.acknowledged
        )
        assert len(unacknowledged) <= traffic.unavailable_sends
