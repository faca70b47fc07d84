"""``GET /api/v1/places``: the gazetteer over HTTP."""

import pytest


def test_places_answer_candidates_best_first(client):
    response = client.get("/api/v1/places?search=serang")
    assert response.status_code == 200
    contents = response.json["contents"]
    assert response.json["total_items"] == len(contents) >= 3
    assert {place["code"] for place in contents[:3]} == {"36.04", "36.73", "36.73.01"}
    first = contents[0]
    assert set(first) == {"code", "name", "level", "latitude", "longitude", "context"}
    assert isinstance(first["latitude"], float)


def test_a_forgiving_name_finds_one_place(client):
    contents = client.get("/api/v1/places?search=Kab.%20Serang").json["contents"]
    assert [place["code"] for place in contents] == ["36.04"]
    assert contents[0]["level"] == "kabupaten"


def test_unknown_places_are_an_empty_page(client):
    body = client.get("/api/v1/places?search=xyzzyqwerty").json
    assert body["empty"] is True and body["contents"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "search"),
        ("?search=", "search"),
        ("?search=" + "a" * 101, "search"),
        ("?search=serang&per_page=0", "per_page"),
        ("?search=serang&per_page=1000", "per_page"),
        ("?search=serang&per_page=abc", "per_page"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, query, field):
    response = client.get(f"/api/v1/places{query}")
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]
