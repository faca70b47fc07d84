"""The textual form of listing fields: cleaning what staff type, reading and writing
records (phones, languages and hours as lists of lines)."""

from __future__ import annotations

from datetime import time

import pytest

from directory.extensions import db
from directory.institutions.models import Phone, Schedule
from directory.listings import fields
from tests.factories import LanguageFactory, PhoneFactory, ScheduleFactory, ServiceFactory

SERVICE = fields.SERVICE_FIELDS
ORGANIZATION = fields.ORGANIZATION_FIELDS


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Sen-Jum 08.00-16.00", "Sen-Jum 08.00-16.00"),
        ("senin, rabu 8:30 – 12:00", "Sen, Rab 08.30-12.00"),
        ("SA 20.00-02.00\nMO-FR 07:00-15:00", "Sen-Jum 07.00-15.00\nSab 20.00-02.00"),
        ("Sen-Min 00.00-24.00", "Sen-Min 00.00-00.00"),
        ("Min, Sen-Rab, Jum 9.00-12.00", "Sen-Rab, Jum, Min 09.00-12.00"),
        ("Sabtu", "Sab"),
        ("  \n ", ""),
    ],
)
def test_hours_are_read_in_indonesian_or_rrule_days(app, typed, canonical):
    assert fields.clean(SERVICE["hours"], typed) == canonical


@pytest.mark.parametrize(
    "typed", ["Jum-Sen 08.00-16.00", "Hari kerja 08.00-16.00", "Sen 25.00-26.00"]
)
def test_hours_that_cannot_be_read_are_refused(app, typed):
    with pytest.raises(ValueError) as refused:
        fields.clean(SERVICE["hours"], typed)
    assert "Jam layanan tidak dikenali" in str(refused.value.args[0])


def test_phones_are_one_per_line_sorted_with_extensions(app):
    typed = "+62 254 200 300\r\n(0254) 123-456 ekst 12\n+62 254 200 300"
    assert fields.clean(SERVICE["phones"], typed) == "(0254) 123-456 ext. 12\n+62 254 200 300"
    with pytest.raises(ValueError):
        fields.clean(SERVICE["phones"], "telepon kantor")


def test_languages_keep_their_code(app):
    assert fields.clean(SERVICE["languages"], "Basa Sunda (su)\nBahasa Indonesia") == (
        "Bahasa Indonesia\nBasa Sunda (su)"
    )


def test_required_long_and_malformed_values_are_refused_per_field(app):
    with pytest.raises(fields.FieldsInvalid) as refused:
        fields.clean_all(
            ORGANIZATION,
            {
                "name": " ",
                "description": "x" * 5001,
                "email": "bukan-surel",
                "website": "lk3.example.org",
                "alternate_name": "LK3",
            },
        )
    assert set(refused.value.fields) == {"name", "description", "email", "website"}
    assert refused.value.messages()["name"] == "Wajib diisi."


def test_too_many_lines_are_refused(app):
    typed = "\n".join(f"+62 254 {n:06d}" for n in range(fields.MAX_LIST_LINES + 1))
    with pytest.raises(ValueError):
        fields.clean(SERVICE["phones"], typed)


def test_writing_lists_keeps_unchanged_rows_and_replaces_the_rest(app):
    service = ServiceFactory()
    kept = PhoneFactory(service_id=service.id, number="+62 254 111 111", description="Hotline")
    PhoneFactory(service_id=service.id, number="+62 254 222 222")
    ScheduleFactory(service_id=service.id)
    LanguageFactory(service_id=service.id)
    db.session.commit()
    assert fields.read(service, SERVICE["hours"]) == "Sen-Jum 08.00-16.00"
    assert fields.read(service, SERVICE["languages"]) == "Bahasa Indonesia (id)"

    fields.write(db.session, service, SERVICE["phones"], "+62 254 111 111\n+62 254 333 333")
    fields.write(db.session, service, SERVICE["hours"], "Sab 09.00-12.00")
    fields.write(db.session, service, SERVICE["languages"], "Basa Jawa (jv)")
    db.session.commit()

    assert fields.read(service, SERVICE["phones"]) == "+62 254 111 111\n+62 254 333 333"
    assert db.session.get(Phone, kept.id).description == "Hotline"
    [schedule] = db.session.query(Schedule).filter_by(service_id=service.id).all()
    assert (schedule.byday, schedule.opens_at, schedule.closes_at) == ("SA", time(9), time(12))
    assert fields.read(service, SERVICE["languages"]) == "Basa Jawa (jv)"


def test_an_emptied_optional_column_becomes_null_and_a_required_one_text(app):
    service = ServiceFactory(wait_time="Seminggu")
    fields.write(db.session, service, SERVICE["wait_time"], "")
    fields.write(db.session, service, SERVICE["description"], "")
    assert service.wait_time is None
    assert service.description == ""


def test_hours_of_imported_schedules_read_and_survive_an_unrelated_change(app):
    service = ServiceFactory()
    every_day = ScheduleFactory(service_id=service.id, byday=None, notes="Piket 24 jam")
    ScheduleFactory(service_id=service.id, byday="SU", opens_at=None, closes_at=None)
    db.session.commit()
    text = fields.read(service, SERVICE["hours"])
    assert text == "Sen-Min 08.00-16.00\nMin"
    assert fields.clean(SERVICE["hours"], text) == text

    fields.write(db.session, service, SERVICE["hours"], "Sen-Min 08.00-16.00\nSab 09.00-12.00")
    db.session.commit()
    assert db.session.get(Schedule, every_day.id).notes == "Piket 24 jam"
    assert fields.read(service, SERVICE["hours"]) == "Sen-Min 08.00-16.00\nSab 09.00-12.00"
