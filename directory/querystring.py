"""The query-string reader, shared by the API, the report filters and the pages' lists.

:class:`QueryReader` reads parameters from a request's ``MultiDict``, collecting every
problem before raising one :class:`~directory.errors.ApiError` (400) that names each bad
parameter in ``fields``. Every name a read asks for is accepted; with
``raise_if_invalid(refuse_unknown=True)`` (the API's directory lists) any other name is a 400
naming it, else unknown parameters are ignored (the pages). An empty value counts as absent
(an HTML form sends empty fields). Nothing here reads Flask's request or the database:
the caller passes ``request.args``. The API's own parameters are in
:mod:`directory.api.params`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.errors import ApiError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Beyond this a page number is a mistake, and its offset would overflow SQL integers.
MAX_PAGE = 1_000_000
# The pages' lists (inbox, outbox, notifications, review queue, administration).
MAX_LIST_PAGE = 10_000

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
# Kemendagri codes: province "36", regency/city "36.04", district "36.04.01", village
# "36.04.01.2001".
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
# ISO 639-1 or 639-2/3 code.
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
# Accepted by every endpoint: the interface language (``directory.i18n``).
GLOBAL_PARAMETERS = frozenset({"lang"})
# HSDS ``format``: one JSON page (the default), or every result as JSON lines.
FORMATS = ("json", "ndjson")
# How much of a parameter's name an error repeats, and how many unknown names it lists.
MAX_NAME_SHOWN = 60
MAX_UNKNOWN_SHOWN = 10

T = TypeVar("T")


class QueryReader:
    """Reads parameters from a ``MultiDict``, collecting every problem before raising.

    Each read returns ``None`` (or the default) when the parameter is absent or bad; call
    :meth:`raise_if_invalid` once all are read.
    """

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.args = args
        self.errors: dict[str, str] = {}
        # Every name asked for: what this endpoint accepts.
        self.accepted: set[str] = set(GLOBAL_PARAMETERS)

    def values(self, name: str) -> list[str]:
        self.accepted.add(name)
        return [value.strip() for value in self.args.getlist(name) if value.strip()]

    def refuse_unknown(self) -> None:
        """Name each parameter given that no read asked for (call after every read)."""
        unknown = [name for name in dict.fromkeys(self.args.keys()) if name not in self.accepted]
        if not unknown:
            return
        reason = _(
            "Parameter tidak dikenal. Parameter yang diterima: %(accepted)s.",
            accepted=", ".join(sorted(self.accepted)),
        )
        for name in unknown[:MAX_UNKNOWN_SHOWN]:
            self.errors[name[:MAX_NAME_SHOWN]] = reason

    def unsupported(self, name: str, reason: str) -> None:
        """A parameter the standard defines that this directory cannot honour: a 400
        naming it whenever it is given (even empty), never silently ignored."""
        self.accepted.add(name)
        if name in self.args:
            self.errors[name] = reason

    def text(self, name: str, *, maximum: int) -> str | None:
        raw = self.value(name)
        if raw is not None and len(raw) > maximum:
            self.errors[name] = _(
                "Terlalu panjang: paling banyak %(count)d karakter.", count=maximum
            )
            return None
        return raw

    def format(self) -> str:
        """HSDS ``format``: ``json`` (default) or ``ndjson``."""
        raw = self.value("format")
        if raw is None:
            return "json"
        if raw.lower() not in FORMATS:
            self.errors["format"] = _("Pilihan: %(allowed)s.", allowed=", ".join(FORMATS))
            return "json"
        return raw.lower()

    def value(self, name: str) -> str | None:
        values = self.values(name)
        if len(values) > 1:
            self.errors[name] = _("Parameter ini hanya boleh diberikan sekali.")
            return None
        return values[0] if values else None

    def _convert(self, name: str, convert: Callable[[str], T]) -> T | None:
        raw = self.value(name)
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError as error:
            self.errors[name] = str(error)
            return None

    def integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        def convert(raw: str) -> int:
            message = _(
                "Harus bilangan bulat antara %(minimum)d dan %(maximum)d.",
                minimum=minimum,
                maximum=maximum,
            )
            if not re.fullmatch(r"[+]?\d{1,9}", raw):
                raise ValueError(message)
            number = int(raw)
            if not minimum <= number <= maximum:
                raise ValueError(message)
            return number

        result = self._convert(name, convert)
        return default if result is None else result

    def page(self, name: str = "page", *, maximum: int = MAX_LIST_PAGE) -> int:
        """The page number of an HTML list: a link may be stale or typed by hand, so what is
        not a page number is the first page and beyond ``maximum`` is the last allowed."""
        raw = self.value(name)
        self.errors.pop(name, None)
        if raw is None or not re.fullmatch(r"[+]?\d{1,30}", raw):
            return 1
        return min(max(int(raw), 1), maximum)

    def boolean(self, name: str) -> bool | None:
        return self._convert(name, parse_boolean)

    def identifier(self, name: str) -> str | None:
        return self._convert(name, parse_uuid)

    def identifiers(self, name: str) -> tuple[str, ...]:
        """A repeatable id, also accepted comma-separated: ``?x=A&x=B`` or ``?x=A,B``."""
        found: list[str] = []
        for value in self.values(name):
            for part in value.split(","):
                if not part.strip():
                    continue
                try:
                    found.append(parse_uuid(part.strip()))
                except ValueError as error:
                    self.errors[name] = str(error)
                    return ()
        return tuple(dict.fromkeys(found))

    def timestamp(self, name: str) -> datetime | None:
        return self._convert(name, parse_datetime)

    def region(self, name: str) -> str | None:
        return self._convert(name, parse_region_code)

    def language(self, name: str) -> str | None:
        return self._convert(name, parse_language_code)

    def choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        """One value from a fixed list; anything else names the accepted values."""
        raw = self.value(name)
        if raw is not None and raw not in allowed:
            self.errors[name] = _("Pilihan: %(allowed)s.", allowed=", ".join(allowed))
            return None
        return raw

    def choices(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        """A repeatable value from a fixed list."""
        found = self.values(name)
        wrong = [value for value in found if value not in allowed]
        if wrong:
            self.errors[name] = _(
                "Nilai tidak dikenal: %(wrong)s. Pilihan: %(allowed)s.",
                wrong=", ".join(wrong),
                allowed=", ".join(allowed),
            )
            return ()
        return tuple(dict.fromkeys(found))

    def raise_if_invalid(self, *, refuse_unknown: bool = False) -> None:
        """Raise the 400 naming every problem; with ``refuse_unknown``, unknown names too."""
        if refuse_unknown:
            self.refuse_unknown()
        if self.errors:
            raise ApiError(
                _("Parameter tidak valid."), code="invalid_parameter", fields=dict(self.errors)
            )


# Single values


def parse_boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("Harus true atau false."))


def parse_uuid(raw: str) -> str:
    """A UUID in its canonical form (36 characters, lowercase, with hyphens)."""
    try:
        value = uuid.UUID(raw.strip())
    except (ValueError, AttributeError):
        raise ValueError(_("Bukan UUID yang valid.")) from None
    return str(value)


def parse_datetime(raw: str) -> datetime:
    """An ISO 8601 date or date-time, as an aware UTC datetime.

    A date alone means its midnight UTC; a date-time without an offset is taken as UTC.
    """
    # An unencoded "+" in a query string arrives as a space: "08:00:00 07:00".
    text = re.sub(r"(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\4", raw.strip())
    message = _("Harus tanggal atau waktu ISO 8601, misalnya 2024-05-01 atau 2024-05-01T08:00:00Z.")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", text):
            raise ValueError(message)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(message) from None


def parse_region_code(raw: str) -> str:
    code = raw.strip()
    if not REGION_CODE.match(code):
        raise ValueError(_("Harus kode wilayah Kemendagri, misalnya 36 atau 36.04."))
    return code


def parse_language_code(raw: str) -> str:
    code = raw.strip().lower()
    if not LANGUAGE_CODE.match(code):
        raise ValueError(_("Harus kode bahasa ISO 639, misalnya id atau jv."))
    return code


# What the endpoints take


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def list_page(args: MultiDict[str, str], *, maximum: int = MAX_LIST_PAGE) -> int:
    """``?page=`` of an HTML list page (see :meth:`QueryReader.page`)."""
    return QueryReader(args).page(maximum=maximum)


def read_paging(reader: QueryReader, *, default_per_page: int, max_per_page: int) -> Paging:
    return Paging(
        page=reader.integer("page", default=1, minimum=1, maximum=MAX_PAGE),
        per_page=reader.integer(
            "per_page", default=default_per_page, minimum=1, maximum=max_per_page
        ),
    )
