"""Incremental updates of the search index: the follower replays the change log (from the
database, on SQLite and PostgreSQL) with updates and deletions, never answers degraded,
and leaves the index a full rebuild would build."""

from __future__ import annotations

import random
from datetime import time

import pytest
from sqlalchemy import select
from whoosh import index as whoosh_index

from directory.admin import operations as admin
from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    Attribute,
    Location,
    Organization,
    Service,
    TaxonomyTerm,
)
from directory.listings.operations import update_availability
from directory.search import follower
from directory.search.ranking import Criteria, Origin
from directory.search.service import Query, find_services, keep_current, state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UserFactory,
)

SERANG = Origin(-6.12, 106.15, "36.73.01")


def index_contents(build) -> dict[str, object]:
    """What a search can read from the live documents of an index, by service id (never
    by document number, which differs between an updated index and a rebuilt one):
    stored fields, description lengths, every term's postings, and the vocabulary."""
    ix = whoosh_index.open_dir(str(build))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {docnum: searcher.stored_fields(docnum)["id"] for docnum in reader.all_doc_ids()}
        documents = {
            service_id: (
                searcher.stored_fields(docnum),
                # Whoosh answers 0 for an empty field in a segment that stores no length
                # for it, and None in one that does; both mean "empty" (the app reads
                # it the same way, in search/index.py).
                reader.doc_field_length(docnum, "description") or 0,
            )
            for docnum, service_id in ids.items()
        }
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)  # deleted documents left out
            items = []
            while matcher.is_active():
                items.append((ids[matcher.id()], matcher.weight()))
                matcher.next()
            if items:
                postings[(fieldname, term)] = sorted(items)
    ix.close()
    vocabulary = sorted((build / "words.txt").read_text().splitlines())
    return {"documents": documents, "postings": postings, "vocabulary": vocabulary}


def answer_of(query: Query) -> tuple[object, ...]:
    answer = find_services(query)
    assert not answer.degraded, query
    return (
        answer.page.total,
        [(item.id, item.score, item.distance_km) for item in answer.page.items],
        answer.words,
    )


def queries(term_ids: list[str]) -> list[Query]:
    found = [
        Query(text=text)
        for text in (
            "konseling",
            "kekerasan anak",
            "violence",
            "legal aid",
            "pendampingan korban",
            "kekersan",  # a typo: corrected from the vocabulary
            "rehabil",  # a prefix: completed from the vocabulary
            "konsel",
            "serang",
        )
    ]
    found += [
        Query(text="konseling keluarga", origin=SERANG),
        Query(text="korban", origin=SERANG, sort="relevance"),
        Query(origin=SERANG, limit=50),
        Query(text="layanan", limit=100),
    ]
    found += [Query(criteria=Criteria(term_ids=(term,)), limit=100) for term in term_ids[:4]]
    return found


def assert_as_rebuilt(state, db, term_ids: list[str]) -> None:
    """The index now holds what a rebuild from the database holds, and answers alike."""
    searched = queries(term_ids)
    before = index_contents(state.folder.current())
    answers = [answer_of(query) for query in searched]
    follower.rebuild(db.session, state.folder)
    after = index_contents(state.folder.current())
    assert before["documents"] == after["documents"]
    assert before["vocabulary"] == after["vocabulary"]
    assert before["postings"] == after["postings"]
    assert answers == [answer_of(query) for query in searched]
    assert sum(1 for total, _, _ in answers if total) >= len(searched) // 2  # not all empty


# Incremental updates, one kind at a time


def add_service(name, description="", organization=None, term=None):
    organization = organization or OrganizationFactory(name="Lembaga Contoh")
    service = ServiceFactory(organization=organization, name=name, description=description)
    site = LocationFactory(organization=organization)
    ServiceAtLocationFactory(service=service, location=site)
    if term is not None:
        AttributeFactory(link_id=service.id, taxonomy_term=term)
    return service


@pytest.fixture
def state(app):
    return state_of(app)


@pytest.fixture
def indexed(state, db):
    """Forty services and a first build: deletions then stay in that segment."""
    violence = TaxonomyTermFactory(name="Kekerasan terhadap anak", name_en="Child violence")
    legal = TaxonomyTermFactory(name="Bantuan hukum", name_en="Legal aid")
    services = []
    for number in range(40):
        term = (violence, legal, None)[number % 3]
        services.append(
            add_service(
                f"Konseling keluarga {number}",
                "Pendampingan korban kekerasan dan rehabilitasi.",
                term=term,
            )
        )
    db.session.commit()
    follower.rebuild(db.session, state.folder)
    return {"services": services, "terms": [violence.id, legal.id]}


def follow(state) -> str:
    outcome = keep_current(state, blocking=True)
    assert outcome.startswith("applied"), outcome
    return outcome


def test_an_updated_service_is_found_by_its_new_words_not_degraded(indexed, state, db):
    service = indexed["services"][4]
    service.name = "Psikoterapi trauma"
    db.session.commit()
    follow(state)
    answer = find_services(Query(text="psikoterapi"))
    assert not answer.degraded
    assert [item.id for item in answer.page.items] == [service.id]
    # Its old document is gone from the matches; English term names still match.
    assert service.id not in [
        item.id for item in find_services(Query(text="keluarga 4")).page.items
    ]
    english = find_services(Query(text="violence", limit=100))
    assert not english.degraded
    assert english.page.total == 14
    assert_as_rebuilt(state, db, indexed["terms"])


def test_a_deleted_service_leaves_the_answers_not_degraded(indexed, state, db):
    gone = indexed["services"][0]
    admin.delete_service(UserFactory(role="admin", organization=None), gone)
    db.session.commit()
    follow(state)
    answer = find_services(Query(text="konseling", limit=100))
    assert not answer.degraded
    assert answer.page.total == 39
    assert gone.id not in [item.id for item in answer.page.items]
    assert_as_rebuilt(state, db, indexed["terms"])


def test_a_term_renamed_reaches_its_services_and_leaves_the_vocabulary(indexed, state, db):
    term = db.session.get(TaxonomyTerm, indexed["terms"][1])
    term.name = "Advokasi"
    term.name_en = "Advocacy"
    db.session.commit()
    follow(state)
    answer = find_services(Query(text="advocacy", limit=100))
    assert not answer.degraded
    assert answer.page.total == 13
    words = (state.folder.current() / "words.txt").read_text()
    assert "advocacy\t13\n" in words
    assert "\nlegal\t" not in words  # no document holds it any more
    assert find_services(Query(text="legal")).page.total == 0
    assert_as_rebuilt(state, db, indexed["terms"])


def test_a_capacity_save_keeps_the_answers_whole(indexed, state, db):
    service = indexed["services"][7]
    partner = UserFactory(role="partner", organization=service.organization)
    assert update_availability(
        service, partner, capacity_note="Penuh sampai Januari.", accepting_referrals=False
    )
    db.session.commit()
    follow(state)
    answer = find_services(
        Query(text="konseling", criteria=Criteria(accepting_referrals=True), limit=100)
    )
    assert not answer.degraded
    assert answer.page.total == 39
    assert service.id not in [item.id for item in answer.page.items]


def test_many_segments_with_deletions_answer_as_a_rebuild(indexed, state, db):
    """Updates one by one leave many small segments, each with deletions, until Whoosh
    merges them: every step answers whole."""
    for number, service in enumerate(indexed["services"][:12]):
        service.description = f"Mediasi perceraian tahap {number}"
        db.session.commit()
        follow(state)
        answer = find_services(Query(text="mediasi", limit=100))
        assert not answer.degraded
        assert answer.page.total == number + 1
    assert_as_rebuilt(state, db, indexed["terms"])


# The soak test: a thousand random edits through the app's own write paths

EDITS = 1000

WORDS = (
    "konseling",
    "keluarga",
    "pendampingan",
    "korban",
    "kekerasan",
    "anak",
    "perempuan",
    "bantuan",
    "hukum",
    "rehabilitasi",
    "napza",
    "kesehatan",
    "jiwa",
    "psikolog",
    "visum",
    "perceraian",
    "mediasi",
    "lansia",
    "disabilitas",
    "rumah",
    "aman",
    "trauma",
    "pengasuhan",
    "remaja",
    "sekolah",
    "pernikahan",
)
TERM_WORDS = (
    ("Kekerasan dalam rumah tangga", "Domestic violence"),
    ("Kekerasan seksual", "Sexual violence"),
    ("Bantuan hukum", "Legal aid"),
    ("Kesehatan jiwa", "Mental health"),
    ("Rehabilitasi NAPZA", "Drug rehabilitation"),
    ("Konseling keluarga", "Family counselling"),
    ("Perlindungan anak", "Child protection"),
)


class Directory:
    """The soak test's directory, edited at random through admin and listing operations."""

    def __init__(self, rng: random.Random, db, regions: list[str]) -> None:
        self.rng = rng
        self.db = db
        self.regions = regions
        self.admin = UserFactory(role="admin", organization=None)
        self.partners: dict[str, object] = {}
        self.taxonomies = [
            TaxonomyFactory(id=TAXONOMY_SERVICE_TYPES, name="Jenis layanan"),
            TaxonomyFactory(id=TAXONOMY_PROBLEMS, name="Masalah"),
        ]

    def text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))

    def ids(self, model) -> list[str]:
        return sorted(self.db.session.scalars(select(model.id)))

    def organization(self) -> Organization:
        ids = self.ids(Organization)
        if len(ids) < 6 or self.rng.random() < 0.05:
            organization = OrganizationFactory(name=f"Yayasan {self.text(1, 2)}")
            self.partners[organization.id] = UserFactory(role="partner", organization=organization)
            return organization
        return self.db.session.get(Organization, self.rng.choice(ids))

    def location_data(self, organization_id: str) -> admin.LocationData:
        rng = self.rng
        return admin.LocationData(
            organization_id=organization_id,
            name=f"Kantor {self.text(1, 2)}",
            region_code=rng.choice(self.regions),
            latitude=round(rng.uniform(-6.4, -6.0), 5),
            longitude=round(rng.uniform(106.0, 106.6), 5),
            confidential=rng.random() < 0.15,
            address="Jl. Contoh",
        )

    def service_data(self, organization: Organization) -> admin.ServiceData:
        rng = self.rng
        terms = {
            taxonomy: [
                term.id
                for term in self.db.session.scalars(
                    select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy)
                )
            ]
            for taxonomy in (TAXONOMY_SERVICE_TYPES, TAXONOMY_PROBLEMS)
        }
        locations = [location.id for location in organization.locations]
        if not locations:
            locations = [admin.save_location(self.admin, self.location_data(organization.id)).id]
        return admin.ServiceData(
            organization_id=organization.id,
            name=f"Layanan {self.text(1, 3)}",
            description=self.text(0, 25),
            status=rng.choice(("active",) * 6 + ("inactive", "temporarily closed")),
            accepting_referrals=rng.random() < 0.8,
            service_type_ids=tuple(
                rng.sample(
                    terms[TAXONOMY_SERVICE_TYPES], min(1, len(terms[TAXONOMY_SERVICE_TYPES]))
                )
            ),
            problem_ids=tuple(
                rng.sample(
                    terms[TAXONOMY_PROBLEMS], min(rng.randint(0, 2), len(terms[TAXONOMY_PROBLEMS]))
                )
            ),
            region_codes=tuple(rng.sample(self.regions, rng.choice((0, 0, 1)))),
            hours=(admin.WeekdayHours("MO", time(8), time(rng.randint(12, 17))),),
            location_ids=tuple(rng.sample(locations, rng.randint(1, min(2, len(locations))))),
        )

    def term_data(self) -> admin.TermData:
        name, name_en = self.rng.choice(TERM_WORDS)
        return admin.TermData(
            taxonomy_id=self.rng.choice((TAXONOMY_SERVICE_TYPES, TAXONOMY_PROBLEMS)),
            name=f"{name} {self.rng.choice(WORDS)}",
            name_en=name_en,
        )

    def pick(self, model):
        ids = self.ids(model)
        return self.db.session.get(model, self.rng.choice(ids)) if ids else None

    # The edits; each returns its name.

    def create_service(self) -> str:
        admin.save_service(self.admin, self.service_data(self.organization()))
        return "create service"

    def update_service(self) -> str:
        service = self.pick(Service)
        if service is None:
            return self.create_service()
        admin.save_service(self.admin, self.service_data(service.organization), service)
        return "update service"

    def capacity(self) -> str:
        service = self.pick(Service)
        if service is None:
            return self.create_service()
        partner = self.partners[service.organization_id]
        update_availability(
            service,
            partner,
            capacity_note=self.text(0, 4) or None,
            accepting_referrals=not service.accepting_referrals,
        )
        return "capacity"

    def delete_service(self) -> str:
        if len(self.ids(Service)) < 10:
            return self.create_service()
        admin.delete_service(self.admin, self.pick(Service))
        return "delete service"

    def create_location(self) -> str:
        organization = self.organization()
        admin.save_location(self.admin, self.location_data(organization.id))
        return "create location"

    def update_location(self) -> str:
        location = self.pick(Location)
        if location is None:
            return self.create_location()
        admin.save_location(self.admin, self.location_data(location.organization_id), location)
        return "update location"

    def delete_location(self) -> str:
        location = self.pick(Location)
        if location is None:
            return self.create_location()
        try:
            admin.delete_location(self.admin, location)
        except admin.StillReferenced:  # refused before anything changed
            return "location in use"
        return "delete location"

    def create_term(self) -> str:
        admin.save_term(self.admin, self.term_data())
        return "create term"

    def update_term(self) -> str:
        term = self.pick(TaxonomyTerm)
        if term is None:
            return self.create_term()
        data = self.term_data()
        admin.save_term(
            self.admin,
            admin.TermData(taxonomy_id=term.taxonomy_id, name=data.name, name_en=data.name_en),
            term,
        )
        return "update term"

    def delete_term(self) -> str:
        used = select(Attribute.taxonomy_term_id)
        unused = sorted(
            self.db.session.scalars(select(TaxonomyTerm.id).where(TaxonomyTerm.id.not_in(used)))
        )
        if not unused or self.rng.random() < 0.2:
            term = self.pick(TaxonomyTerm)  # most likely in use: refused
        else:
            term = self.db.session.get(TaxonomyTerm, self.rng.choice(unused))
        if term is None:
            return self.create_term()
        try:
            admin.delete_term(self.admin, term)
        except admin.StillReferenced:
            return "term in use"
        return "delete term"

    def rename_organization(self) -> str:
        organization = self.organization()
        organization.name = f"Lembaga {self.text(1, 3)}"
        self.db.session.flush()
        return "rename organization"

    def edit(self) -> str:
        edits = [
            (self.create_service, 4),
            (self.update_service, 5),
            (self.capacity, 4),
            (self.delete_service, 3),
            (self.create_location, 1),
            (self.update_location, 2),
            (self.delete_location, 2),
            (self.create_term, 2),
            (self.update_term, 2),
            (self.delete_term, 2),
            (self.rename_organization, 1),
        ]
        action = self.rng.choices([edit for edit, _ in edits], [w for _, w in edits])[0]
        return action()


def test_a_thousand_random_edits_never_degrade_and_end_as_a_rebuild(state, db):
    rng = random.Random(20261205)
    regions = sorted(db.session.scalars(select(Region.code).where(Region.code.like("36.__"))))
    directory = Directory(rng, db, regions)
    for _ in range(6):
        directory.create_term()
    for _ in range(30):
        directory.create_service()
    db.session.commit()
    follower.rebuild(db.session, state.folder)

    done: dict[str, int] = {}
    searched = 0
    words = ["konseling", "violence", "korban", "layanan", "kekersan", "rehabil", "yayasan"]
    for number in range(EDITS):
        name = directory.edit()
        db.session.commit()
        done[name] = done.get(name, 0) + 1
        if rng.random() < 0.25 or number == EDITS - 1:
            follow(state)
            text = rng.choice(words)
            origin = SERANG if rng.random() < 0.5 else None
            answer = find_services(Query(text=text, origin=origin))
            assert not answer.degraded, (number, name, text)
            searched += 1
    assert follower.pending(db.session, state.folder) == 0
    # Every kind of edit happened, many times; the searches ran throughout.
    assert sum(done.values()) == EDITS
    for kind in ("create service", "update service", "capacity", "delete service"):
        assert done[kind] > 50, done
    for kind in ("delete location", "delete term", "update term", "update location"):
        assert done.get(kind, 0) >= 5, done
    assert searched > EDITS // 5
    term_ids = directory.ids(TaxonomyTerm)
    rng.shuffle(term_ids)
    assert_as_rebuilt(state, db, term_ids)
