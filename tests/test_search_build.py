"""The fast paths of a full rebuild and of matching give what the plain paths give."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import select
from whoosh import index as whoosh_index

from directory.models import Service
from directory.search import bulk_writer, follower, index
from directory.search.analyzer import query_words
from directory.search.documents import Place, ServiceRecord
from directory.search.records import RegionNames, iter_all_records, load_records
from directory.search.service import Query, find_services, keep_current, state_of
from tests.factories import (
    AttributeFactory,
    LanguageFactory,
    LocationFactory,
    OrganizationFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    full_service,
)

WORDS = [
    "konseling",
    "keluarga",
    "pendampingan",
    "korban",
    "kekerasan",
    "dalam",
    "rumah",
    "tangga",
    "KDRT",
    "anak",
    "perempuan",
    "bantuan",
    "hukum",
    "gratis",
    "rehabilitasi",
    "NAPZA",
    "kesehatan",
    "jiwa",
    "psikolog",
    "visum",
    "perceraian",
    "mediasi",
    "Dinas",
    "Sosial",
    "Ünïcode",
    "café",
    "lansia",
    "disabilitas",
]


def synthetic_records(count: int) -> list[ServiceRecord]:
    rng = random.Random(count)
    records = []
    for number in range(count):
        description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40)))
        records.append(
            ServiceRecord(
                id=str(uuid.UUID(int=number)),
                organization_id=str(uuid.UUID(int=10**6 + number % 7)),
                name=f"Layanan {rng.choice(WORDS)} {rng.choice(WORDS)}",
                organization_name=f"LK3 {rng.choice(WORDS)}",
                description=description,
                term_names=tuple(rng.sample(WORDS, 2)),
                region_names=("Cipocok Jaya", "Kota Serang", "Pulau Ünïcode İstana")
                if number % 3
                else (),
                places=(Place(-6.1 + number / 1000, 106.1, "36.73.01", False),),
            )
        )
    return records


def read_all(path) -> dict[str, object]:
    """Every term's postings (ids, weights, values), every document's stored fields and
    field lengths: what a search can read from an index."""
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[(fieldname, term)] = (
                items,
                reader.doc_frequency(fieldname, term),
                reader.frequency(fieldname, term),
            )
        documents = [
            (
                reader.stored_fields(docnum),
                [reader.doc_field_length(docnum, name) for name in sorted(ix.schema.names())],
            )
            for docnum in range(reader.doc_count_all())
        ]
        totals = [reader.field_length(name) for name in sorted(ix.schema.names())]
    ix.close()
    return {"postings": postings, "documents": documents, "totals": totals}


def test_the_bulk_writer_writes_what_whoosh_add_document_writes(tmp_path):
    records = synthetic_records(400)  # common words span several 128-posting blocks
    built = index.build(index.IndexFolder(tmp_path / "bulk"), records, cursor=7)

    reference = tmp_path / "reference"
    reference.mkdir()
    ix = whoosh_index.create_in(str(reference), index.build_schema())
    writer = ix.writer(codec=bulk_writer.build_codec())
    for record in records:
        writer.add_document(**index.document(record))
    writer.commit()
    ix.close()

    ours, theirs = read_all(built), read_all(reference)
    assert len(ours["postings"]) > 50
    assert max(len(items) for items, _, _ in ours["postings"].values()) > 256
    assert ("description", "ünïcode".encode()) in ours["postings"]
    assert ours == theirs


def test_a_failed_build_leaves_the_live_index_alone(tmp_path):
    folder = index.IndexFolder(tmp_path)
    live = index.build(folder, synthetic_records(20), cursor=1)

    def broken():
        yield from synthetic_records(5)
        raise RuntimeError("database went away")

    try:
        index.build(folder, broken(), cursor=2)
    except RuntimeError:
        pass
    else:  # pragma: no cover - the build must not swallow the error
        raise AssertionError("the failed build did not raise")
    assert folder.current() == live
    assert folder.cursor() == 1
    assert [path.name for path in tmp_path.glob("build-*")] == [live.name]


def test_records_read_for_a_rebuild_are_the_records_read_by_id(db):
    full_service()
    full_service(confidential=True)
    organization = OrganizationFactory(name="Yayasan Pulih")
    service = ServiceFactory(organization=organization, name="Konseling trauma")
    site = LocationFactory(organization=organization)
    at = ServiceAtLocationFactory(service=service, location=site)
    ScheduleFactory(service_at_location_id=at.id, byday="SA,SU")
    LanguageFactory(location_id=site.id, code="su", name="Basa Sunda")
    AttributeFactory(link_id=organization.id, link_entity="organization")
    ServiceFactory(name="Tanpa lokasi")
    db.session.commit()
    regions = RegionNames.load(db.session)

    rebuild = list(iter_all_records(db.session, regions, chunk=2))  # several chunks
    ids = list(db.session.scalars(select(Service.id)))
    by_id = sorted(load_records(db.session, ids, regions), key=lambda record: record.id)

    assert rebuild == by_id
    assert [record.id for record in rebuild] == sorted(ids)
    trauma = next(record for record in rebuild if record.id == service.id)
    assert "su" in trauma.languages
    assert trauma.organization_id == organization.id
    assert any(place.hours for place in trauma.places)
    assert trauma.term_names


def test_word_corrections_are_kept_per_snapshot_only(app, db):
    organization = OrganizationFactory(name="Biro Harapan")
    ServiceFactory(organization=organization, name="Konseling keluarga")
    db.session.commit()
    state = state_of(app)
    follower.rebuild(db.session, state.folder)

    assert find_services(Query(text="psikoterapy")).page.items == []

    organization = OrganizationFactory(name="Klinik Jiwa")
    added = ServiceFactory(organization=organization, name="Psikoterapi individu")
    db.session.commit()
    keep_current(state, blocking=True)

    answer = find_services(Query(text="psikoterapy"))
    assert [item.id for item in answer.page.items] == [added.id]
    assert answer.words == ("psikoterapi",)


QUERIES = [
    "konseling",
    "kekerasan dalam rumah tangga",
    "KDRT anak",
    "bantuan hukum gratis",
    "rehabil",
    "psikolgo",
    "unicode",
    "café lansia",
    "kota serang",
]


def answers(folder: index.IndexFolder) -> list[tuple[list[str], list[float], tuple[str, ...]]]:
    snapshot = index.Reader(folder).snapshot()
    found = []
    for text in QUERIES:
        match = snapshot.match(query_words(text))
        found.append(
            ([snapshot.catalog.ids[row] for row in match.rows], match.scores.tolist(), match.words)
        )
    snapshot.close()
    return found


def test_the_public_writer_builds_the_index_the_bulk_writer_builds(tmp_path):
    """``SEARCH_BULK_WRITER = False`` falls back on Whoosh's public writer: the same
    documents, postings and lengths, vocabulary, and answers."""
    records = synthetic_records(400)
    bulk = index.IndexFolder(tmp_path / "bulk")
    public = index.IndexFolder(tmp_path / "public")
    index.build(bulk, records, cursor=3, bulk=True)
    index.build(public, records, cursor=3, bulk=False)

    ours, theirs = read_all(bulk.current()), read_all(public.current())
    assert len(ours["postings"]) > 50
    assert ours == theirs
    assert (bulk.current() / "words.txt").read_text() == (
        public.current() / "words.txt"
    ).read_text()
    found = answers(bulk)
    assert sum(1 for ids, _, _ in found if ids) >= len(QUERIES) - 2
    assert found == answers(public)


def test_the_setting_chooses_the_writer_of_a_rebuild(app, db, monkeypatch):
    organization = OrganizationFactory(name="Biro Harapan")
    ServiceFactory(organization=organization, name="Konseling keluarga")
    db.session.commit()

    class Refused:
        def __init__(self, *args, **kwargs):
            raise AssertionError("the bulk writer was used")

    monkeypatch.setattr(bulk_writer, "BulkWriter", Refused)
    state = state_of(app)
    assert state.bulk_writer is True  # the default
    try:
        keep_current(state, blocking=True)
    except AssertionError:
        pass
    else:  # pragma: no cover - the default must take the bulk path
        raise AssertionError("the default did not use the bulk writer")

    app.config["SEARCH_BULK_WRITER"] = False
    app.extensions.pop("search")
    state = state_of(app)
    assert keep_current(state, blocking=True) == "rebuilt"
    answer = find_services(Query(text="konseling"))
    assert not answer.degraded
    assert answer.page.total == 1
