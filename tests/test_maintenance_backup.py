"""`flask db backup` and `flask db restore`: a round trip while writes go on."""

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from directory.maintenance import backup
from directory.models import Taxonomy
from tests.conftest import BACKEND


def _count_taxonomies(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(Taxonomy))


class Writer(threading.Thread):
    """Inserts taxonomies one transaction at a time until stopped."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.stopping = threading.Event()
        self.written = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.engine.begin() as connection:
                connection.execute(
                    sa.insert(Taxonomy).values(
                        id=f"00000000-0000-4000-8000-{self.written:012d}",
                        name=f"taksonomi {self.written}",
                        description="",
                    )
                )
            self.written += 1
            time.sleep(0.001)


def test_backup_taken_during_writes_restores_a_consistent_state(app, db, runner, tmp_path):
    backup_file = tmp_path / "backup.dump"
    writer = Writer(db.engine)
    writer.start()
    try:
        while writer.written < 20:
            time.sleep(0.01)
        before = _count_taxonomies(db.engine)
        result = runner.invoke(args=["db", "backup", str(backup_file)])
        after = _count_taxonomies(db.engine)
    finally:
        writer.stopping.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0
    final = _count_taxonomies(db.engine)
    assert final == writer.written

    db.session.remove()
    result = runner.invoke(args=["db", "restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output

    restored = _count_taxonomies(db.engine)
    assert before <= restored <= after
    # Every restored row is one the writer committed, numbered without gaps.
    with db.engine.connect() as connection:
        names = set(connection.scalars(sa.select(Taxonomy.name)))
    assert names == {f"taksonomi {n}" for n in range(restored)}
    # The gazetteer came back whole too.
    with db.engine.connect() as connection:
        regions = connection.scalar(sa.text("SELECT count(*) FROM region"))
    assert regions == 7837


def test_restore_refuses_a_file_that_is_not_a_backup_and_keeps_the_data(app, db, runner, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello, this is not a database" * 100)
    result = runner.invoke(args=["db", "restore", "--yes", str(bogus)])
    assert result.exit_code == 1
    assert "Error:" in result.output
    with db.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM region")) == 7837


# Files and secrets: backups hold every client's data.


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_backup_file_is_readable_by_its_owner_only(app, db, runner, tmp_path):
    backup_file = tmp_path / "backup.dump"
    result = runner.invoke(args=["db", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert _mode(backup_file) == 0o600


def test_backup_over_an_existing_world_readable_file_makes_it_private(app, db, runner, tmp_path):
    backup_file = tmp_path / "backup.dump"
    backup_file.write_bytes(b"")
    backup_file.chmod(0o644)
    result = runner.invoke(args=["db", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert _mode(backup_file) == 0o600


def test_pg_tools_get_the_password_in_their_environment_never_on_argv():
    url = sa.make_url("postgresql+psycopg://rujukan:s3cret-Pa55@db.example:5432/rujukan")
    for tool in ("pg_dump", "pg_restore"):
        command, environment = backup.pg_tool_command(url, tool, "--format=custom")
        assert not any("s3cret-Pa55" in argument for argument in command)
        assert environment["PGPASSWORD"] == "s3cret-Pa55"
        assert "--dbname=postgresql://rujukan@db.example:5432/rujukan" in command


def test_pg_tools_do_not_inherit_a_stray_password(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-the-shell")
    url = sa.make_url("postgresql+psycopg://rujukan@db.example/rujukan")
    _command, environment = backup.pg_tool_command(url, "pg_dump")
    assert "PGPASSWORD" not in environment


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_dump and pg_restore on PostgreSQL")
def test_postgres_backup_and_restore_with_a_password_in_the_url(app, db, tmp_path, monkeypatch):
    """The tools run with a URL that carries a password (the test server trusts local
    connections, so it is not checked; what is checked is that nothing puts it on argv)."""
    url = db.engine.url.set(password="s3cret-Pa55")
    seen: list[list[str]] = []
    real_run = subprocess.run

    def spying_run(command, *args, **kwargs):
        seen.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spying_run)
    target = tmp_path / "pg.dump"
    db.session.remove()
    backup.backup_database(url, target)
    assert _mode(target) == 0o600
    backup.restore_database(url, target)
    assert [Path(command[0]).name for command in seen] == ["pg_dump", "pg_restore"]
    assert not any("s3cret-Pa55" in argument for command in seen for argument in command)
    with db.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM region")) == 7837


@pytest.mark.sqlite_only
def test_sqlite_database_and_its_wal_are_created_owner_only(tmp_path):
    from directory import create_app
    from directory.extensions import db as database
    from tests.conftest import base_test_config

    old_umask = os.umask(0o022)
    try:
        target = tmp_path / "fresh" / "directory.sqlite"
        app = create_app(base_test_config(tmp_path / "instance", f"sqlite:///{target}"))
        with app.app_context():
            with database.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
                wal = Path(f"{target}-wal")
                shm = Path(f"{target}-shm")
                assert wal.exists() and shm.exists()
                assert (_mode(target), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
            database.engine.dispose()
    finally:
        os.umask(old_umask)


@pytest.mark.sqlite_only
def test_an_existing_world_readable_sqlite_database_is_made_private(app, db, tmp_path):
    path = Path(db.engine.url.database)
    path.chmod(0o644)
    db.engine.dispose()
    from directory.database import keep_private

    keep_private(path)
    assert _mode(path) == 0o600
