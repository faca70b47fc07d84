"""The one search both the API and the search page run
(:func:`directory.search.operations.search_directory`): the same query from the same
request, an unclear place refused or guessed, the dead end asked for only when empty."""

from __future__ import annotations

import pytest

from directory.extensions import db
from directory.search import follower
from directory.search.operations import SearchRequest, search_directory
from directory.search.ranking import Criteria
from directory.search.service import UnknownPlace, find_services, state_of
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)


@pytest.fixture
def directory(app):  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name="UPTD PPA Kota Serang")
    service = ServiceFactory(organization=organization, name="Konseling keluarga")
    location = LocationFactory(
        organization=organization, latitude=-6.12, longitude=106.15, region_code="36.73"
    )
    ServiceAtLocationFactory(service=service, location=location)
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return service


def asked(**changes):  # type: ignore[no-untyped-def]
    values = {"text": "konseling", "criteria": Criteria(), "page": 1, "per_page": 10}
    return SearchRequest(**(values | changes))


def test_the_query_is_built_from_the_request(app, directory):
    with app.test_request_context():
        plain = search_directory(asked(page=3, per_page=7))
        near = search_directory(asked(latitude=-6.12, longitude=106.15))
    assert (plain.query.offset, plain.query.limit, plain.query.sort) == (14, 7, "relevance")
    assert plain.origin is None and plain.query.origin is None
    assert near.query.sort == "distance" and near.origin is not None
    assert [item.id for item in near.answer.page.items] == [directory.id]
    assert near.beyond is None  # found: nothing else asked


def test_an_unclear_place_is_refused_or_guessed(app, directory):
    with app.test_request_context():
        with pytest.raises(UnknownPlace) as refused:
            search_directory(asked(place="serang"))
        guessed = search_directory(asked(place="serang", guess_place=True))
        with pytest.raises(UnknownPlace):
            search_directory(asked(place="tidak ada tempat seperti ini", guess_place=True))
    assert len(refused.value.candidates) > 1
    assert guessed.place_chosen is not None and guessed.origin is not None
    assert guessed.place_chosen not in guessed.other_places
    assert set(guessed.other_places) | {guessed.place_chosen} == set(refused.value.candidates)


def test_the_caller_ranks_and_an_empty_answer_asks_for_the_dead_end(app, directory):
    ranked = []

    def find(query):  # type: ignore[no-untyped-def]
        ranked.append(query)
        return find_services(query)

    with app.test_request_context():
        empty = search_directory(asked(text="zzzqqq"), find=find)
    assert ranked == [empty.query]
    assert empty.answer.page.total == 0 and empty.beyond is not None
