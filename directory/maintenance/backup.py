"""Online backups and restores of the database, for SQLite and PostgreSQL.

SQLite is copied with its own backup API, never as a file: a file copy of a live
database in WAL mode can miss committed pages or catch a half-written one. PostgreSQL is
dumped with ``pg_dump`` in its custom format, a consistent snapshot taken while writes go
on, and restored with ``pg_restore``.

Backups hold every client's data: each file is created readable by its owner only (0600),
and the database password reaches ``pg_dump``/``pg_restore`` through their environment
(``PGPASSWORD``), never their command line, which every user of the machine can read.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def backup_database(url: str | URL, target: Path) -> None:
    url = make_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        create_private_file(target)
        _sqlite_copy(_sqlite_path(url), target)
    elif url.get_backend_name() == "postgresql":
        create_private_file(target)
        _run_pg_tool(url, "pg_dump", "--format=custom", f"--file={target}")
        target.chmod(PRIVATE_MODE)
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")


def restore_database(url: str | URL, source: Path) -> None:
    """Replace the database's contents with the backup's. Other connections may stay open."""
    url = make_url(url)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if url.get_backend_name() == "sqlite":
        _check_sqlite_file(source)
        _sqlite_copy(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        _run_pg_tool(
            url,
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(source),
        )
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")


PRIVATE_MODE = 0o600


def create_private_file(path: Path) -> None:
    """Create ``path`` (empty, or keep it) readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE)
    os.close(descriptor)
    path.chmod(PRIVATE_MODE)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _check_sqlite_file(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            (result,) = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database: {error}") from error
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}")


def _sqlite_copy(source: Path, target: Path) -> None:
    source_connection = sqlite3.connect(source, timeout=30)
    target_connection = sqlite3.connect(target, timeout=30)
    try:
        # Copy in steps so writers are not held off for the whole copy.
        source_connection.backup(target_connection, pages=1024)
    finally:
        target_connection.close()
        source_connection.close()


def pg_tool_command(url: URL, name: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment for a libpq tool: the connection goes in
    ``--dbname`` without its password, the password in ``PGPASSWORD``."""
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    environment.pop("PGPASSWORD", None)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    dbname = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)
    return [_find_pg_tool(name), f"--dbname={dbname}", *args], environment


def _find_pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if candidates:
        return str(candidates[0])
    raise BackupError(f"{name} not found: install Debian's postgresql-client")


def _run_pg_tool(url: URL, name: str, *args: str) -> None:
    command, environment = pg_tool_command(url, name, *args)
    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False, umask=0o077
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()}")
