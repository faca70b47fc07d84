"""Forms of the referral pages. They collect; :mod:`operations` decides what is valid, so
that the pages and the API refuse the same things with the same words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import HiddenInput

from directory.form_fields import CheckboxListField
from directory.referrals import vocabulary


def choices(labels: dict, *, blank: object = None) -> list[SelectChoice]:
    """Options from a vocabulary; ``blank`` adds an empty first option with that label."""
    options = [SelectChoice(value, label) for value, label in labels.items()]
    return [SelectChoice("", blank), *options] if blank is not None else options


class ReferralForm(FlaskForm):
    service_id = HiddenField()
    previous_referral_id = HiddenField()
    problem_term_ids = CheckboxListField(_l("Masalah klien"), validate_choice=False)
    urgency = RadioField(
        _l("Tingkat kedaruratan"),
        choices=choices(vocabulary.URGENCIES),
        default="normal",
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Alasan rujukan dan yang dibutuhkan klien"),
        render_kw={"maxlength": vocabulary.MAX_REASON, "rows": 5},
    )
    client_reference = StringField(
        _l("Kode rujukan klien di lembaga Anda"),
        render_kw={"maxlength": vocabulary.MAX_REFERENCE, "autocomplete": "off"},
    )
    client_initials = StringField(
        _l("Inisial klien"),
        render_kw={"maxlength": vocabulary.MAX_INITIALS, "autocomplete": "off"},
    )
    client_age_group = SelectField(
        _l("Kelompok usia"),
        choices=choices(vocabulary.AGE_GROUPS, blank=_l("Pilih...")),
        validate_choice=False,
    )
    client_sex = RadioField(
        _l("Jenis kelamin"), choices=choices(vocabulary.SEXES), validate_choice=False
    )
    client_contact = StringField(
        _l("Kontak klien (opsional)"),
        render_kw={"maxlength": vocabulary.MAX_CONTACT, "autocomplete": "off"},
    )
    client_safe_contact = TextAreaField(
        _l("Kapan dan bagaimana aman menghubungi klien (opsional)"),
        render_kw={"maxlength": vocabulary.MAX_SAFE_CONTACT, "rows": 3},
    )
    consent_given = BooleanField(_l("Klien sudah memberi persetujuan untuk dirujuk"))
    consent_method = SelectField(
        _l("Cara persetujuan dicatat"),
        choices=choices(vocabulary.CONSENT_METHODS, blank=_l("Pilih...")),
        validate_choice=False,
    )
    consent_recorded_at = StringField(
        _l("Waktu persetujuan dicatat"), render_kw={"type": "datetime-local"}
    )
    guardian_consent_given = BooleanField(
        _l("Untuk klien anak: orang tua atau wali sudah memberi persetujuan")
    )
    guardian_relationship = StringField(
        _l("Hubungan wali dengan anak (mis. ibu, ayah, wali)"),
        render_kw={"maxlength": vocabulary.MAX_RELATIONSHIP},
    )


class TransitionForm(FlaskForm):
    """One action on a referral; each action's form on the page has its own prefix."""

    version = IntegerField(widget=HiddenInput())
    note = TextAreaField(
        _l("Catatan (opsional)"), render_kw={"maxlength": vocabulary.MAX_NOTE, "rows": 3}
    )
    reason_code = SelectField(_l("Alasan"), validate_choice=False)
    reason_text = TextAreaField(
        _l("Penjelasan"), render_kw={"maxlength": vocabulary.MAX_REASON_TEXT, "rows": 2}
    )
    result = RadioField(
        _l("Hasil"), choices=choices(vocabulary.CLOSE_RESULTS), validate_choice=False
    )
    reason_not_successful = TextAreaField(
        _l("Bila tidak berhasil: mengapa"),
        render_kw={"maxlength": vocabulary.MAX_REASON_TEXT, "rows": 2},
    )
    suggested_service = StringField(
        _l("Sarankan layanan lain (opsional)"),
        render_kw={"maxlength": vocabulary.MAX_SUGGESTION, "autocomplete": "off"},
    )
    service_delivered = RadioField(
        _l("Apakah layanan sudah diberikan kepada klien?"),
        choices=[SelectChoice("yes", _l("Ya")), SelectChoice("no", _l("Tidak"))],
        validate_choice=False,
    )
