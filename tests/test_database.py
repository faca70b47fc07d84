"""SQLite transactions: reads begin deferred inside GET requests, writes immediately."""

import pytest
import sqlalchemy as sa

from directory.database import writes_on_get
from directory.extensions import csrf


@pytest.fixture
def begin_statements(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("transaction modes are SQLite's")
    seen: list[str] = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.startswith("BEGIN"):
            seen.append(statement)

    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)


def _add_probe_routes(app, db):
    def read():
        db.session.execute(sa.text("SELECT 1"))
        return "ok"

    app.add_url_rule("/_probe/read", "probe_read", read)

    def read_then_write():
        return read()

    app.add_url_rule("/_probe/read-write", "probe_read_write", writes_on_get(read_then_write))

    def write():
        return read()

    app.add_url_rule("/_probe/post", "probe_post", csrf.exempt(write), methods=["POST"])


@pytest.mark.sqlite_only
def test_get_request_reads_in_a_deferred_transaction(app, db, client, begin_statements):
    _add_probe_routes(app, db)
    # The test's app context is shared with the requests: end its transaction each time.
    for method, path in [
        ("GET", "/_probe/read"),
        ("GET", "/_probe/read-write"),
        ("POST", "/_probe/post"),
    ]:
        db.session.remove()
        assert client.open(path, method=method).status_code == 200
    assert begin_statements == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]


@pytest.mark.sqlite_only
def test_outside_requests_transactions_take_the_write_lock(app, db, begin_statements):
    db.session.remove()
    db.session.execute(sa.text("SELECT 1"))
    db.session.rollback()
    assert begin_statements == ["BEGIN IMMEDIATE"]
