"""An ``app`` fixture run twice: with the writer queue (``WRITER_QUEUE = True``, the
default) and without it (the database's own locks alone). A test module that imports it
as ``app`` checks its guarantees under both settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from directory import create_app
from directory.extensions import db
from tests.conftest import base_test_config


@pytest.fixture(params=[True, False], ids=["writer-queue", "database-locks"])
def app_under_both_writer_settings(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[Flask]:
    config = base_test_config(tmp_path / "instance", database_url)
    config["WRITER_QUEUE"] = request.param
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
