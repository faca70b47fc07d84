"""Forms of the administration pages. They check shape (required, length, format) with
Indonesian messages; :mod:`directory.admin.operations` checks what needs the database."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, ValidationError

from directory.auth.passwords import MAX_LENGTH as MAX_PASSWORD
from directory.form_fields import CheckboxListField
from directory.institutions.models import WEEKDAYS

REQUIRED = _l("Wajib diisi.")
MAX_TEXT = 5000
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_PHONES = 10
MAX_AREAS = 100
MAX_LANGUAGES = 20

WEEKDAY_LABELS = {
    "MO": _l("Senin"),
    "TU": _l("Selasa"),
    "WE": _l("Rabu"),
    "TH": _l("Kamis"),
    "FR": _l("Jumat"),
    "SA": _l("Sabtu"),
    "SU": _l("Minggu"),
}

# Messages for the problem codes of :class:`directory.admin.operations.RecordInvalid`.
PROBLEMS = {
    "unknown": _l("Pilihan ini tidak dikenal."),
    "taken": _l("Sudah dipakai."),
    "invalid": _l("Isian tidak sah."),
    "required": _l("Wajib diisi untuk peran ini."),
    "order": _l("Jam tutup harus setelah jam buka."),
    "outside": _l("Koordinat harus berada di wilayah Indonesia."),
    "pair": _l("Isi lintang dan bujur bersama-sama."),
    "cycle": _l("Induk tidak boleh istilah ini sendiri atau turunannya."),
    "in_use": _l("Lokasi ini masih punya telepon atau jam buka khusus layanan ini."),
    "self": _l("Anda tidak dapat melakukan ini pada akun Anda sendiri."),
    "too_short": _l("Kata sandi terlalu pendek."),
    "too_long": _l("Terlalu panjang."),
    "blank": _l("Kata sandi tidak boleh hanya spasi."),
}


def problem_message(code: str) -> str:
    return str(PROBLEMS.get(code, PROBLEMS["invalid"]))


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Paling banyak %(max)d karakter.", max=maximum))


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _one_of_choices(form: Any, field: Field) -> None:
    """Like wtforms' own choice check, with our message."""
    allowed = {str(value) for value, *_rest in field.choices or []}
    values = field.data if isinstance(field.data, list) else [field.data]
    if any((value or "") not in allowed for value in values if value):
        raise ValidationError(PROBLEMS["unknown"])


def _chosen(label: Any, *, required: bool = False, field: type[Field] = SelectField) -> Any:
    """A choice among those the view fills in: checked by :func:`_one_of_choices`."""
    validators = [_required(), _one_of_choices] if required else [_one_of_choices]
    return field(label, validators=validators, validate_choice=False)


def _long_text(label: Any, rows: int) -> TextAreaField:
    return TextAreaField(label, validators=[_length(MAX_TEXT)], render_kw={"rows": rows})


def lines(text: str | None) -> list[str]:
    """Entries of a list typed one a line or separated by commas."""
    return [part.strip() for part in re.split(r"[\n,;]", text or "") if part.strip()]


def _phones(form: Any, field: Field) -> None:
    numbers = lines(field.data)
    if len(numbers) > MAX_PHONES:
        raise ValidationError(_l("Paling banyak %(n)d nomor.", n=MAX_PHONES))
    if not all(PHONE.match(number) for number in numbers):
        raise ValidationError(
            _l("Nomor telepon hanya berisi angka, spasi, +, -, dan tanda kurung.")
        )


class ActionForm(FlaskForm):
    """Only the CSRF token: deactivate, reactivate, delete."""


class OrganizationForm(FlaskForm):
    name = StringField(_l("Nama lembaga"), validators=[_required(), _length(300)])
    description = _long_text(_l("Deskripsi"), 4)
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            _length(254),
            Email(message=_l("Alamat email tidak sah."), check_deliverability=False),
        ],
    )
    website = StringField(
        _l("Situs web"),
        validators=[Optional(), _length(500), URL(message=_l("Alamat situs web tidak sah."))],
    )
    legal_status = StringField(_l("Status hukum"), validators=[_length(200)])
    institution_type_id = _chosen(_l("Jenis lembaga"))
    phones = TextAreaField(
        _l("Nomor telepon (satu per baris)"),
        validators=[_length(1000), _phones],
        render_kw={"rows": 3},
    )


def parse_clock(raw: str | None) -> time | None:
    match = CLOCK.match((raw or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _clock(form: Any, field: Field) -> None:
    if (field.data or "").strip() and parse_clock(field.data) is None:
        raise ValidationError(_l("Tulis jam sebagai JJ:MM, misalnya 08:00."))


def _region_codes(form: Any, field: Field) -> None:
    codes = lines(field.data)
    if len(codes) > MAX_AREAS:
        raise ValidationError(_l("Paling banyak %(n)d wilayah.", n=MAX_AREAS))
    if not all(REGION_CODE.match(code) for code in codes):
        raise ValidationError(_l("Kode wilayah ditulis seperti 36.73 atau 36.73.01."))


def _languages(form: Any, field: Field) -> None:
    codes = lines(field.data)
    if len(codes) > MAX_LANGUAGES or not all(LANGUAGE_CODE.match(code) for code in codes):
        raise ValidationError(_l("Tulis kode bahasa ISO 639, misalnya id, jv, su."))


class ServiceForm(FlaskForm):
    organization_id = _chosen(_l("Lembaga"), required=True)
    name = StringField(_l("Nama layanan"), validators=[_required(), _length(300)])
    description = _long_text(_l("Deskripsi"), 4)
    status = _chosen(_l("Status"))
    fees_description = _long_text(_l("Biaya"), 2)
    languages = StringField(
        _l("Bahasa layanan (kode, dipisah koma)"), validators=[_length(200), _languages]
    )
    accepting_referrals = BooleanField(_l("Menerima rujukan"))
    capacity_note = _long_text(_l("Catatan kapasitas"), 2)
    service_type_ids = _chosen(_l("Jenis layanan"), field=CheckboxListField)
    problem_ids = _chosen(_l("Masalah yang ditangani"), field=CheckboxListField)
    location_ids = _chosen(_l("Lokasi tempat layanan diberikan"), field=CheckboxListField)
    region_codes = TextAreaField(
        _l("Wilayah layanan (kode wilayah Kemendagri, satu per baris)"),
        validators=[_length(2000), _region_codes],
        render_kw={"rows": 3},
    )

    def hours_fields(self) -> list[tuple[str, Field, Field]]:
        """Weekday, opening and closing field of the weekly hours editor."""
        return [(day, self[f"opens_{day}"], self[f"closes_{day}"]) for day in WEEKDAYS]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for _day, opens, closes in self.hours_fields():
            if opens.errors or closes.errors:
                continue
            if bool((opens.data or "").strip()) != bool((closes.data or "").strip()):
                closes.errors.append(str(_l("Isi jam buka dan jam tutup bersama-sama.")))
                valid = False
            elif opens.data and parse_clock(opens.data) >= parse_clock(closes.data):  # type: ignore[operator]
                closes.errors.append(problem_message("order"))
                valid = False
        return valid


def _clock_field(label: Any) -> StringField:
    return StringField(label, validators=[_length(5), _clock], render_kw={"type": "time"})


for _weekday in WEEKDAYS:
    setattr(
        ServiceForm,
        f"opens_{_weekday}",
        _clock_field(_l("%(day)s buka", day=WEEKDAY_LABELS[_weekday])),
    )
    setattr(
        ServiceForm,
        f"closes_{_weekday}",
        _clock_field(_l("%(day)s tutup", day=WEEKDAY_LABELS[_weekday])),
    )


def parse_coordinate(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _coordinate(low: float, high: float) -> Any:
    def check(form: Any, field: Field) -> None:
        if not (field.data or "").strip():
            return
        value = parse_coordinate(field.data)
        if value is None:
            raise ValidationError(_l("Tulis angka desimal, misalnya -6.12."))
        if not low <= value <= high:
            raise ValidationError(
                _l("Harus antara %(low)s dan %(high)s.", low=str(low), high=str(high))
            )

    return check


class LocationForm(FlaskForm):
    organization_id = _chosen(_l("Lembaga"), required=True)
    name = StringField(_l("Nama lokasi"), validators=[_required(), _length(300)])
    address = StringField(_l("Alamat jalan"), validators=[_required(), _length(500)])
    region_code = StringField(
        _l("Kode wilayah Kemendagri (kecamatan bila diketahui)"),
        validators=[_required(), _length(16)],
    )
    latitude = StringField(_l("Lintang"), validators=[_length(30), _coordinate(-90, 90)])
    longitude = StringField(_l("Bujur"), validators=[_length(30), _coordinate(-180, 180)])
    confidential = BooleanField(_l("Lokasi dirahasiakan (rumah aman): alamat tidak ditampilkan"))

    def validate_region_code(self, field: Field) -> None:
        if not REGION_CODE.match((field.data or "").strip()):
            raise ValidationError(_l("Kode wilayah ditulis seperti 36.73 atau 36.73.01."))


class TermForm(FlaskForm):
    taxonomy_id = _chosen(_l("Taksonomi"), required=True)
    parent_id = _chosen(_l("Induk"))
    code = StringField(_l("Kode"), validators=[_length(100)])
    name = StringField(_l("Nama"), validators=[_required(), _length(200)])
    name_en = StringField(_l("Nama dalam bahasa Inggris"), validators=[_length(200)])


class AccountForm(FlaskForm):
    name = StringField(_l("Nama"), validators=[_required(), _length(200)])
    role = _chosen(_l("Peran"), required=True)
    organization_id = _chosen(_l("Lembaga (wajib untuk konselor dan mitra)"))


def _password_field(label: Any) -> PasswordField:
    return PasswordField(
        label,
        validators=[_required(), _length(MAX_PASSWORD)],
        render_kw={"autocomplete": "new-password"},
    )


class NewAccountForm(AccountForm):
    email = EmailField(
        _l("Alamat email"),
        validators=[_required(), _length(254), Email(message=_l("Alamat email tidak sah."))],
    )
    password = _password_field(_l("Kata sandi awal"))


class PasswordResetForm(FlaskForm):
    password = _password_field(_l("Kata sandi baru"))
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[EqualTo("password", message=_l("Kedua kata sandi tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )


# The audit trail's dates: nothing was recorded before, and a day after the last one
# would fall off the calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def parse_day(raw: str | None) -> date | None:
    """A day between FIRST_DAY and LAST_DAY written TTTT-BB-HH, else None."""
    try:
        day = datetime.strptime((raw or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _day(form: Any, field: Field) -> None:
    if (field.data or "").strip() and parse_day(field.data) is None:
        raise ValidationError(
            _l(
                "Tulis tanggal sebagai TTTT-BB-HH, antara %(first)s dan %(last)s.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )


class AuditFilterForm(FlaskForm):
    """The audit trail's filters, read from the query string."""

    class Meta:
        csrf = False

    resource_type = _chosen(_l("Jenis data"))
    organization_id = _chosen(_l("Lembaga"))
    account = StringField(_l("Email akun pengubah"), validators=[_length(254)])
    date_from = StringField(
        _l("Dari tanggal"), validators=[_length(10), _day], render_kw={"type": "date"}
    )
    date_to = StringField(
        _l("Sampai tanggal"), validators=[_length(10), _day], render_kw={"type": "date"}
    )
