"""Transactions: on SQLite, reads begin deferred inside GET requests, writes immediately;
a GET that writes without ``@writes_on_get`` fails in tests every time; and the module every
model imports (``directory.database``) knows nothing of Flask."""

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

import directory.database
import directory.request_transactions
import directory.writer_queue
from directory import create_app
from directory.extensions import csrf
from directory.extensions import db as database
from directory.request_transactions import is_write_statement, writes_on_get
from tests.conftest import base_test_config
from tests.support.writer_settings import app_under_both_writer_settings

# Each test that uses ``app`` runs with the writer queue on and off.
app = app_under_both_writer_settings


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


def _imported_modules(module) -> set[str]:  # type: ignore[no-untyped-def]
    tree = ast.parse(Path(module.__file__).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("module", [directory.database, directory.writer_queue])
def test_the_module_every_model_imports_knows_nothing_of_flask(module):
    """``directory.database`` (and the writer queue hooked onto the engine) sit below the
    web layer: no Flask, no request, no ``g``; the request-aware part is
    ``directory.request_transactions``."""
    imported = _imported_modules(module)
    assert not {name for name in imported if name.split(".")[0].startswith("flask")}
    assert not {name for name in imported if name.startswith("directory.request_transactions")}
    assert not hasattr(module, "request") and not hasattr(module, "g")


def test_the_import_check_sees_flask_where_it_is():
    assert "flask.request" in _imported_modules(directory.request_transactions)


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("INSERT INTO referral_view (referral_id) VALUES (?)", True),
        ("  update referral SET version=? WHERE id = ?", True),
        ("DELETE FROM api_token WHERE id = ?", True),
        ("-- a comment\nINSERT INTO x VALUES (1)", True),
        ("/* hint */ REPLACE INTO x VALUES (1)", True),
        ("WITH moved AS (SELECT 1) UPDATE x SET y = 1", True),
        ("SELECT referral.id FROM referral WHERE referral.status = ?", False),
        ("SELECT updated_at, deleted FROM x", False),
        ("WITH a AS (SELECT 1) SELECT * FROM a", False),
    ],
)
def test_write_statements_are_told_from_reads(statement, writes):
    assert is_write_statement(statement) is writes


def _add_writing_routes(app, db):
    def writing_view():  # a new function each time: the marks are set on the function
        def visit():
            db.session.execute(sa.text("INSERT INTO probe_write (id) VALUES (1)"))
            return "ok"

        return visit

    app.add_url_rule("/_probe/unmarked-write", "probe_unmarked_write", writing_view())
    app.add_url_rule("/_probe/marked-write", "probe_marked_write", writes_on_get(writing_view()))
    app.add_url_rule(
        "/_probe/post-write", "probe_post_write", csrf.exempt(writing_view()), methods=["POST"]
    )


@pytest.fixture
def writing_routes(app, db):
    db.session.execute(sa.text("CREATE TABLE probe_write (id INTEGER)"))
    db.session.commit()
    _add_writing_routes(app, db)


def test_a_get_that_writes_without_saying_so_fails_every_time(app, db, client, writing_routes):
    """Not only under contention: the write is refused and recorded, the request fails."""
    assert app.config["STRICT_GET_READS"] is None  # the default: on when testing
    response = client.get("/_probe/unmarked-write")
    assert response.status_code == 500
    assert app.extensions["unmarked_get_writes"] == [
        "GET probe_unmarked_write: INSERT INTO probe_write"
    ]


def test_a_marked_get_and_a_post_may_write(app, db, client, writing_routes):
    assert client.get("/_probe/marked-write").status_code == 200
    db.session.commit()
    assert client.post("/_probe/post-write").status_code == 200
    db.session.commit()
    assert app.extensions["unmarked_get_writes"] == []


def test_outside_requests_writes_are_not_guarded(app, db, writing_routes):
    db.session.execute(sa.text("INSERT INTO probe_write (id) VALUES (1)"))
    db.session.rollback()
    assert app.extensions["unmarked_get_writes"] == []


def test_production_leaves_the_guard_off(tmp_path, database_url):
    """The guard costs a call per statement: off unless testing or debugging, or asked."""
    config = base_test_config(tmp_path / "instance", database_url)
    config.update(TESTING=False, DEMO_MODE=True)  # demo: not production, still not testing
    off = create_app(config)
    assert "unmarked_get_writes" not in off.extensions
    asked = create_app({**config, "STRICT_GET_READS": True})
    assert asked.extensions["unmarked_get_writes"] == []
    for built in (off, asked):
        with built.app_context():
            database.engine.dispose()
