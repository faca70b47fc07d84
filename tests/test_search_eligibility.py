"""Eligibility by sex (issue 15, item 5): a service limited to women or to men carries
the term ``khusus_perempuan`` or ``khusus_laki_laki`` of the taxonomy "Kelayakan" as an
HSDS attribute; a client of the other sex does not get it, in the pure filter, the index
and its database fallback, the API (``client_sex``), the search page (``kelamin``) and
re-referral (the referral's ``client_sex``); a limited service says so in its why line."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.institutions.models import (
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from directory.search import eligibility, follower
from directory.search.records import RegionNames, load_records
from directory.search.service import state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    eligibility_term,
)
from tests.support.finder_page import finder_results
from tests.support.referral_network import build_network, client_as, referral_in

# Kota Serang (36.73).
SPOT = (-6.12, 106.15, "36.73.01")
NEAR = "latitude=-6.12&longitude=106.15"


# -- The pure rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "limit"),
    [
        ((), None),
        (("khusus_perempuan",), "female"),
        (("khusus_laki_laki",), "male"),
        (("khusus_perempuan", "khusus_laki_laki"), None),
        (("khusus_perempuan", "khusus_perempuan"), "female"),
        (("konseling", None), None),
        (("konseling", "khusus_laki_laki"), "male"),
    ],
)
def test_the_terms_give_the_one_sex_a_service_is_limited_to(codes, limit):
    assert eligibility.limited_to(codes) == limit


@pytest.mark.parametrize(
    ("limit", "client_sex", "admitted"),
    [
        (None, None, True),
        (None, "female", True),
        (None, "male", True),
        ("female", None, True),
        ("female", "female", True),
        ("female", "male", False),
        ("male", None, True),
        ("male", "male", True),
        ("male", "female", False),
    ],
)
def test_each_combination_of_limit_and_client(limit, client_sex, admitted):
    assert eligibility.admits(limit, client_sex) is admitted


def test_the_accepted_sexes_are_the_referral_forms():
    from directory.referrals.vocabulary import SEXES

    assert set(eligibility.CLIENT_SEXES) == set(SEXES)


# -- Data ------------------------------------------------------------------------------


def kind(code: str) -> TaxonomyTerm:
    taxonomy = db.session.get(Taxonomy, TAXONOMY_INSTITUTION_TYPES) or TaxonomyFactory(
        id=TAXONOMY_INSTITUTION_TYPES, name="Jenis lembaga"
    )
    found = db.session.scalar(
        select(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy_id == TAXONOMY_INSTITUTION_TYPES, TaxonomyTerm.code == code
        )
    )
    return found or TaxonomyTermFactory(taxonomy=taxonomy, code=code, name=code.upper())


def listed(name, *codes, terms=(), institution="lsm", organization=None, spot=SPOT):
    """A service at ``spot`` with the eligibility terms ``codes`` and ``terms``."""
    latitude, longitude, region = spot
    organization = organization or OrganizationFactory(name=f"{name} (lembaga)")
    AttributeFactory(
        link_id=organization.id, link_entity="organization", taxonomy_term=kind(institution)
    )
    service = ServiceFactory(organization=organization, name=name)
    location = LocationFactory(
        organization=organization, latitude=latitude, longitude=longitude, region_code=region
    )
    ServiceAtLocationFactory(service=service, location=location)
    for code in codes:
        AttributeFactory(link_id=service.id, taxonomy_term=eligibility_term(code))
    for term in terms:
        AttributeFactory(link_id=service.id, taxonomy_term=term)
    return service


@pytest.fixture
def services(app):
    problems = db.session.get(Taxonomy, TAXONOMY_PROBLEMS) or TaxonomyFactory(
        id=TAXONOMY_PROBLEMS, name="Masalah"
    )
    kdrt = TaxonomyTermFactory(taxonomy=problems, code="kdrt", name="KDRT")
    found = {
        "everyone": listed("Layanan semua", terms=[kdrt]),
        "women": listed("Konseling perempuan", "khusus_perempuan", terms=[kdrt]),
        "men": listed("Konseling laki-laki", "khusus_laki_laki", terms=[kdrt]),
        "both": listed("Layanan keduanya", "khusus_perempuan", "khusus_laki_laki", terms=[kdrt]),
    }
    # A term with the same code in another taxonomy limits nothing.
    lookalike = TaxonomyTermFactory(code="khusus_laki_laki", name="Bukan kelayakan")
    found["lookalike"] = listed("Layanan istilah lain", terms=[kdrt, lookalike])
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return {"kdrt": kdrt, **found}


EXPECTED = {
    None: {"everyone", "women", "men", "both", "lookalike"},
    "female": {"everyone", "women", "both", "lookalike"},
    "male": {"everyone", "men", "both", "lookalike"},
}


def test_the_records_carry_the_sex_limit_of_the_eligibility_terms_only(services):
    keys = ("everyone", "women", "men", "both", "lookalike")
    records = load_records(
        db.session, [services[key].id for key in keys], RegionNames.load(db.session)
    )
    limits = {record.id: record.sex_limit for record in records}
    assert limits == {
        services["everyone"].id: None,
        services["women"].id: "female",
        services["men"].id: "male",
        services["both"].id: None,
        services["lookalike"].id: None,
    }
    # The term names stay searchable text, as every term's name is.
    women = next(record for record in records if record.id == services["women"].id)
    assert "Khusus perempuan" in women.term_names and "Women only" in women.term_names


# -- The API ---------------------------------------------------------------------------


def ids_of(body, services):
    names = {service.id: key for key, service in services.items() if key != "kdrt"}
    return {names[entry["id"]] for entry in body["contents"] if entry["id"] in names}


@pytest.mark.parametrize("client_sex", [None, "female", "male"])
def test_the_api_leaves_out_services_limited_to_the_other_sex(client, services, client_sex):
    query = f"/api/v1/services?{NEAR}&per_page=50"
    if client_sex:
        query += f"&client_sex={client_sex}"
    response = client.get(query)
    assert response.status_code == 200, response.json
    assert ids_of(response.json, services) == EXPECTED[client_sex]
    # Text search alone, no origin: the same filter.
    text = client.get(f"/api/v1/services?search=layanan%20konseling&client_sex={client_sex or ''}")
    assert text.status_code == 200
    assert ids_of(text.json, services) <= EXPECTED[client_sex]


def test_the_database_fallback_filters_alike(client, services, app):
    state_of(app).folder.pointer.unlink()
    body = client.get(f"/api/v1/services?{NEAR}&client_sex=male&per_page=50").json
    assert body["degraded"] is True
    assert ids_of(body, services) == EXPECTED["male"]


@pytest.mark.parametrize(
    "value", ["perempuan", "FEMALE", "other", "0", "female,male", "x" * 300, "\u00e9"]
)
def test_any_other_client_sex_is_a_400_naming_the_accepted_values(client, services, value):
    response = client.get(
        "/api/v1/services",
        query_string={"latitude": "-6.12", "longitude": "106.15", "client_sex": value},
    )
    assert response.status_code == 400
    reason = response.json["error"]["fields"]["client_sex"]
    assert "female" in reason and "male" in reason


def test_client_sex_given_twice_is_a_400(client, services):
    response = client.get(f"/api/v1/services?{NEAR}&client_sex=female&client_sex=male")
    assert response.status_code == 400
    assert "client_sex" in response.json["error"]["fields"]


def test_an_empty_client_sex_filters_nothing(client, services):
    response = client.get(f"/api/v1/services?{NEAR}&client_sex=&per_page=50")
    assert response.status_code == 200
    assert ids_of(response.json, services) == EXPECTED[None]


def test_the_openapi_document_describes_client_sex(client):
    document = client.get("/api/v1/openapi.json").json
    described = document["components"]["parameters"]["client_sex"]
    assert described["schema"]["enum"] == ["female", "male"]
    references = [
        parameter.get("$ref", "")
        for path, operations in document["paths"].items()
        if path.endswith("/services")
        for parameter in operations["get"].get("parameters", [])
    ]
    assert any(reference.endswith("/client_sex") for reference in references)


# -- NDJSON under sort=policy ----------------------------------------------------------


def lines(response):
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_each_streamed_line_carries_its_ranking_under_sort_policy(client, services):
    kdrt = services["kdrt"]
    query = f"{NEAR}&sort=policy&problem_term_id={kdrt.id}&client_sex=female"
    streamed = lines(client.get(f"/api/v1/services?format=ndjson&{query}"))
    paged = client.get(f"/api/v1/services?{query}&per_page=50").json["contents"]
    assert streamed and [line["id"] for line in streamed] == [entry["id"] for entry in paged]
    assert [line["ranking"] for line in streamed] == [entry["ranking"] for entry in paged]
    assert all(line["ranking"]["problem_term_ids"] == [kdrt.id] for line in streamed)
    # The LSM's place in the policy's row for domestic violence (lsm: 10th).
    assert {line["ranking"]["designation"] for line in streamed} == {10}
    assert all(line["ranking"]["jurisdiction"] == "regency" for line in streamed)
    assert services["men"].id not in {line["id"] for line in streamed}
    # Without sort=policy the lines stay as they were: no ranking.
    plain = lines(client.get(f"/api/v1/services?format=ndjson&{NEAR}"))
    assert plain and all("ranking" not in line for line in plain)


# -- The search page -------------------------------------------------------------------


def page_results(client, **args) -> list[tuple[str, str]]:
    """(service id, why) of each result of ``/cari``."""
    return [(found.service_id, found.why) for found in finder_results(client, **args)]


@pytest.mark.parametrize("client_sex", [None, "female", "male"])
def test_the_search_page_filters_by_the_clients_sex(app, services, client_sex):
    args = {"masalah": services["kdrt"].id, "lat": "-6.12", "lon": "106.15"}
    if client_sex:
        args["kelamin"] = client_sex
    found = page_results(app.test_client(), **args)
    names = {service.id: key for key, service in services.items()}
    assert {names[service_id] for service_id, _ in found} == EXPECTED[client_sex]
    why = {names[service_id]: text for service_id, text in found}
    if client_sex != "male":
        assert "Khusus perempuan" in why["women"]
    if client_sex != "female":
        assert "Khusus laki-laki" in why["men"]
    # A service for everyone, or for both, names no limit.
    for key in ("everyone", "both"):
        assert "Khusus" not in why[key]


def test_the_search_page_offers_the_choice_and_keeps_it(app, services):
    text = app.test_client().get("/cari?kelamin=male&tempat=Kota%20Serang").get_data(as_text=True)
    assert 'name="kelamin"' in text
    assert "Jenis kelamin klien" in text
    assert '<option value="male" selected>Laki-laki</option>' in text
    assert '<option value="female">Perempuan</option>' in text


@pytest.mark.parametrize("value", ["laki", "FEMALE", "x" * 500])
def test_a_bad_sex_is_a_message_on_the_page_not_an_error(app, services, value):
    response = app.test_client().get(
        "/cari", query_string={"kelamin": value, "masalah": services["kdrt"].id, "lat": "-6.12",
                               "lon": "106.15"}
    )  # fmt: skip
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Pilihan jenis kelamin klien tidak dikenal." in text
    # The bad value filters nothing: every service is there.
    assert len(page_results(app.test_client(), masalah=services["kdrt"].id, lat="-6.12",
                            lon="106.15", kelamin=value)) == len(EXPECTED[None])  # fmt: skip


def test_the_why_line_names_the_limit_in_english_too(app, services):
    found = page_results(
        app.test_client(), masalah=services["kdrt"].id, lat="-6.12", lon="106.15", lang="en"
    )
    why = " ".join(text for _, text in found)
    assert "Women only" in why and "Men only" in why
    assert "Khusus" not in why


# -- Re-referral -----------------------------------------------------------------------


def names_on(page: str) -> list[str]:
    return re.findall(r"<li><strong>([^<]+)</strong>", page)


@pytest.mark.parametrize(
    ("client_sex", "offered", "left_out"),
    [
        ("female", "Konseling perempuan", "Konseling laki-laki"),
        ("male", "Konseling laki-laki", "Konseling perempuan"),
    ],
)
def test_rereferral_leaves_out_services_limited_to_the_other_sex(
    app, client_sex, offered, left_out
):
    network = build_network()
    problem = network.problem_terms[0]
    for name, codes in (
        ("Konseling perempuan", ("khusus_perempuan",)),
        ("Konseling laki-laki", ("khusus_laki_laki",)),
        ("Layanan semua orang", ()),
    ):
        listed(name, *codes, terms=[problem])
    referral = referral_in(network, "declined", client_sex=client_sex)
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)

    counsellor = client_as(app, network, "sender_counsellor")
    page = counsellor.get(f"/rujukan/{referral.id}/rujuk-ulang")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    names = names_on(text)
    assert offered in names and "Layanan semua orang" in names
    assert left_out not in names
    label = "Khusus perempuan" if client_sex == "female" else "Khusus laki-laki"
    assert label in text
    # The referral's sex is a filter only: it is nowhere in the search index.
    index_files = b"".join(
        path.read_bytes() for path in state_of(app).folder.root.rglob("*") if path.is_file()
    )
    assert referral.client_reference.encode() not in index_files


def test_the_sex_limit_follows_an_edit_of_the_terms(app, client, services):
    """Tagging a service afterwards: the index follows the change log, no rebuild."""
    everyone = services["everyone"]
    AttributeFactory(link_id=everyone.id, taxonomy_term=eligibility_term("khusus_laki_laki"))
    db.session.commit()
    follower.apply_pending(db.session, state_of(app).folder)
    body = client.get(f"/api/v1/services?{NEAR}&client_sex=female&per_page=50").json
    assert not body.get("degraded")
    assert ids_of(body, services) == EXPECTED["female"] - {"everyone"}
    body = client.get(f"/api/v1/services?{NEAR}&client_sex=male&per_page=50").json
    assert ids_of(body, services) == EXPECTED["male"]


# -- The seed --------------------------------------------------------------------------


def test_the_seeds_tagged_services_in_kota_serang_on_the_search_page(app):
    """The demonstration directory: counselling for domestic violence within 10 km of
    Kota Serang offers a female client the women's NGO's counselling ("Khusus
    perempuan") and not its counselling for men; a male client the other way round."""
    from bench.relevance_bench import load_seed

    load_seed()
    terms = {
        term.code: term
        for term in db.session.scalars(
            select(TaxonomyTerm).where(TaxonomyTerm.code.in_(("kdrt", "konseling")))
        )
    }
    names = dict(db.session.execute(select(Service.id, Service.name)).all())
    client = app.test_client()

    def found(sex):
        return {
            names[service_id]: why
            for service_id, why in page_results(
                client,
                masalah=terms["kdrt"].id,
                jenis=terms["konseling"].id,
                tempat="Kota Serang",
                radius="10",
                kelamin=sex,
            )
        }

    women, men = "Konseling perempuan", "Konseling bagi laki-laki (berhenti dari kekerasan)"
    for_her, for_him = found("female"), found("male")
    assert women in for_her and men not in for_her
    assert "Khusus perempuan" in for_her[women]
    assert men in for_him and women not in for_him
    assert "Khusus laki-laki" in for_him[men]
    # What serves everyone is offered to both.
    assert set(for_her) - {women} == set(for_him) - {men}


def test_the_other_places_offered_keep_the_clients_sex_and_age(app, services):
    """An ambiguous place searches from the likeliest and offers the others: their links
    keep the client's sex and age, so the filter is not lost on the way."""
    text = unescape(
        app.test_client()
        .get("/cari", query_string={"tempat": "Serang", "kelamin": "male", "usia": "30"})
        .get_data(as_text=True)
    )
    links = re.findall(r'<ul class="finder-candidates".*?</ul>', text, re.S)
    assert links, "the page offers other places named Serang"
    hrefs = re.findall(r'href="([^"]+)"', links[0])
    assert hrefs and all("kelamin=male" in href and "usia=30" in href for href in hrefs)
