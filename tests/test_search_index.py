"""The search index: allowlist, Indonesian matching, change-log replay, self-healing."""

from __future__ import annotations

import gc
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from directory.database import utcnow
from directory.models import ChangeLogEntry, Organization, Service
from directory.search import follower, index
from directory.search.documents import ServiceRecord
from directory.search.ranking import Criteria
from directory.search.service import Query, find_services, keep_current, state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
)

SERVICES = {
    "ppa": (
        "Pendampingan korban KDRT",
        "UPTD PPA Kota Serang",
        "Pendampingan korban kekerasan dalam rumah tangga dan kekerasan seksual, termasuk "
        "rujukan visum ke rumah sakit dan pendampingan selama proses hukum.",
    ),
    "kua": (
        "Konseling pranikah dan konflik perkawinan",
        "KUA Kecamatan Cipocok Jaya",
        "Bimbingan perkawinan dan mediasi bagi pasangan yang hendak bercerai, sebelum "
        "perkara diajukan ke Pengadilan Agama.",
    ),
    "lbh": (
        "Konsultasi dan bantuan hukum gratis",
        "LBH Perempuan Banten",
        "Advokat mendampingi perempuan dan anak berhadapan dengan hukum di kepolisian dan "
        "pengadilan tanpa biaya.",
    ),
    "rehab": (
        "Rehabilitasi rawat jalan",
        "Puskesmas Taktakan",
        "Rehabilitasi bagi pecandu narkoba serta layanan kesehatan jiwa untuk orang dengan "
        "gangguan jiwa dan keluarganya.",
    ),
}


def add_service(key_or_name, organization_name=None, description=None, **location):
    if key_or_name in SERVICES:
        name, organization_name, description = SERVICES[key_or_name]
    else:
        name = key_or_name
    organization = OrganizationFactory(name=organization_name or "Lembaga Contoh")
    service = ServiceFactory(organization=organization, name=name, description=description or "")
    site = LocationFactory(organization=organization, **location)
    ServiceAtLocationFactory(service=service, location=site)
    return service


@pytest.fixture
def directory(db):
    services = {key: add_service(key) for key in SERVICES}
    db.session.commit()
    return services


@pytest.fixture
def state(app):
    return state_of(app)


@pytest.fixture
def built(directory, state, db):
    follower.rebuild(db.session, state.folder)
    return directory


def found(text, **query):
    answer = find_services(Query(text=text, **query))
    return answer, [item.id for item in answer.page.items]


def test_the_schema_holds_only_allowlisted_public_fields():
    schema = index.build_schema()
    assert set(schema.names()) == set(index.PUBLIC_FIELDS)
    record = ServiceRecord(id="x", organization_id="o", name="n", organization_name="m")
    assert set(index.document(record)) == set(index.PUBLIC_FIELDS)
    assert set(ServiceRecord.__dataclass_fields__) == {
        "id",
        "organization_id",
        "name",
        "organization_name",
        "description",
        "status",
        "accepting_referrals",
        "free",
        "last_modified",
        "languages",
        "term_ids",
        "term_names",
        "area_codes",
        "places",
        "region_names",
        "organization_term_ids",
        "minimum_age",
        "maximum_age",
        "sex_limit",
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("keras", "ppa"),
        ("kekerasan seksual", "ppa"),
        ("mendampingi korban", "ppa"),
        ("kdrt", "ppa"),
        ("P2TP2A", "ppa"),
        ("perceraian", "kua"),
        ("bercerai", "kua"),
        ("kantor urusan agama", "kua"),
        ("ABH", "lbh"),
        ("lembaga bantuan hukum", "lbh"),
        ("NAPZA", "rehab"),
        ("ODGJ", "rehab"),
        ("pusat kesehatan masyarakat", "rehab"),
        ("kekersan seksual", "ppa"),
        ("rehabilitsi", "rehab"),
        ("pendampngan korban", "ppa"),
        ("rehabil", "rehab"),
        ("konseling pranik", "kua"),
        ("taktakan", "rehab"),
    ],
)
def test_indonesian_words_acronyms_typos_and_prefixes_find_the_service(built, text, key):
    answer, ids = found(text)
    assert not answer.degraded
    assert ids[:1] == [built[key].id], (text, answer.words)


@pytest.mark.parametrize(
    "hostile",
    ["AND OR NOT (", '"kdrt"', "kdrt" * 1250, "\x00\x1b[31m", "😀", "*", "kd*rt~", "~", "' OR 1=1"],
)
def test_hostile_text_is_searched_without_error(built, hostile):
    answer, ids = found(hostile)
    assert not answer.degraded
    assert len(ids) == len(set(ids))


def test_replaying_the_change_log_is_idempotent_and_moves_the_cursor(built, state, db):
    start = state.folder.cursor()
    assert start == follower.latest_entry_id(db.session)
    added = add_service("Layanan Psikologi Anak", "Biro Psikologi Harapan", "Terapi trauma.")
    db.session.commit()
    assert found("psikologi")[1] == []
    assert follower.pending(db.session, state.folder) > 0

    with state.folder.writer_lock():
        follower.apply_pending(db.session, state.folder)
    cursor = state.folder.cursor()
    assert cursor == follower.latest_entry_id(db.session) > start
    assert found("psikologi")[1] == [added.id]

    # The same entries again: same index, same cursor.
    state.folder.write_meta(state.folder.current(), start)
    with state.folder.writer_lock():
        follower.apply_pending(db.session, state.folder)
    assert state.folder.cursor() == cursor
    assert found("psikologi")[1] == [added.id]

    # A change to the organization reaches its services' documents.
    organization = db.session.get(Organization, added.organization_id)
    organization.name = "Yayasan Pulih Serang"
    db.session.commit()
    keep_current(state, blocking=True)
    assert found("yayasan pulih")[1] == [added.id]

    # A deleted service leaves the index.
    db.session.delete(db.session.get(Service, added.id))
    db.session.commit()
    keep_current(state, blocking=True)
    assert found("yayasan pulih")[1] == []
    assert follower.pending(db.session, state.folder) == 0


def test_every_directory_change_is_logged_in_its_transaction(db):
    before = follower.latest_entry_id(db.session)
    term = TaxonomyTermFactory(name="Konseling")
    service = add_service("Konseling keluarga")
    AttributeFactory(link_id=service.id, taxonomy_term=term)
    db.session.rollback()
    assert follower.latest_entry_id(db.session) == before
    service = add_service("Konseling keluarga")
    db.session.commit()
    entities = set(
        db.session.scalars(select(ChangeLogEntry.entity).where(ChangeLogEntry.id > before))
    )
    assert {"organization", "service", "location", "service_at_location"} <= entities


def entry(number, seconds_ago=0):
    return SimpleNamespace(id=number, changed_at=utcnow() - timedelta(seconds=seconds_ago))


def test_the_cursor_waits_at_a_gap_until_it_is_old():
    assert follower.next_cursor(10, [entry(11), entry(12)]) == 12
    assert follower.next_cursor(10, [entry(11), entry(13)]) == 11
    assert follower.next_cursor(10, [entry(12)]) == 10
    old = follower.GAP_PATIENCE.total_seconds() + 5
    assert follower.next_cursor(10, [entry(11), entry(13, old), entry(14, old)]) == 14


def test_a_corrupt_index_degrades_to_the_database_then_heals(built, state):
    build = state.folder.current()
    for segment in build.glob("*.seg"):
        segment.write_bytes(b"garbage" * 1000)
    state.reader.invalidate()
    answer, ids = found("kdrt")
    assert answer.degraded
    assert ids == [built["ppa"].id]
    # Whoosh opens the garbage segment and fails inside its reader: the file is closed
    # at once, not left to the garbage collector (a ResourceWarning in a later test).
    assert not [name for name in open_file_names() if name.startswith(str(build))]
    assert keep_current(state, blocking=True) == "rebuilt"
    answer, ids = found("kdrt")
    assert not answer.degraded
    assert ids == [built["ppa"].id]
    gc.collect()  # a leaked file would warn here (filterwarnings = error)


def test_a_file_damaged_in_place_is_noticed_by_the_keeper_and_rebuilt(built, state):
    """The reader serves from memory and may never read the file again: the keeper checks
    the files against the record written with them (size, time, SHA-256)."""
    assert found("kdrt")[1] == [built["ppa"].id]
    build = state.folder.current()
    assert state.folder.damaged_files(build) == []
    segment = next(build.glob("*.seg"))
    size = segment.stat().st_size
    with open(segment, "r+b") as handle:  # same size, as a bad disk block would leave it
        handle.write((b"\xde\xad\xbe\xef" * (size // 4 + 1))[:size])
    assert state.folder.damaged_files(build) == [segment.name]
    assert keep_current(state, blocking=True) == "rebuilt"
    assert state.folder.current() != build
    assert state.folder.damaged_files(state.folder.current()) == []
    answer, ids = found("kdrt")
    assert not answer.degraded
    assert ids == [built["ppa"].id]


def test_a_file_only_touched_is_not_damage(built, state):
    build = state.folder.current()
    segment = next(build.glob("*.seg"))
    os.utime(segment, ns=(segment.stat().st_atime_ns, segment.stat().st_mtime_ns + 10**9))
    assert state.folder.damaged_files(build) == []
    assert keep_current(state, blocking=True).startswith("applied")
    assert state.folder.current() == build


def open_file_names() -> list[str]:
    """The paths of the files this process has open (Linux)."""
    names = []
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        except OSError:  # closed meanwhile
            continue
    return names


def test_a_missing_index_answers_from_the_database(directory, state):
    assert state.folder.current() is None
    answer, ids = found("rehabilitasi")
    assert answer.degraded
    assert ids == [directory["rehab"].id]
    assert keep_current(state, blocking=True) == "rebuilt"
    assert not found("rehabilitasi")[0].degraded


def test_rebuild_swaps_in_a_new_folder_and_removes_the_old(built, state, db):
    first = state.folder.current()
    follower.rebuild(db.session, state.folder)
    second = state.folder.current()
    assert second != first
    assert not first.exists()
    assert found("kdrt")[1] == [built["ppa"].id]


def test_postings_read_by_block_equal_whoosh_matchers(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.fields import TEXT, Schema

    ix = whoosh_index.create_in(str(tmp_path), Schema(text=TEXT(phrase=False)))
    writer = ix.writer()
    for number in range(700):  # several 128-posting blocks for the common words
        words = ["umum"] * (1 + number % 4) + ["jarang"] * (number % 97 == 0)
        writer.add_document(text=" ".join(words + [f"kata{number % 13}"]))
    writer.commit()
    with ix.reader() as reader:
        terms = [reader.schema["text"].from_bytes(term) for term in reader.lexicon("text")]
        assert "umum" in terms and "jarang" in terms
        for term in terms:
            matcher = reader.postings("text", term)
            expected = []
            while matcher.is_active():
                expected.append((matcher.id(), matcher.weight()))
                matcher.next()
            rows, weights = index.read_postings(reader, "text", term)
            assert list(zip(rows.tolist(), weights.tolist(), strict=True)) == expected
        assert len(index.read_postings(reader, "text", "tidakada")[0]) == 0


def test_a_new_snapshot_has_read_the_common_words_postings(built, state):
    snapshot = state.reader.snapshot()
    cached = {(fieldname, term) for _, fieldname, term in snapshot.postings.entries}
    assert ("description", "damping") in cached  # pendampingan, mendampingi
    assert ("names", "konseling") in cached


@pytest.mark.parametrize("organization", ["lbh", "not-a-uuid", None])
@pytest.mark.parametrize("left_out", [(), ("kua",), ("kua", "not-a-uuid")])
def test_the_database_narrows_by_organization_without_changing_its_answer(
    directory, state, organization, left_out
):
    """The database fallback narrows by the organization asked for and the ones left out
    in its query: its answer is its whole answer with those organizations' services
    picked out, in the same order, for values that are no UUID too."""

    def organization_id(key):
        return directory[key].organization_id if key in directory else key

    asked = organization_id(organization) if organization else None
    excluded = tuple(organization_id(key) for key in left_out)
    organization_of = {service.id: service.organization_id for service in directory.values()}
    for words in (None, "hukum", "konseling"):
        narrowed, narrowed_ids = found(
            words, criteria=Criteria(organization_id=asked, exclude_organization_ids=excluded)
        )
        whole, whole_ids = found(words)
        assert narrowed.degraded and whole.degraded
        assert narrowed_ids == [
            service_id
            for service_id in whole_ids
            if (asked is None or organization_of[service_id] == asked)
            and organization_of[service_id] not in excluded
        ], words
    everything = found(
        None, criteria=Criteria(organization_id=asked, exclude_organization_ids=excluded)
    )[1]
    if organization == "lbh":
        assert everything == [directory["lbh"].id]
    elif organization is None:
        assert len(everything) == len(SERVICES) - (1 if left_out else 0)
    else:
        assert everything == []
