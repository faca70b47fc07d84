"""Fixtures: ``app``, ``client``, ``runner`` and ``db`` give each test a fresh database;
``network`` fills it with the small referral network of ``tests/support/referral_network.py``;
``empty_app`` is a second app on a fresh database of its own (an export's target).

The schema and the gazetteer (7,837 regions) are built once per session into a template
database; each test works on its own copy of it. The suite runs on SQLite by default and
on a real PostgreSQL server, started for the run, with ``TEST_DATABASE=postgresql``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_sqlalchemy import SQLAlchemy

from directory import create_app
from directory.commands import SEED_DIR
from directory.extensions import db as database
from directory.geo.regions import load_regions
from tests.support.database_pool import DatabasePool
from tests.support.postgres import PostgresServer
from tests.support.referral_network import Network, build_network

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")

TEMPLATE_NAME = "directory_template"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``sqlite_only`` exercise SQLite itself; they do not run on PostgreSQL."""
    if BACKEND != "postgresql":
        return
    skip = pytest.mark.skip(reason="exercises SQLite itself")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


def base_test_config(instance: Path, database_uri: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": instance,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "DEMO_MODE": False,
    }


def _build_template(config: dict[str, object]) -> None:
    app = create_app(config)
    with app.app_context():
        database.create_all()
        load_regions(database.session, SEED_DIR / "regions.csv")
        database.session.commit()
        database.session.remove()
        database.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_factory(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[Path], AbstractContextManager[str]]]:
    """Yields a function that makes a fresh database (a copy of the template) for one test:
    a context manager giving its URL and dropping it afterwards."""
    folder = tmp_path_factory.mktemp("template")
    if BACKEND == "sqlite":
        template = folder / "directory.sqlite"
        _build_template(base_test_config(folder, f"sqlite:///{template}"))

        @contextmanager
        def sqlite_copy(tmp: Path) -> Iterator[str]:
            target = tmp / "directory.sqlite"
            shutil.copyfile(template, target)
            yield f"sqlite:///{target}"

        yield sqlite_copy
        return

    server: PostgresServer = request.getfixturevalue("postgres_server")
    admin = sa.create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {TEMPLATE_NAME}")
    _build_template(base_test_config(folder, server.url(TEMPLATE_NAME)))
    pool = DatabasePool(admin, TEMPLATE_NAME)

    @contextmanager
    def postgres_copy(tmp: Path) -> Iterator[str]:
        name = pool.take()
        try:
            yield server.url(name)
        finally:
            pool.give_back(name)

    yield postgres_copy
    pool.close()
    admin.dispose()


@pytest.fixture
def database_url(
    database_factory: Callable[[Path], AbstractContextManager[str]], tmp_path: Path
) -> Iterator[str]:
    """The URL of a fresh database for this test (SQLite file or PostgreSQL database)."""
    with database_factory(tmp_path) as url:
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(base_test_config(tmp_path / "instance", database_url))
    with app.app_context():
        yield app
        database.session.remove()
        database.engine.dispose()


@pytest.fixture
def empty_app(
    database_factory: Callable[[Path], AbstractContextManager[str]], tmp_path: Path
) -> Iterator[Flask]:
    """A second app on a database of its own: the schema and regions, no directory."""
    folder = tmp_path / "empty"
    folder.mkdir()
    with database_factory(folder) as url:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key",
                "INSTANCE_PATH": folder / "instance",
                "SQLALCHEMY_DATABASE_URI": url,
                "DEMO_MODE": False,
            }
        )
        yield app
        with app.app_context():
            database.session.remove()
            database.engine.dispose()


@pytest.fixture
def db(app: Flask) -> SQLAlchemy:
    return database


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def network(app: Flask) -> Network:
    """Organizations, accounts of every role and a service that takes referrals."""
    return build_network()
