"""Sign in (``/masuk``), sign out (``/keluar``), change password (``/akun/kata-sandi``)."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from directory.auth.demo import DEMO_PASSWORD, existing_demo_accounts
from directory.auth.forms import ChangePasswordForm, LoginForm, LogoutForm
from directory.auth.models import User
from directory.auth.operations import (
    AccountInvalid,
    AuthenticationFailed,
    TooSoon,
    authenticate,
    change_password,
    sign_out_everywhere,
)
from directory.auth.sessions import SIGNED_IN_AT
from directory.extensions import db
from directory.redirects import safe_next

bp = Blueprint("auth", __name__)

# Kept across signing in and out: the visitor's language.
KEPT_SESSION_KEYS = ("lang",)


def landing_page(user: User) -> str:
    if user.is_admin:
        # What waits for the network's administrators (directory.admin.waiting).
        return url_for("admin.dashboard")
    if user.is_counsellor:
        return url_for("referrals.outbox")
    return url_for("referrals.inbox")


def client_address() -> str:
    """The visitor's address; behind trusted proxies, the one they saw (TRUSTED_PROXIES)."""
    return request.remote_addr or "unknown"


def start_session(user: User) -> None:
    """A fresh session for ``user``: nothing of an earlier session survives but the language."""
    kept = {key: session[key] for key in KEPT_SESSION_KEYS if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=False)
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or landing_page(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "", client_address())
        except TooSoon as early:
            db.session.commit()
            # How long exactly is in Retry-After; the wait is seconds, at most a minute.
            form.form_errors.append(_("Terlalu banyak percobaan yang gagal. Coba lagi nanti."))
            status = 429
            headers["Retry-After"] = str(early.retry_after)
        except AuthenticationFailed:
            db.session.commit()
            form.form_errors.append(_("Alamat email atau kata sandi salah."))
            status = 401
        else:
            start_session(user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or landing_page(user))
    elif request.method == "POST":
        status = 400
    demo_accounts = existing_demo_accounts() if current_app.config["DEMO_MODE"] else []
    return (
        render_template(
            "auth/login.html",
            form=form,
            demo_accounts=demo_accounts,
            demo_password=DEMO_PASSWORD,
        ),
        status,
        headers,
    )


@bp.route("/keluar", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = LogoutForm()
    if form.validate_on_submit():
        sign_out_everywhere(current_user._get_current_object())
        db.session.commit()
        logout_user()
        kept = {key: session[key] for key in KEPT_SESSION_KEYS if key in session}
        session.clear()
        session.update(kept)
        flash(_("Anda sudah keluar dari semua perangkat."), "info")
        return redirect(url_for("public.home"))
    return render_template("auth/logout.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password_page() -> ResponseReturnValue:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current_password.data or "", form.new_password.data or "")
        except AccountInvalid as error:
            messages = {
                "wrong": _("Kata sandi sekarang salah."),
                "unchanged": _("Kata sandi baru harus berbeda dari yang sekarang."),
            }
            for name, problem in error.fields.items():
                field = getattr(form, name)
                field.errors = [messages.get(problem, _("Kata sandi baru tidak dapat dipakai."))]
            status = 400
        else:
            start_session(user)
            db.session.commit()
            flash(
                _("Kata sandi sudah diganti. Sesi di perangkat lain dan token API sudah diakhiri."),
                "success",
            )
            return redirect(url_for("auth.change_password_page"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/change_password.html", form=form), status
