"""Forms of the listing pages. They collect (and carry the CSRF token); :mod:`fields` and
:mod:`operations` decide what is valid, so the same words refuse the same things."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from directory.listings import fields
from directory.listings.operations import MAX_REVIEW_NOTE

# How each field is named on the pages and in the review queue.
FIELD_LABELS = {
    "name": _l("Nama"),
    "alternate_name": _l("Nama lain atau singkatan"),
    "description": _l("Deskripsi"),
    "email": _l("Surel"),
    "website": _l("Situs web"),
    "url": _l("Situs web layanan"),
    "phones": _l("Telepon"),
    "languages": _l("Bahasa"),
    "hours": _l("Jam layanan"),
    "application_process": _l("Cara mendapatkan layanan"),
    "eligibility_description": _l("Siapa yang dapat dilayani"),
    "fees_description": _l("Biaya"),
    "wait_time": _l("Waktu tunggu"),
    "capacity_note": _l("Catatan kapasitas"),
    "accepting_referrals": _l("Menerima rujukan saat ini"),
}
FIELD_HINTS = {
    "phones": _l("Satu nomor per baris, misalnya +62 254 123456 ext. 12."),
    "languages": _l("Satu bahasa per baris, boleh dengan kodenya: Basa Sunda (su)."),
    "hours": _l("Satu jadwal per baris: hari lalu jam, misalnya Sen-Jum 08.00-16.00."),
}


def _text(name: str, spec: fields.FieldSpec, rows: int = 0) -> StringField:
    render_kw: dict[str, object] = {"maxlength": spec.max_length}
    if spec.required:
        render_kw["required"] = True
    if rows:
        render_kw["rows"] = rows
        return TextAreaField(FIELD_LABELS[name], render_kw=render_kw)
    if spec.kind == fields.EMAIL:
        render_kw.update(type="email", autocomplete="email")
    elif spec.kind == fields.URL:
        render_kw.update(type="url", inputmode="url")
    return StringField(FIELD_LABELS[name], render_kw=render_kw)


_ORG = fields.ORGANIZATION_FIELDS
_SERVICE = fields.SERVICE_FIELDS


class OrganizationListingForm(FlaskForm):
    name = _text("name", _ORG["name"])
    alternate_name = _text("alternate_name", _ORG["alternate_name"])
    description = _text("description", _ORG["description"], rows=6)
    email = _text("email", _ORG["email"])
    website = _text("website", _ORG["website"])
    phones = _text("phones", _ORG["phones"], rows=3)


class ServiceListingForm(FlaskForm):
    name = _text("name", _SERVICE["name"])
    description = _text("description", _SERVICE["description"], rows=6)
    application_process = _text("application_process", _SERVICE["application_process"], rows=3)
    eligibility_description = _text(
        "eligibility_description", _SERVICE["eligibility_description"], rows=3
    )
    fees_description = _text("fees_description", _SERVICE["fees_description"], rows=2)
    wait_time = _text("wait_time", _SERVICE["wait_time"])
    email = _text("email", _SERVICE["email"])
    url = _text("url", _SERVICE["url"])
    phones = _text("phones", _SERVICE["phones"], rows=3)
    languages = _text("languages", _SERVICE["languages"], rows=3)
    hours = _text("hours", _SERVICE["hours"], rows=4)


class AvailabilityForm(FlaskForm):
    capacity_note = _text("capacity_note", fields.AVAILABILITY_FIELDS["capacity_note"], rows=2)
    accepting_referrals = BooleanField(FIELD_LABELS["accepting_referrals"])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: verifying, withdrawing."""


class ApproveForm(FlaskForm):
    overwrite = BooleanField(_l("Terapkan juga walau data sudah berubah sejak diusulkan"))


class RejectForm(FlaskForm):
    note = TextAreaField(
        _l("Alasan penolakan (dikirim ke pengusul)"),
        render_kw={"maxlength": MAX_REVIEW_NOTE, "rows": 3},
    )
