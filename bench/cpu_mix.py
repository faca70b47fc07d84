"""CPU per request of ``make load``'s mix, without the noise of a shared machine.

``make load`` counts requests per second on two cores shared by 150 threads, the database
and the load client: the same code gave 229 and 319 requests/s on one day. This script
measures what a change of code changes: the app's own CPU time per request, in-process
(Flask's test client, one thread, no HTTP), for the same mix as ``make load`` (searches as
counsellors make them, the map data, a referral's send, accept, start and close).

To compare two checkouts, it starts one worker process per checkout (each with its own
database, and for PostgreSQL its own throwaway server) and has them run bursts of
requests in turn, alternating which goes first, so that a slow minute of the machine
falls on both alike. It prints the CPU seconds of each burst, each kind's CPU per
request, and the ratio of the two checkouts' bursts, round by round.

    python -m bench.cpu_mix [sqlite|postgresql] [--rounds 8] [--burst 400] [OTHER_CHECKOUT]

Without ``OTHER_CHECKOUT`` it measures this checkout alone. The other checkout runs with
this checkout's virtual environment (``sys.executable``) and its own code first on
``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WARM_REQUESTS = 300
PAIRS = 4


def worker(database: str, burst: int) -> None:
    """Prepare a database, then run a burst of the mix for each ``go`` line on stdin,
    printing its CPU seconds; ``kinds`` prints the milliseconds per request of each kind.

    It runs on the other checkout's code, so it uses only what older checkouts have too
    (``bench.load``'s mix and accounts, ``tests.support``'s servers): the throwaway
    database is made here as ``bench.load.run`` makes it, not by a newer shared helper.
    """
    import sqlalchemy as sa

    import bench.load as load
    from directory import create_app
    from tests.support.postgres import PostgresServer
    from tests.support.servers import prepare_database, server_env

    folder = Path(tempfile.mkdtemp(prefix="cpu-mix-"))
    instance = folder / "instance"
    postgres = None
    try:
        if database == "postgresql":
            postgres = PostgresServer.start()
            admin = sa.create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql("CREATE DATABASE cpu_mix")
            admin.dispose()
            url = postgres.url("cpu_mix")
        else:
            url = f"sqlite:///{instance / 'directory.sqlite'}"
        prepare_database(server_env(instance, url), demo=False)
        accounts = load.create_accounts(instance, url, PAIRS)
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "SQLALCHEMY_DATABASE_URI": url,
                "DEMO_MODE": True,
                "RATELIMIT_ENABLED": False,
                "SEARCH_AUTO_FOLLOW": False,
                "SECRET_KEY": "cpu-mix-secret-key-for-a-throwaway-database",
            }
        )
        client = app.test_client()

        def token(email: str) -> str:
            answer = client.post(
                "/api/v1/auth/token", json={"email": email, "password": load.PASSWORD}
            )
            return str(answer.get_json()["token"])

        pairs = [
            load.Pair(
                token(account["counsellor"]),
                token(account["partner"]),
                account["service_id"],
                account["problem_id"],
            )
            for account in accounts
        ]
        rng = random.Random(7)
        referrals: list[dict[str, Any]] = [{"last": "close", "id": None, "sent": 0} for _ in pairs]
        kinds, weights = zip(*load.MIX.items(), strict=True)
        spent: dict[str, list[float]] = {}

        def request(number: int) -> None:
            kind = rng.choices(kinds, weights)[0]
            started = time.process_time()
            if kind == "search":
                _, params = load.search_params(rng)
                answer = client.get("/api/v1/services", query_string=params)
            elif kind == "map":
                answer = client.get("/peta/data.json")
            else:
                pair, referral = pairs[number % PAIRS], referrals[number % PAIRS]
                action = load.NEXT_ACTION[referral["last"]]
                if action == "send":
                    referral["sent"] += 1
                    answer = client.post(
                        "/api/v1/referrals",
                        json=load.referral_body(pair, number * 1000 + referral["sent"]),
                        headers={"Authorization": f"Bearer {pair.counsellor_token}"},
                    )
                    referral["id"] = answer.get_json()["id"]
                else:
                    answer = client.post(
                        f"/api/v1/referrals/{referral['id']}/transitions",
                        json=load.TRANSITION_BODIES[action],
                        headers={"Authorization": f"Bearer {pair.partner_token}"},
                    )
                referral["last"] = action
                kind = "referral_send" if action == "send" else "referral_transition"
            if answer.status_code >= 400:
                raise RuntimeError(f"{kind}: HTTP {answer.status_code}")
            total = spent.setdefault(kind, [0.0, 0])
            total[0] += time.process_time() - started
            total[1] += 1

        for number in range(WARM_REQUESTS):
            request(number)
        spent.clear()
        print("ready", flush=True)
        count = WARM_REQUESTS
        for line in sys.stdin:
            command = line.strip()
            if command == "kinds":
                print(json.dumps({k: 1000 * s / n for k, (s, n) in sorted(spent.items())}))
            elif command == "go":
                started = time.process_time()
                for _ in range(burst):
                    request(count)
                    count += 1
                print(f"{time.process_time() - started:.4f}")
            else:
                break
            sys.stdout.flush()
    finally:
        if postgres is not None:
            postgres.stop()


def _start(checkout: Path, database: str, burst: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        # This file, run as a script: the other checkout need not have it.
        [sys.executable, __file__, "--worker", database, "--burst", str(burst)],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = process.stdout.readline().strip()
    if ready != "ready":
        raise SystemExit(f"{checkout}: the worker did not start ({ready!r})")
    return process


def _ask(process: subprocess.Popen[str], command: str) -> str:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(command + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def compare(database: str, rounds: int, burst: int, other: Path | None) -> None:
    checkouts = {"this": PROJECT_ROOT}
    if other is not None:
        checkouts = {"other": other.resolve(), "this": PROJECT_ROOT}
    print(f"== {database}: {rounds} rounds of {burst} requests per checkout, in turn")
    for name, checkout in checkouts.items():
        print(f"{name}: {checkout}")
    workers = {name: _start(checkout, database, burst) for name, checkout in checkouts.items()}
    seconds: dict[str, list[float]] = {name: [] for name in workers}
    try:
        for number in range(rounds):
            order = list(workers) if number % 2 == 0 else list(reversed(workers))
            for name in order:
                seconds[name].append(float(_ask(workers[name], "go")))
        kinds = {name: json.loads(_ask(process, "kinds")) for name, process in workers.items()}
    finally:
        for process in workers.values():
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=60)
    print(f"{'kind':22} " + " ".join(f"{name + ' ms':>10}" for name in workers))
    for kind in sorted(kinds["this"]):
        print(f"{kind:22} " + " ".join(f"{kinds[name][kind]:10.2f}" for name in workers))
    for name, values in seconds.items():
        print(
            f"{name}: CPU per burst median {statistics.median(values):.3f} s "
            f"({' '.join(f'{value:.2f}' for value in values)})"
        )
    if other is not None:
        pairs = zip(seconds["other"], seconds["this"], strict=True)
        ratios = [this / before for before, this in pairs]
        print(
            f"this / other, round by round: median {statistics.median(ratios):.3f} "
            f"({' '.join(f'{ratio:.3f}' for ratio in ratios)})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("other", nargs="?", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--burst", type=int, default=400)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        worker(arguments.database, arguments.burst)
    else:
        compare(arguments.database, arguments.rounds, arguments.burst, arguments.other)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
