"""A throwaway Redis server for tests, from Debian's ``redis-server`` (as
tests/support/postgres.py starts PostgreSQL): a free loopback port, a temporary folder,
nothing saved, stopped at the end."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_installed() -> bool:
    return Path(REDIS_SERVER).is_file()


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @classmethod
    def start(cls) -> RedisServer:
        if not redis_installed():
            raise RuntimeError(
                "redis-server is not installed: `make test` installs Debian's redis-server"
            )
        folder = Path(tempfile.mkdtemp(prefix="directory-redis-"))
        port = free_port()
        process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = cls(process=process, folder=folder, port=port)
        deadline = time.monotonic() + 20
        while not server.ping():
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return server

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
