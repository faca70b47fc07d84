"""App servers as real processes, for fault tests, the two-server test and ``make load``.

Each server has its own instance folder (its own search index) and is told its database
by ``DATABASE_URL``. Everything listens on 127.0.0.1 only. Demo mode is on so the
production start-up checks (secret key, encryption keys, TLS cookies) do not refuse a
throwaway server; the instance folder provides its secret and client-data keys. Rate
limits are off: all their clients come from 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.postgres import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def server_env(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server or ``flask`` command for one instance and database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "TEST_")) and key not in ("DATABASE_URL",)
    }
    env.update(
        DIRECTORY_INSTANCE_PATH=str(instance),
        DATABASE_URL=database_url,
        DIRECTORY_DEMO="1",
        # Scripted load from one address (make load's 50 users, the fault tests' clients)
        # would meet the per-address rate limits at once: they measure something else.
        # tests/test_rate_limits.py tests the limits.
        FLASK_RATELIMIT_ENABLED="false",
        PYTHONWARNINGS="error",
    )
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 300, stdin: str | None = None) -> str:
    """Runs ``flask --app directory ARGS`` and returns its output; raises if it fails."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "directory", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(env: dict[str, str], *, demo: bool = True) -> None:
    """What the Makefile's ``database`` target does: migrate, seed, build the index."""
    flask(env, "db", "upgrade")
    flask(env, "seed", "load", "--demo" if demo else "--no-demo")
    flask(env, "search", "rebuild")


@dataclass
class AppServer:
    """A gunicorn server on a free loopback port."""

    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    extra_args: Sequence[str] = ()
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: float = 60) -> AppServer:
        instance = Path(self.env["DIRECTORY_INSTANCE_PATH"])
        instance.mkdir(parents=True, exist_ok=True)
        self.log_path = instance / f"gunicorn-{self.port}.log"
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "5",
            *self.extra_args,
            "directory:create_app()",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready(wait)
        return self

    def wait_ready(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {wait} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path else ""

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def __enter__(self) -> AppServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
