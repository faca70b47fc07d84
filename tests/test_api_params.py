"""directory.api.params: parsing and checking query parameters, without an app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from directory import querystring
from directory.api import params
from directory.errors import ApiError

TERM_A = "0b6f0e4e-4f6b-4c8e-9d5e-2f3a1b2c3d4e"
TERM_B = "7d1c2b3a-0000-4000-8000-00000000000b"


def services(**query: str | list[str]) -> params.ServiceListParams:
    return params.parse_service_list(MultiDict(query))


def bad_fields(parse, query: dict[str, str | list[str]]) -> dict[str, str]:
    with pytest.raises(ApiError) as caught:
        parse(MultiDict(query))
    assert caught.value.status == 400
    return caught.value.fields


def test_defaults():
    chosen = services()
    assert chosen.paging == params.Paging(page=1, per_page=20)
    assert chosen.full is False
    assert chosen.filters == params.ServiceFilters()


def test_paging_and_full():
    chosen = services(page="3", per_page="100", full="true")
    assert chosen.paging == params.Paging(page=3, per_page=100)
    assert chosen.full is True


def test_limits_come_from_the_caller():
    chosen = params.parse_service_list(MultiDict(), default_per_page=5, max_per_page=7)
    assert chosen.paging.per_page == 5
    assert "per_page" in bad_fields(
        lambda args: params.parse_service_list(args, max_per_page=7), {"per_page": "8"}
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page", "0"),
        ("page", "-1"),
        ("page", "abc"),
        ("page", "1.5"),
        ("page", "9" * 40),
        ("per_page", "0"),
        ("per_page", "101"),
        ("per_page", "1000"),
        ("per_page", "abc"),
        ("full", "maybe"),
        ("taxonomy_term_id", "not-a-uuid"),
        ("taxonomy_term_id", f"{TERM_A},nope"),
        ("organization_id", "123"),
        ("region", "36.x"),
        ("region", "3"),
        ("region", "36.04.01.2001.9"),
        ("region", "36%' OR 1=1"),
        ("modified_after", "yesterday"),
        ("modified_after", "2024-02-30"),
        ("modified_after", "2024-05-01T25:00"),
        ("modified_after", "0001-01-01T00:00:00+05:00"),
        ("status", "open"),
        ("accepting_referrals", "ya"),
        ("free", "2"),
        ("language", "bahasa"),
        ("language", "i"),
    ],
)
def test_bad_values_name_the_parameter(name, value):
    fields = bad_fields(params.parse_service_list, {name: value})
    assert list(fields) == [name]
    assert fields[name]


def test_every_bad_parameter_is_reported_at_once():
    fields = bad_fields(params.parse_service_list, {"page": "0", "free": "x", "region": "y"})
    assert set(fields) == {"page", "free", "region"}


def test_a_single_valued_parameter_given_twice_is_bad():
    assert "page" in bad_fields(params.parse_service_list, {"page": ["1", "2"]})


def test_empty_values_count_as_absent():
    assert services(page="", region="", free=" ", taxonomy_term_id="") == services()


def test_unknown_parameters_are_refused_naming_them_and_the_accepted_ones():
    fields = bad_fields(params.parse_service_list, {"colour": "blue", "taxonomy_idd": TERM_A})
    assert set(fields) == {"colour", "taxonomy_idd"}
    for name in ("taxonomy_id", "taxonomy_term_id", "latitude", "region", "open_now", "lang"):
        assert name in fields["colour"]


def test_the_interface_language_is_accepted_everywhere():
    assert services(lang="en") == services()
    assert params.parse_taxonomy_list(MultiDict({"lang": "en"})).search is None


@pytest.mark.parametrize(
    "parse",
    [
        params.parse_organization_list,
        params.parse_taxonomy_list,
        params.parse_taxonomy_term_list,
        params.parse_service_at_location_list,
        params.parse_item,
    ],
)
def test_every_directory_parser_refuses_unknown_parameters(parse):
    assert set(bad_fields(parse, {"colour": "blue"})) == {"colour"}


def test_an_unknown_name_is_cut_short_in_the_answer():
    fields = bad_fields(params.parse_service_list, {"x" * 500: "1"})
    assert list(fields) == ["x" * querystring.MAX_NAME_SHOWN]


def test_taxonomy_terms_repeat_or_comma_separate_and_normalise():
    chosen = services(taxonomy_term_id=[TERM_A.upper(), f"{TERM_B},{TERM_A}"])
    assert chosen.filters.taxonomy_term_ids == (TERM_A, TERM_B)


def test_uuid_without_hyphens_is_normalised():
    chosen = services(organization_id=TERM_A.replace("-", ""))
    assert chosen.filters.organization_id == TERM_A


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T08:00:00Z", datetime(2024, 5, 1, 8, tzinfo=UTC)),
        ("2024-05-01T08:00", datetime(2024, 5, 1, 8, tzinfo=UTC)),
        ("2024-05-01T15:00:00+07:00", datetime(2024, 5, 1, 8, tzinfo=UTC)),
        # "+" unencoded in a query string arrives as a space.
        ("2024-05-01T15:00:00 07:00", datetime(2024, 5, 1, 8, tzinfo=UTC)),
    ],
)
def test_modified_after_is_utc(raw, expected):
    assert services(modified_after=raw).filters.modified_after == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("FALSE", False), ("1", True), ("no", False)]
)
def test_booleans(raw, expected):
    assert services(accepting_referrals=raw).filters.accepting_referrals is expected


def test_region_and_language_are_kept_normalised():
    chosen = services(region=" 36.04 ", language="JV")
    assert chosen.filters.region == "36.04"
    assert chosen.filters.language == "jv"


def test_status_defaults_to_every_status_without_filters():
    assert services().filters.statuses == ()


@pytest.mark.parametrize(
    "query",
    [
        {"region": "36"},
        {"taxonomy_term_id": TERM_A},
        {"organization_id": TERM_A},
        {"accepting_referrals": "true"},
        {"free": "false"},
        {"language": "id"},
    ],
)
def test_status_defaults_to_active_with_a_filter(query):
    assert services(**query).filters.statuses == ("active",)


def test_modified_after_alone_keeps_every_status():
    assert services(modified_after="2024-01-01").filters.statuses == ()


def test_explicit_statuses_win():
    chosen = services(region="36", status=["inactive", "temporarily closed"])
    assert chosen.filters.statuses == ("inactive", "temporarily closed")


def test_taxonomy_term_list():
    chosen = params.parse_taxonomy_term_list(
        MultiDict({"taxonomy_id": TERM_A, "top_only": "true", "per_page": "5"})
    )
    assert chosen.filters == params.TaxonomyTermFilters(taxonomy_id=TERM_A, top_only=True)
    assert chosen.paging.per_page == 5
    fields = bad_fields(params.parse_taxonomy_term_list, {"parent_id": "x", "top_only": "x"})
    assert set(fields) == {"parent_id", "top_only"}


def test_service_at_location_list():
    chosen = params.parse_service_at_location_list(
        MultiDict({"region": "36.73", "taxonomy_term_id": TERM_A})
    )
    assert chosen.filters == params.ServiceAtLocationFilters(
        taxonomy_term_ids=(TERM_A,), region="36.73"
    )
    assert set(bad_fields(params.parse_service_at_location_list, {"organization_id": "1"})) == {
        "organization_id"
    }


def test_plain_list():
    assert params.parse_plain_list(MultiDict({"full": "1"})).full is True
    assert set(bad_fields(params.parse_plain_list, {"page": "x"})) == {"page"}


def test_path_id():
    assert params.parse_id(TERM_A.upper()) == TERM_A
    with pytest.raises(ApiError) as caught:
        params.parse_id("42")
    assert caught.value.status == 400
    assert list(caught.value.fields) == ["id"]
