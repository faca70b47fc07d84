"""A served worker's warm-up (``directory.warmup``, run by gunicorn's post_worker_init)."""

from __future__ import annotations

import pytest

from directory.extensions import db
from directory.geo import geocoding
from directory.map import document as map_document
from directory.search import follower, index
from directory.search.service import state_of
from directory.warmup import warm_up
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)


def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("should have been prepared by the warm-up")


@pytest.fixture
def directory(app):  # type: ignore[no-untyped-def]
    organization = OrganizationFactory()
    location = LocationFactory(organization=organization, latitude=-6.12, longitude=106.15)
    ServiceAtLocationFactory(service=ServiceFactory(organization=organization), location=location)
    db.session.commit()


def test_the_warm_up_prepares_what_the_first_requests_need(app, client, directory, monkeypatch):
    follower.rebuild(db.session, state_of(app).folder)
    db.session.commit()  # the warm-up has a session of its own
    assert warm_up(app) == []
    monkeypatch.setattr(index.Reader, "_open", refuse)
    monkeypatch.setattr(geocoding, "regions_from_database", refuse)
    monkeypatch.setattr(map_document, "build_map_data", refuse)
    with app.app_context():
        state_of(app).reader.snapshot()
        geocoding.gazetteer(app)
    assert client.get("/peta/data.json").status_code == 200
    assert client.get("/api/v1/services?search=layanan&near=Kota%20Serang").status_code == 200


def test_a_failed_step_is_left_to_the_first_request(app, client, directory):
    # No index built: the worker still starts, the rest is warmed.
    assert warm_up(app) == ["search index"]
    assert "gazetteer" in app.extensions
    body = client.get("/api/v1/services?search=layanan").json
    assert body["degraded"] is True
