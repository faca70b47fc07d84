"""The fields of a listing that its staff keep, each with one canonical textual form.

Plain columns and lists of related records (phones, languages, opening hours) alike are
read, compared, proposed, reviewed and audited as text: ``ListingChange.changes`` and the
``metadata`` rows hold these texts, and :func:`write` turns an accepted text back into
columns and rows. Lists are one entry per line in a fixed order (hours by weekday, in
Indonesian: ``Sen-Jum 08.00-16.00``), so that the same list always reads the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from directory.audit.record import as_text
from directory.institutions import operations as directory_writes
from directory.institutions.models import Language, Organization, Phone, Schedule, Service

ORGANIZATION = "organization"
SERVICE = "service"

TEXT = "text"
EMAIL = "email"
URL = "url"
FLAG = "flag"
PHONES = "phones"
LANGUAGES = "languages"
HOURS = "hours"

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_ABBREVIATIONS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
# Indonesian day names and their usual abbreviations, besides the RRULE codes.
DAY_NAMES = {
    "senin": "MO",
    "sen": "MO",
    "selasa": "TU",
    "sel": "TU",
    "rabu": "WE",
    "rab": "WE",
    "kamis": "TH",
    "kam": "TH",
    "jumat": "FR",
    "jum'at": "FR",
    "jum": "FR",
    "sabtu": "SA",
    "sab": "SA",
    "minggu": "SU",
    "min": "SU",
    "ahad": "SU",
    **{code.lower(): code for code in WEEKDAY_CODES},
}

MAX_LIST_LINES = 20
PHONE_LINE = re.compile(
    r"^(?P<number>\+?[0-9(][0-9 ().-]{4,48}[0-9)])"
    r"(?:\s*(?:ext\.?|ekst\.?|psw\.?|#)\s*(?P<extension>[0-9]{1,10}))?$",
    re.IGNORECASE,
)
LANGUAGE_LINE = re.compile(r"^(?P<name>[^()\n]{1,100}?)\s*(?:\((?P<code>[a-z]{2,3})\))?$")
HOURS_LINE = re.compile(
    r"^(?P<days>[^\d]+?)"
    r"(?:\s+(?P<opens>\d{1,2})[:.](?P<opens_min>\d{2})\s*[-–]\s*"
    r"(?P<closes>\d{1,2})[:.](?P<closes_min>\d{2}))?$"
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str = TEXT
    max_length: int = 2000
    required: bool = False


def _specs(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in specs}


# What goes through the admin review queue.
ORGANIZATION_FIELDS = _specs(
    FieldSpec("name", max_length=300, required=True),
    FieldSpec("alternate_name", max_length=300),
    FieldSpec("description", max_length=5000),
    FieldSpec("email", EMAIL, max_length=254),
    FieldSpec("website", URL, max_length=500),
    FieldSpec(PHONES, PHONES),
)
SERVICE_FIELDS = _specs(
    FieldSpec("name", max_length=300, required=True),
    FieldSpec("description", max_length=5000),
    FieldSpec("application_process"),
    FieldSpec("eligibility_description"),
    FieldSpec("fees_description"),
    FieldSpec("wait_time", max_length=500),
    FieldSpec("email", EMAIL, max_length=254),
    FieldSpec("url", URL, max_length=500),
    FieldSpec(PHONES, PHONES),
    FieldSpec(LANGUAGES, LANGUAGES),
    FieldSpec(HOURS, HOURS),
)
# What a service's staff change at once, without review.
AVAILABILITY_FIELDS = _specs(
    FieldSpec("capacity_note", max_length=1000),
    FieldSpec("accepting_referrals", FLAG),
)

FIELDS_BY_TYPE = {ORGANIZATION: ORGANIZATION_FIELDS, SERVICE: SERVICE_FIELDS}


class FieldsInvalid(Exception):
    """What is wrong, per field name; the reasons are lazy translations."""

    def __init__(self, fields: Mapping[str, object]) -> None:
        super().__init__(", ".join(fields))
        self.fields = dict(fields)

    def messages(self) -> dict[str, str]:
        return {name: str(problem) for name, problem in self.fields.items()}


def resource_type_of(record: Organization | Service) -> str:
    return ORGANIZATION if isinstance(record, Organization) else SERVICE


# Reading


def _phone_text(phone: Phone) -> str:
    return f"{phone.number} ext. {phone.extension}" if phone.extension else phone.number


def _language_text(language: Language) -> str:
    name = (language.name or language.code or "").strip()
    return f"{name} ({language.code})" if language.code and name != language.code else name


@dataclass(frozen=True)
class WeeklyHours:
    """One line of opening hours: weekday indexes (Monday 0) and the times, if given."""

    days: tuple[int, ...]
    opens: time | None = None
    closes: time | None = None

    @classmethod
    def of(cls, byday: str | None, opens: time | None, closes: time | None) -> WeeklyHours:
        # RRULE allows "1MO"; weekly hours only need the weekday. No days: every day.
        codes = {part.strip()[-2:] for part in (byday or "").upper().split(",")}
        days = tuple(i for i, code in enumerate(WEEKDAY_CODES) if code in codes)
        timed = opens is not None and closes is not None
        return cls(days or tuple(range(7)), opens if timed else None, closes if timed else None)

    @property
    def byday(self) -> str:
        return ",".join(WEEKDAY_CODES[i] for i in self.days)

    def text(self) -> str:
        """``Sen-Jum, Min 08.00-16.00``: runs of three days or more as a range."""
        runs: list[list[int]] = []
        for day in self.days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        parts = []
        for run in runs:
            names = [DAY_ABBREVIATIONS[day] for day in run]
            parts.extend([f"{names[0]}-{names[-1]}"] if len(run) >= 3 else names)
        days = ", ".join(parts)
        if self.opens is None or self.closes is None:
            return days
        return f"{days} {self.opens:%H.%M}-{self.closes:%H.%M}"


def _hours_lines(entries: list[WeeklyHours]) -> str:
    """One line per distinct entry, in the order of the week."""
    return "\n".join(entry.text() for entry in sorted(set(entries), key=_week_order))


def _week_order(entry: WeeklyHours) -> tuple[tuple[int, ...], time, time]:
    return entry.days, entry.opens or time.min, entry.closes or time.min


def _schedule_text(schedule: Schedule) -> str:
    return WeeklyHours.of(schedule.byday, schedule.opens_at, schedule.closes_at).text()


def _lines(values: list[str]) -> str:
    return "\n".join(sorted(set(values)))


def read(record: Organization | Service, spec: FieldSpec) -> str:
    """The field's current value as text."""
    if spec.kind == PHONES:
        return _lines([_phone_text(phone) for phone in record.phones])
    if spec.kind == LANGUAGES:
        assert isinstance(record, Service)
        return _lines([_language_text(language) for language in record.languages])
    if spec.kind == HOURS:
        assert isinstance(record, Service)
        return _hours_lines(
            [WeeklyHours.of(s.byday, s.opens_at, s.closes_at) for s in record.schedules]
        )
    return as_text(getattr(record, spec.name))


def read_all(record: Organization | Service, specs: Mapping[str, FieldSpec]) -> dict[str, str]:
    return {name: read(record, spec) for name, spec in specs.items()}


# Cleaning what a person typed


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def _clean_phones(text: str) -> str:
    lines = []
    for line in _split_lines(text):
        match = PHONE_LINE.match(line)
        if match is None:
            raise ValueError(_l("Nomor telepon tidak dikenali: %(line)s", line=line[:60]))
        number = re.sub(r"\s+", " ", match["number"])
        lines.append(f"{number} ext. {match['extension']}" if match["extension"] else number)
    return _lines(lines)


def _clean_languages(text: str) -> str:
    lines = []
    for line in _split_lines(text):
        match = LANGUAGE_LINE.match(line)
        if match is None:
            raise ValueError(_l("Bahasa tidak dikenali: %(line)s", line=line[:60]))
        name = re.sub(r"\s+", " ", match["name"])
        lines.append(f"{name} ({match['code']})" if match["code"] else name)
    return _lines(lines)


def _day_codes(text: str) -> list[str]:
    """``"Sen-Jum, Sab"`` -> ``["MO", "TU", "WE", "TH", "FR", "SA"]``."""
    codes: set[str] = set()
    for part in re.split(r"[,/]|\s+", text.strip().lower()):
        if not part:
            continue
        ends = [end.strip() for end in re.split(r"[-–]", part)]
        if len(ends) > 2 or any(end not in DAY_NAMES for end in ends):
            raise ValueError(part)
        first = WEEKDAY_CODES.index(DAY_NAMES[ends[0]])
        last = WEEKDAY_CODES.index(DAY_NAMES[ends[-1]])
        if last < first:
            raise ValueError(part)
        codes.update(WEEKDAY_CODES[first : last + 1])
    if not codes:
        raise ValueError(text)
    return [code for code in WEEKDAY_CODES if code in codes]


def _clock(hours: str, minutes: str) -> time:
    hour, minute = int(hours), int(minutes)
    if hour == 24 and minute == 0:
        return time(0, 0)
    return time(hour, minute)


def _parse_hours(line: str) -> WeeklyHours:
    """:raises ValueError: the line is no days-and-hours line."""
    match = HOURS_LINE.match(line)
    if match is None:
        raise ValueError(line)
    days = ",".join(_day_codes(match["days"]))
    if match["opens"] is None:
        return WeeklyHours.of(days, None, None)
    opens = _clock(match["opens"], match["opens_min"])
    closes = _clock(match["closes"], match["closes_min"])
    return WeeklyHours.of(days, opens, closes)


def _clean_hours(text: str) -> str:
    entries = []
    for line in _split_lines(text):
        try:
            entries.append(_parse_hours(line))
        except ValueError:
            raise ValueError(_l("Jam layanan tidak dikenali: %(line)s", line=line[:60])) from None
    return _hours_lines(entries)


def _clean_email(text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(_l("Alamat surel tidak valid.")) from None


def _clean_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise ValueError(_l("Alamat web harus diawali http:// atau https://."))
    return text


def _clean_flag(text: str) -> str:
    if text not in ("true", "false"):
        raise ValueError(_l("Pilih ya atau tidak."))
    return text


CLEANERS = {
    PHONES: _clean_phones,
    LANGUAGES: _clean_languages,
    HOURS: _clean_hours,
    EMAIL: _clean_email,
    URL: _clean_url,
    FLAG: _clean_flag,
}


def clean(spec: FieldSpec, raw: str | None) -> str:
    """The canonical text of what was typed for one field.

    :raises ValueError: with a lazy translation saying what is wrong.
    """
    text = (raw or "").replace("\r\n", "\n").strip()
    if not text:
        if spec.required:
            raise ValueError(_l("Wajib diisi."))
        return ""
    if len(text) > spec.max_length:
        raise ValueError(_l("Paling banyak %(count)s karakter.", count=spec.max_length))
    if spec.kind in (PHONES, LANGUAGES, HOURS) and len(_split_lines(text)) > MAX_LIST_LINES:
        raise ValueError(_l("Paling banyak %(count)s baris.", count=MAX_LIST_LINES))
    cleaner = CLEANERS.get(spec.kind)
    return cleaner(text) if cleaner else text


def clean_all(specs: Mapping[str, FieldSpec], raw: Mapping[str, str | None]) -> dict[str, str]:
    """Clean each of ``specs`` present in ``raw``.

    :raises FieldsInvalid: naming every field that is wrong.
    """
    cleaned: dict[str, str] = {}
    problems: dict[str, object] = {}
    for name, spec in specs.items():
        if name not in raw:
            continue
        try:
            cleaned[name] = clean(spec, raw[name])
        except ValueError as error:
            problems[name] = error.args[0]
    if problems:
        raise FieldsInvalid(problems)
    return cleaned


# Writing an accepted value


def _replace_rows(
    session: Session, existing: list[Any], text_of: Any, wanted: str, make: Any
) -> None:
    """Keep the rows whose text is still wanted (with their other columns), delete the
    rest, and add a row for each new line."""
    lines = set(_split_lines(wanted))
    kept = set()
    for row in existing:
        line = text_of(row)
        if line in lines and line not in kept:
            kept.add(line)
        else:
            directory_writes.remove(session, row)
    for line in sorted(lines - kept):
        directory_writes.add(session, make(line))


def _new_phone(record: Organization | Service, line: str) -> Phone:
    match = PHONE_LINE.match(line)
    assert match is not None
    owner = {"service_id": record.id} if isinstance(record, Service) else {}
    return Phone(
        organization_id=None if owner else record.id,
        number=match["number"],
        extension=match["extension"],
        type="voice",
        **owner,
    )


def _new_language(service: Service, line: str) -> Language:
    match = LANGUAGE_LINE.match(line)
    assert match is not None
    return Language(service_id=service.id, name=match["name"], code=match["code"])


def _new_schedule(service: Service, line: str) -> Schedule:
    entry = _parse_hours(line)
    return Schedule(
        service_id=service.id,
        freq="WEEKLY",
        byday=entry.byday,
        opens_at=entry.opens,
        closes_at=entry.closes,
    )


def write(session: Session, record: Organization | Service, spec: FieldSpec, text: str) -> None:
    """Set the field to ``text``, a value :func:`clean` returned."""
    if spec.kind == PHONES:
        _replace_rows(
            session, list(record.phones), _phone_text, text, lambda line: _new_phone(record, line)
        )
    elif spec.kind == LANGUAGES:
        assert isinstance(record, Service)
        _replace_rows(
            session,
            list(record.languages),
            _language_text,
            text,
            lambda line: _new_language(record, line),
        )
    elif spec.kind == HOURS:
        assert isinstance(record, Service)
        _replace_rows(
            session,
            list(record.schedules),
            _schedule_text,
            text,
            lambda line: _new_schedule(record, line),
        )
    elif spec.kind == FLAG:
        directory_writes.assign(record, **{spec.name: text == "true"})
    else:
        nullable = type(record).__table__.c[spec.name].nullable
        directory_writes.assign(record, **{spec.name: text if text or not nullable else None})
        return
    session.flush()
    # The lists are view-only relationships: read them again from the database.
    session.expire(record, [spec.name if spec.kind != HOURS else "schedules"])
