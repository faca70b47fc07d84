"""On SQLite, the API's referral writes of one process take turns on a lock of the process
(``one_writer_per_process``) instead of polling SQLite's write lock together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from directory.api.referrals import _SQLITE_WRITER, one_writer_per_process
from directory.errors import ApiError
from directory.extensions import db
from directory.institutions.models import Organization
from tests.factories import OrganizationFactory


@pytest.fixture
def sqlite_only(app):  # type: ignore[no-untyped-def]
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the lock is for SQLite's single writer")


def test_a_write_runs_holding_the_lock_and_lets_it_go(app, sqlite_only):
    held = []

    @one_writer_per_process
    def view() -> str:
        held.append(_SQLITE_WRITER.locked())
        return "ok"

    with app.test_request_context(method="POST"):
        assert view() == "ok"
    assert held == [True]
    assert not _SQLITE_WRITER.locked()


def test_a_refused_write_stores_nothing_and_lets_the_lock_go(app, sqlite_only):
    before = db.session.scalar(select(func.count()).select_from(Organization))

    @one_writer_per_process
    def view() -> str:
        OrganizationFactory()
        db.session.flush()
        raise ApiError("refused", status=409, code="conflict")

    with app.test_request_context(method="POST"), pytest.raises(ApiError):
        view()
    assert not _SQLITE_WRITER.locked()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == before
