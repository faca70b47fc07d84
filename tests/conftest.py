"""Fixtures: ``app``, ``client``, ``runner`` and ``db`` give each test a fresh database.

The schema and the gazetteer (7,837 regions) are built once per session into a template
SQLite file; each test works on its own copy of it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_sqlalchemy import SQLAlchemy

from directory import create_app
from directory.extensions import db as database
from directory.geo.regions import load_regions
from directory.seeding import SEED_DIR


def _test_config(tmp: Path, database_file: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": tmp / "instance",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "DEMO_MODE": False,
    }


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    database_file = folder / "directory.sqlite"
    app = create_app(_test_config(folder, database_file))
    with app.app_context():
        database.create_all()
        load_regions(database.session, SEED_DIR / "regions.csv")
        database.session.commit()
        database.session.remove()
        database.engine.dispose()
    return database_file


@pytest.fixture
def app(template_database: Path, tmp_path: Path) -> Iterator[Flask]:
    database_file = tmp_path / "directory.sqlite"
    shutil.copyfile(template_database, database_file)
    app = create_app(_test_config(tmp_path, database_file))
    with app.app_context():
        yield app
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
