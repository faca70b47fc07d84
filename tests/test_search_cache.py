"""The per-process cache of search answers (``directory.search_cache``): repeated
searches are answered from it, a directory edit shows at once, the index applying an edit
recomputes, nothing about the person asking is kept, degraded answers are not kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from directory.api import params
from directory.api import search as api_search
from directory.auth.operations import issue_api_token
from directory.extensions import db
from directory.finder import views as finder_views
from directory.search import follower, index
from directory.search.service import state_of
from directory.search_cache import ResultCache, cache_of
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from tests.support.referral_network import build_network

SEARCH = "/api/v1/services?search=konseling&near=Kota%20Serang"


def add_service(name: str):  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name=f"Lembaga {name}")
    service = ServiceFactory(
        organization=organization,
        name=name,
        description="Konseling keluarga bagi korban kekerasan dalam rumah tangga.",
    )
    location = LocationFactory(
        organization=organization, latitude=-6.12, longitude=106.15, region_code="36.73"
    )
    ServiceAtLocationFactory(service=service, location=location)
    return service


@pytest.fixture
def service(app):  # type: ignore[no-untyped-def]
    found = add_service("Konseling keluarga Serang")
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return found


@pytest.fixture
def searches(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts the searches that reach the engine, from the API and from /cari."""
    counted = {"api": 0, "finder": 0}

    def counting(module, name):  # type: ignore[no-untyped-def]
        real = module.find_services

        def find_services(query):  # type: ignore[no-untyped-def]
            counted[name] += 1
            return real(query)

        monkeypatch.setattr(module, "find_services", find_services)

    counting(api_search, "api")
    counting(finder_views, "finder")
    return counted


def names(page: dict) -> list[str]:
    return [item["name"] for item in page["contents"]]


def test_the_cache_keeps_the_latest_answers_of_one_directory_version():
    cache = ResultCache(2)
    cache.put("v1", "a", 1)
    cache.put("v1", "b", 2)
    assert cache.get("v1", "a") == (True, 1)  # now the most recently used
    cache.put("v1", "c", 3)
    assert cache.get("v1", "b") == (False, None)  # the least recently used went
    assert cache.get("v1", "c") == (True, 3)
    assert cache.get("v2", "a") == (False, None)  # another version: never an old answer
    cache.put("v2", "d", 4)
    assert [key for key, _ in cache.items()] == ["d"]  # the old version's answers went


def test_a_repeated_search_is_answered_from_the_cache(client, service, searches):
    first = client.get(SEARCH)
    second = client.get(SEARCH)
    assert first.status_code == second.status_code == 200
    assert second.json == first.json
    assert names(first.json) == ["Konseling keluarga Serang"]
    assert searches["api"] == 1
    client.get(SEARCH + "&page=2")
    client.get("/api/v1/services?search=konseling")
    assert searches["api"] == 3  # other parameters, other answers


def test_a_directory_edit_shows_at_once(client, service, searches):
    assert names(client.get(SEARCH).json) == ["Konseling keluarga Serang"]
    service.name = "Konseling keluarga Serang (pindah)"
    db.session.commit()
    assert names(client.get(SEARCH).json) == ["Konseling keluarga Serang (pindah)"]
    assert searches["api"] == 2


def test_the_index_applying_an_edit_recomputes_the_ranking(app, client, service, searches):
    assert client.get(SEARCH).json["total_items"] == 1
    add_service("Konseling anak Serang")
    db.session.commit()
    # The log moved: computed again, from an index that has not applied the edit yet.
    assert client.get(SEARCH).json["total_items"] == 1
    follower.apply_pending(db.session, state_of(app).folder)
    # Same log, new index generation: computed again, with the new service.
    assert client.get(SEARCH).json["total_items"] == 2
    assert searches["api"] == 3


def test_nothing_about_who_asks_is_kept(app, client, service, searches):
    network = build_network()
    raw, _ = issue_api_token(network.counsellor)
    db.session.commit()
    # Without an origin (an answer with one is private for everyone: test_api_services_search).
    text_only = "/api/v1/services?search=konseling"
    signed_in = client.get(text_only, headers={"Authorization": f"Bearer {raw}"})
    anonymous = client.get(text_only)
    assert searches["api"] == 1
    assert anonymous.json == signed_in.json
    # The headers are the asker's own: no-store for the counsellor, public for the public.
    assert "no-store" in signed_in.headers["Cache-Control"]
    assert "no-store" not in anonymous.headers["Cache-Control"]
    assert "public" in anonymous.headers["Cache-Control"]
    kept = repr(cache_of(app).items())
    for user in network.users.values():
        assert user.id not in kept and user.email not in kept and user.name not in kept
    assert raw not in kept


def test_degraded_answers_are_not_kept(app, client, service, searches, monkeypatch):
    def unavailable():  # type: ignore[no-untyped-def]
        raise index.IndexUnavailable("gone")

    monkeypatch.setattr(state_of(app).reader, "snapshot", unavailable)
    first = client.get(SEARCH)
    assert first.json["degraded"] is True
    client.get(SEARCH)
    assert searches["api"] == 2
    assert len(cache_of(app)) == 0


def test_open_now_answers_are_kept_for_their_minute(app, service, searches):
    chosen = params.parse_service_list(MultiDict({"search": "konseling", "open_now": "true"}))
    minute = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    with app.test_request_context():
        api_search.search_page(chosen, now=minute + timedelta(seconds=5))
        api_search.search_page(chosen, now=minute + timedelta(seconds=55))
        assert searches["api"] == 1
        api_search.search_page(chosen, now=minute + timedelta(seconds=65))
        assert searches["api"] == 2


def test_the_search_page_shows_an_edit_at_once(client, service, searches, monkeypatch):
    minute = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    monkeypatch.setattr(finder_views, "current_minute", lambda: minute)
    page = "/cari?q=konseling&tempat=Kota+Serang"
    assert "Konseling keluarga Serang" in client.get(page).get_data(as_text=True)
    client.get(page)
    assert searches["finder"] == 1
    service.name = "Layanan keluarga Serang (baru)"
    db.session.commit()
    assert "Layanan keluarga Serang (baru)" in client.get(page).get_data(as_text=True)
    assert searches["finder"] == 2
    # The page shows opening hours: the next minute computes again.
    monkeypatch.setattr(finder_views, "current_minute", lambda: minute + timedelta(minutes=1))
    client.get(page)
    assert searches["finder"] == 3


def test_a_size_of_zero_turns_the_cache_off(app, client, service, searches):
    app.config["SEARCH_RESULT_CACHE_ENTRIES"] = 0
    client.get(SEARCH)
    client.get(SEARCH)
    assert searches["api"] == 2
    assert cache_of(app) is None


def test_an_answer_from_the_cache_still_lets_the_keeper_look(app, client, service, monkeypatch):
    pokes = []
    monkeypatch.setattr(state_of(app), "poke", lambda: pokes.append(1))
    client.get(SEARCH)
    client.get(SEARCH)  # from the cache: a broken index must still get healed
    assert len(pokes) == 2


def test_an_index_file_changed_in_place_drops_the_answers(app, client, service, searches):
    client.get(SEARCH)
    folder = state_of(app).folder
    build = folder.current()
    assert build is not None
    segment = next(path for path in build.iterdir() if path.suffix == ".seg")
    stat = segment.stat()
    os.utime(segment, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    client.get(SEARCH)  # read again: a damaged file would now be found and healed
    assert searches["api"] == 2


def test_a_new_search_loads_only_the_services_no_kept_answer_showed(
    app, client, service, searches, monkeypatch
):
    add_service("Konseling anak Serang")
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    serialized: list[str] = []
    real = api_search.serialize.service_summary_to_hsds

    def counting(one, **options):  # type: ignore[no-untyped-def]
        serialized.append(one.name)
        return real(one, **options)

    monkeypatch.setattr(api_search.serialize, "service_summary_to_hsds", counting)
    near = client.get(SEARCH).json
    assert sorted(serialized) == ["Konseling anak Serang", "Konseling keluarga Serang"]
    assert all("distance_km" in entry for entry in near["contents"])
    # Other parameters, the same services: ranked again, nothing loaded again, and the
    # distances of the first answer are not in the shared entries.
    anywhere = client.get("/api/v1/services?search=konseling").json
    assert searches["api"] == 2
    assert len(serialized) == 2
    assert sorted(names(anywhere)) == ["Konseling anak Serang", "Konseling keluarga Serang"]
    assert not any("distance_km" in entry for entry in anywhere["contents"])
    # An edit is a new directory version: the parts are loaded again, with the edit.
    service.name = "Konseling keluarga Serang (pindah)"
    db.session.commit()
    edited = client.get("/api/v1/services?search=konseling&per_page=5").json
    assert "Konseling keluarga Serang (pindah)" in names(edited)
    assert len(serialized) == 4
