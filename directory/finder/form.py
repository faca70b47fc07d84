"""The search page's query string, read forgivingly: a bad value becomes a message on
the page, never an error page. Pure: no Flask request state."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.querystring import QueryReader, parse_uuid
from directory.search.eligibility import CLIENT_SEXES

RADII_KM = (5, 10, 25, 50, 100, 250)
PER_PAGE = 10
MAX_PAGE = 100
MAX_TEXT = 200
MAX_PLACE = 100
# Problems chosen at once, at most.
MAX_PROBLEMS = 5
MAX_AGE = 120
# The device's location is kept to 3 decimals (about 100 m): enough to rank services by
# distance, not enough to find a house. The page's script rounds before submitting; this
# rounds whatever arrives, before it is used or written into a link.
COORDINATE_DECIMALS = 3


@dataclass
class FinderForm:
    text: str = ""
    # Several may be chosen: services for any of them, the policy's order.
    problems: tuple[str, ...] = ()
    service_type: str | None = None
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int | None = None
    open_now: bool = False
    free: bool = False
    accepting: bool = False
    include_out_of_area: bool = False
    # The client's age in years, if given: services whose ages exclude it are left out.
    client_age: int | None = None
    # The client's sex (``female``, ``male``: the referral form's vocabulary), if given:
    # services limited to the other sex are left out.
    client_sex: str | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def problem(self) -> str | None:
        """The first problem chosen (links that carry one)."""
        return self.problems[0] if self.problems else None

    @property
    def has_origin(self) -> bool:
        return self.latitude is not None or bool(self.place)

    @property
    def submitted(self) -> bool:
        return bool(self.text or self.problems or self.service_type or self.has_origin)


def _uuid(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return parse_uuid(raw)
    except ValueError:
        return None


def _coordinate(raw: str | None, limit: float) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def read_form(args: MultiDict[str, str]) -> FinderForm:
    form = FinderForm()
    form.text = args.get("q", "").strip()[:MAX_TEXT]
    raw_problems = [value for value in args.getlist("masalah") if value][:MAX_PROBLEMS]
    problems = [_uuid(value) for value in raw_problems]
    form.problems = tuple(dict.fromkeys(value for value in problems if value))
    form.service_type = _uuid(args.get("jenis"))
    if None in problems:
        form.errors["masalah"] = _("Pilihan masalah tidak dikenal.")
    if args.get("jenis") and form.service_type is None:
        form.errors["jenis"] = _("Pilihan jenis layanan tidak dikenal.")
    form.place = args.get("tempat", "").strip()[:MAX_PLACE]
    latitude = _coordinate(args.get("lat"), 90)
    longitude = _coordinate(args.get("lon"), 180)
    if (args.get("lat") or args.get("lon")) and (latitude is None or longitude is None):
        form.errors["lokasi"] = _("Lokasi dari perangkat tidak terbaca; ketik nama tempat.")
    elif latitude is not None and longitude is not None:
        form.latitude = round(latitude, COORDINATE_DECIMALS)
        form.longitude = round(longitude, COORDINATE_DECIMALS)
        form.place = ""
    radius = args.get("radius", "")
    if radius.isdigit() and int(radius) in RADII_KM:
        form.radius_km = int(radius)
    form.open_now = args.get("buka") == "1"
    form.free = args.get("gratis") == "1"
    form.accepting = args.get("rujukan") == "1"
    form.include_out_of_area = args.get("semua_wilayah") == "1"
    age = args.get("usia", "").strip()
    if age.isdigit() and len(age) <= 3 and int(age) <= MAX_AGE:
        form.client_age = int(age)
    elif age:
        form.errors["usia"] = _("Usia klien harus bilangan bulat 0-120 (tahun).")
    sex = args.get("kelamin", "").strip()
    if sex in CLIENT_SEXES:
        form.client_sex = sex
    elif sex:
        form.errors["kelamin"] = _("Pilihan jenis kelamin klien tidak dikenal.")
    form.page = QueryReader(args).page("halaman", maximum=MAX_PAGE)
    return form
