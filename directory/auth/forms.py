from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from directory.auth.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Alamat email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST."""


def _long_enough(_form: Any, field: Any) -> None:
    minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Kata sandi minimal %(n)d karakter.", n=minimum))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(), _long_enough, Length(max=MAX_LENGTH)],
    )
    confirm_password = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("Kedua kata sandi baru tidak sama.")),
        ],
    )
