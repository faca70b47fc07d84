"""The gap analysis page's choices, read from the query string (a GET form: it changes
nothing, so it carries no CSRF token and can be bookmarked and shared)."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField
from wtforms.validators import ValidationError

DEFAULT_DISTANCE_KM = 50
# Farther than any regency is from its neighbours' services; beyond it the question is moot.
MAX_DISTANCE_KM = 1000
ALL_PROBLEMS = ""
ALL_PROVINCES = ""


class GapForm(FlaskForm):
    class Meta:
        csrf = False

    masalah = SelectField(_l("Masalah"), validate_choice=False, default=ALL_PROBLEMS)
    jarak = StringField(
        _l("Jarak terjauh yang masih terjangkau (km)"),
        default=str(DEFAULT_DISTANCE_KM),
        render_kw={"inputmode": "numeric", "maxlength": 6, "autocomplete": "off"},
    )
    provinsi = SelectField(_l("Provinsi"), validate_choice=False, default=ALL_PROVINCES)
    semua_wilayah = BooleanField(_l("Hitung juga layanan di luar wilayah layanannya"))

    def validate_provinsi(self, field: Field) -> None:
        known = {value for value, _label in self.provinsi.choices or []}
        if (field.data or ALL_PROVINCES) not in known:
            raise ValidationError(_l("Pilihan provinsi tidak dikenal."))

    def validate_masalah(self, field: Field) -> None:
        known = {value for value, _label in self.masalah.choices or []}
        if (field.data or ALL_PROBLEMS) not in known:
            raise ValidationError(_l("Pilihan masalah tidak dikenal."))

    def validate_jarak(self, field: Field) -> None:
        raw = (field.data or "").strip().replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            raise ValidationError(_l("Isi jarak dengan angka kilometer, misalnya 50.")) from None
        if not math.isfinite(value) or value != int(value):
            raise ValidationError(_l("Isi jarak dengan bilangan bulat kilometer, misalnya 50."))
        if value <= 0:
            raise ValidationError(_l("Jarak harus lebih dari 0 km."))
        if value > MAX_DISTANCE_KM:
            raise ValidationError(_l("Jarak paling jauh %(max)s km.", max=MAX_DISTANCE_KM))

    @property
    def distance_km(self) -> int:
        """The validated distance; call after :meth:`validate`."""
        return int(float(self.jarak.data.strip().replace(",", ".")))

    @property
    def problem_id(self) -> str:
        return self.masalah.data or ALL_PROBLEMS

    @property
    def province_code(self) -> str:
        return self.provinsi.data or ALL_PROVINCES
