"""The counsellor's ranking policy (``directory/search/policy.py``), walked row by row over
the pure ranking: designation, jurisdiction, the counsellor's own organization, several
problems, the client's age and sex."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from directory.commands import SEED_DIR
from directory.search import policy
from directory.search.documents import Place, ServiceRecord
from directory.search.ranking import (
    LEVEL_ELSEWHERE,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    Catalog,
    Criteria,
    Origin,
    Suitability,
    rank,
)

NOW = datetime(2024, 6, 3, 3, 0, tzinfo=UTC)
# Kota Serang (36.73), in Banten (36); Kabupaten Serang (36.04) next to it.
ORIGIN = Origin(-6.12, 106.15, "36.73.01")
OWN = "org-own"


def seed_codes(taxonomy: str) -> set[str]:
    terms = json.loads((SEED_DIR / "taxonomy_terms.json").read_text())
    return {term["code"] for term in terms if term["taxonomy"] == taxonomy}


def record(
    identifier: str,
    institution_type: str,
    terms: tuple[str, ...],
    *,
    km_east: float,
    region: str = "36.73.01",
    areas: tuple[str, ...] = ("36.73",),
    organization: str | None = None,
    minimum_age: int | None = None,
    maximum_age: int | None = None,
    sex_limit: str | None = None,
) -> ServiceRecord:
    # About 111 km per degree of longitude near the equator.
    place = Place(ORIGIN.latitude, ORIGIN.longitude + km_east / 110.5, region, False)
    return ServiceRecord(
        id=identifier,
        organization_id=organization or f"org-{identifier}",
        name="",
        organization_name="",
        term_ids=terms,
        area_codes=areas,
        places=(place,),
        organization_term_ids=(institution_type,),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        sex_limit=sex_limit,
    )


def suitability(*problems: str) -> Suitability:
    """Codes stand for term ids here: the policy's own codes, mapped to themselves."""
    codes = {code: code for row in policy.POLICY for code in (row.problem, *row.institution_types)}
    return Suitability(policy.tiers(problems, codes, codes), tuple(problems))


def ranked(records, criteria, *, problems, origin=ORIGIN, limit=50):
    return rank(
        Catalog(records),
        criteria,
        origin=origin,
        now=NOW,
        sort="policy",
        limit=limit,
        suitability=suitability(*problems),
    )


def test_the_table_covers_every_problem_of_the_seed_with_known_types():
    problems = seed_codes("Masalah dan situasi")
    types = seed_codes("Jenis lembaga")
    assert types, "institution types of the seed"
    assert {row.problem for row in policy.POLICY} == problems
    for row in policy.POLICY:
        assert row.institution_types, row.problem
        assert len(set(row.institution_types)) == len(row.institution_types), row.problem
        assert set(row.institution_types) <= types, row.problem
        assert row.basis


@pytest.mark.parametrize("row", policy.POLICY, ids=lambda row: row.problem)
def test_each_row_orders_the_types_it_names_first_whatever_the_distance(row):
    """One service per type of the row, the last-named nearest; a type the row does not
    name nearer still, and the counsellor's own organization nearest of all: the order
    is the row's, then the unnamed type, and the counsellor's own never appears."""
    count = len(row.institution_types)
    records = [
        record(f"s{index:02d}", code, (row.problem,), km_east=1.0 + (count - index))
        for index, code in enumerate(row.institution_types)
    ]
    unnamed = next(
        code for code in sorted(seed_codes("Jenis lembaga")) if code not in row.institution_types
    )
    records.append(record("z-unnamed", unnamed, (row.problem,), km_east=0.5))
    own_type = row.institution_types[0]
    records.append(record("a-own", own_type, (row.problem,), km_east=0.1, organization=OWN))

    page = ranked(
        records,
        Criteria(problem_term_ids=(row.problem,), exclude_organization_ids=(OWN,)),
        problems=(row.problem,),
    )

    assert [item.id for item in page.items] == [
        *(f"s{index:02d}" for index in range(count)),
        "z-unnamed",
    ]
    assert [item.tier for item in page.items] == [*range(count), None]
    assert {item.level for item in page.items} == {LEVEL_REGENCY}
    assert page.items[0].problem_term_ids == (row.problem,)


def test_without_the_policy_the_same_services_come_nearest_first():
    row = policy.BY_PROBLEM["kdrt"]
    records = [
        record(f"s{index:02d}", code, ("kdrt",), km_east=1.0 + (10 - index))
        for index, code in enumerate(row.institution_types)
    ]
    page = rank(Catalog(records), Criteria(term_ids=("kdrt",)), origin=ORIGIN, now=NOW)
    assert page.items[0].id == f"s{len(row.institution_types) - 1:02d}"
    assert page.items[0].tier is None


def test_the_regency_agency_before_the_province_one_and_both_before_elsewhere():
    records = [
        # The provincial UPTD PPA, nearer than the city's own.
        record("province-uptd", "uptd_ppa", ("kdrt",), km_east=1, areas=("36",)),
        record("city-uptd", "uptd_ppa", ("kdrt",), km_east=4, areas=("36.73",)),
        # The police unit of the city: second type, regency level.
        record("city-police", "unit_ppa_polri", ("kdrt",), km_east=2, areas=("36.73",)),
        # A UPTD PPA declaring no area, next door but in another regency and province
        # (a location decides for it): elsewhere, after every service of the jurisdiction.
        record("other-uptd", "uptd_ppa", ("kdrt",), km_east=0.5, region="32.01.01", areas=()),
        # A hospital declaring no area, in the city: regency level by its location.
        record("city-hospital", "rumah_sakit", ("kdrt",), km_east=3, areas=()),
        # A hospital in another regency of the province, declaring no area.
        record(
            "province-hospital", "rumah_sakit", ("kdrt",), km_east=0.2, region="36.04.01", areas=()
        ),
    ]
    page = ranked(records, Criteria(term_ids=("kdrt",)), problems=("kdrt",))
    assert [(item.id, item.level) for item in page.items] == [
        ("city-uptd", LEVEL_REGENCY),
        ("province-uptd", LEVEL_PROVINCE),
        ("city-police", LEVEL_REGENCY),
        ("city-hospital", LEVEL_REGENCY),
        ("province-hospital", LEVEL_PROVINCE),
        ("other-uptd", LEVEL_ELSEWHERE),
    ]


def test_a_district_area_of_the_regency_counts_as_the_regency():
    records = [
        record("kua", "kua", ("perceraian",), km_east=2, areas=("36.73.05",), region="36.73.05"),
        record("court", "pengadilan_agama", ("perceraian",), km_east=3, areas=("36.73", "36.04")),
    ]
    page = ranked(records, Criteria(term_ids=("perceraian",)), problems=("perceraian",))
    assert [(item.id, item.level) for item in page.items] == [
        ("court", LEVEL_REGENCY),
        ("kua", LEVEL_REGENCY),
    ]


def test_several_problems_any_of_them_best_position_then_more_problems_first():
    records = [
        record("court", "pengadilan_agama", ("perceraian",), km_east=5),
        record("uptd", "uptd_ppa", ("kdrt",), km_east=6),
        record("police-both", "unit_ppa_polri", ("kdrt", "perceraian"), km_east=3),
        record("lk3-both", "lk3", ("kdrt", "perceraian"), km_east=1),
        record("lk3-one", "lk3", ("kdrt",), km_east=0.5),
        record("napza", "bnn", ("napza",), km_east=0.1),
    ]
    page = ranked(
        records,
        Criteria(problem_term_ids=("kdrt", "perceraian")),
        problems=("kdrt", "perceraian"),
    )
    ids = [item.id for item in page.items]
    # First for either problem: the court (divorce) and the UPTD PPA (violence), both
    # position 0, nearest first; the police is second for violence; the LK3s fourth
    # for divorce: the one tagged with both problems first, though farther.
    assert ids == ["court", "uptd", "police-both", "lk3-both", "lk3-one"]
    assert page.items[2].problem_term_ids == ("kdrt", "perceraian")
    assert page.total == 5


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ((8, 8), {"any-age", "children"}),
        ((13, 17), {"any-age", "children", "teenagers"}),
        ((25, 59), {"any-age", "adults"}),
        ((60, 200), {"any-age", "adults"}),
        (None, {"any-age", "children", "teenagers", "adults"}),
    ],
)
def test_the_clients_age_filters_by_the_services_minimum_and_maximum_age(age, expected):
    records = [
        record("any-age", "uptd_ppa", ("kdrt",), km_east=1),
        record("children", "uptd_ppa", ("kdrt",), km_east=2, minimum_age=6, maximum_age=17),
        record("teenagers", "uptd_ppa", ("kdrt",), km_east=3, minimum_age=12, maximum_age=17),
        record("adults", "uptd_ppa", ("kdrt",), km_east=4, minimum_age=18),
    ]
    page = ranked(records, Criteria(term_ids=("kdrt",), client_age=age), problems=("kdrt",))
    assert {item.id for item in page.items} == expected
    # The distance order too (the same filter applies to every sort).
    nearest = rank(Catalog(records), Criteria(client_age=age), origin=ORIGIN, now=NOW)
    assert {item.id for item in nearest.items} == expected


@pytest.mark.parametrize(
    ("client_sex", "expected"),
    [
        ("female", {"everyone", "women-only"}),
        ("male", {"everyone", "men-only"}),
        (None, {"everyone", "women-only", "men-only"}),
    ],
)
def test_the_clients_sex_leaves_out_services_limited_to_the_other_sex(client_sex, expected):
    records = [
        record("everyone", "uptd_ppa", ("kdrt",), km_east=3),
        record("women-only", "lsm", ("kdrt",), km_east=1, sex_limit="female"),
        record("men-only", "lsm", ("kdrt",), km_east=2, sex_limit="male"),
    ]
    criteria = Criteria(term_ids=("kdrt",), client_sex=client_sex)
    page = ranked(records, criteria, problems=("kdrt",))
    assert {item.id for item in page.items} == expected
    assert page.total == len(expected)
    # Every sort and no origin alike: the filter is a hard one.
    for origin, sort in ((ORIGIN, "distance"), (None, "relevance")):
        other = rank(Catalog(records), criteria, origin=origin, now=NOW, sort=sort)
        assert {item.id for item in other.items} == expected


def test_the_clients_sex_and_age_filter_together():
    records = [
        record("girls", "lsm", ("kdrt",), km_east=1, sex_limit="female", maximum_age=17),
        record("women", "lsm", ("kdrt",), km_east=2, sex_limit="female", minimum_age=18),
        record("men", "lsm", ("kdrt",), km_east=3, sex_limit="male", minimum_age=18),
    ]
    page = ranked(records, Criteria(client_sex="female", client_age=(13, 17)), problems=("kdrt",))
    assert [item.id for item in page.items] == ["girls"]


def test_an_unknown_client_sex_is_refused_not_ignored():
    with pytest.raises(ValueError, match="client_sex"):
        Criteria(client_sex="perempuan")


def test_a_directory_holding_few_of_a_rows_types_keeps_the_rows_positions():
    """Only the NGO type (10th for domestic violence) is known: it stays 10th, not
    unnamed because the directory holds fewer than ten types."""
    codes = {"kdrt": "kdrt", "lsm": "lsm", "psikolog": "psikolog"}
    only = Suitability(policy.tiers(("kdrt",), codes, codes), ("kdrt",))
    assert only.tiers == {"kdrt": {"psikolog": 8, "lsm": 9}}
    assert policy.unranked_tier(only.tiers) == 10
    records = [
        record("ngo", "lsm", ("kdrt",), km_east=1),
        record("psychologist", "psikolog", ("kdrt",), km_east=2),
        record("court", "pengadilan_agama", ("kdrt",), km_east=0.5),
    ]
    page = rank(
        Catalog(records), Criteria(), origin=ORIGIN, now=NOW, sort="policy", suitability=only
    )
    assert [(item.id, item.tier) for item in page.items] == [
        ("psychologist", 8),
        ("ngo", 9),
        ("court", None),
    ]


def test_the_counsellors_own_organization_is_left_out_of_every_sort():
    records = [
        record("own", "lk3", ("kdrt",), km_east=0.1, organization=OWN),
        record("other", "lk3", ("kdrt",), km_east=3),
    ]
    criteria = Criteria(term_ids=("kdrt",), exclude_organization_ids=(OWN,))
    assert [i.id for i in ranked(records, criteria, problems=("kdrt",)).items] == ["other"]
    assert [i.id for i in rank(Catalog(records), criteria, origin=ORIGIN, now=NOW).items] == [
        "other"
    ]
    assert [i.id for i in rank(Catalog(records), criteria, origin=None, now=NOW).items] == ["other"]


def test_pages_follow_each_other_and_the_radius_holds():
    row = policy.BY_PROBLEM["kekerasan_seksual"]
    records = [
        record(f"s{index:02d}", code, ("kekerasan_seksual",), km_east=1.0 + 3 * index)
        for index, code in enumerate(row.institution_types)
    ]
    catalog = Catalog(records)
    whole = rank(
        catalog,
        Criteria(),
        origin=ORIGIN,
        now=NOW,
        sort="policy",
        limit=50,
        suitability=suitability("kekerasan_seksual"),
    )
    first = rank(
        catalog,
        Criteria(),
        origin=ORIGIN,
        now=NOW,
        sort="policy",
        limit=3,
        suitability=suitability("kekerasan_seksual"),
    )
    second = rank(
        catalog,
        Criteria(),
        origin=ORIGIN,
        now=NOW,
        sort="policy",
        offset=3,
        limit=3,
        suitability=suitability("kekerasan_seksual"),
    )
    assert [i.id for i in first.items + second.items] == [i.id for i in whole.items][:6]
    near = rank(
        catalog,
        Criteria(radius_km=10),
        origin=ORIGIN,
        now=NOW,
        sort="policy",
        suitability=suitability("kekerasan_seksual"),
    )
    assert near.total == 3
    assert all(item.distance_km is not None and item.distance_km <= 10 for item in near.items)


def test_without_an_origin_the_policy_still_orders_by_designation():
    row = policy.BY_PROBLEM["napza"]
    records = [
        record(f"s{len(row.institution_types) - index:02d}", code, ("napza",), km_east=1)
        for index, code in enumerate(row.institution_types)
    ]
    page = rank(
        Catalog(records),
        Criteria(),
        origin=None,
        now=NOW,
        sort="policy",
        suitability=suitability("napza"),
    )
    assert [item.tier for item in page.items] == list(range(len(row.institution_types)))
    assert all(item.level is None and item.distance_km is None for item in page.items)


def test_services_without_a_location_come_after_the_located_of_their_rank_without_a_radius():
    located = record("located", "lk3", ("kdrt",), km_east=5)
    hotline = ServiceRecord(
        id="hotline",
        organization_id="org-hotline",
        name="",
        organization_name="",
        term_ids=("kdrt",),
        area_codes=("36.73",),
        organization_term_ids=("uptd_ppa",),
    )
    page = ranked([located, hotline], Criteria(), problems=("kdrt",))
    # The hotline is the city's UPTD PPA: first by its rank, with no distance.
    assert [(item.id, item.distance_km) for item in page.items][0] == ("hotline", None)
    assert page.items[0].level == LEVEL_REGENCY and page.total == 2
    within = ranked([located, hotline], Criteria(radius_km=50), problems=("kdrt",))
    assert [item.id for item in within.items] == ["located"]


def test_the_readme_states_the_same_policy_row_by_row():
    """The README's table is the code's table: one row per problem, in the same order,
    naming as many institution types as the code lists."""
    import re
    from pathlib import Path

    from directory.search import policy as policy_table

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| [^|]+\(`([a-z_]+)`\) \| ([^|]+) \|$", readme, flags=re.M)
    assert [code for code, _ in rows] == [row.problem for row in policy_table.POLICY]
    for (code, types), row in zip(rows, policy_table.POLICY, strict=True):
        assert len(types.split(", ")) == len(row.institution_types), code
