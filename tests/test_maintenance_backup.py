"""`flask db backup` and `flask db restore`: a round trip while writes go on."""

import threading
import time

import sqlalchemy as sa

from directory.models import Taxonomy


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
